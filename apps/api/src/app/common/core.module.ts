import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PasswordHasher } from './crypto/password-hasher';
import { TeamEvents } from './events/team-events';
import { UserEvents } from './events/user-events';
import { Clock, SystemClock } from './time/clock';

/** The process-wide singletons every module may inject: config, clock, password hashing,
 * user and team events. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock },
        PasswordHasher,
        UserEvents,
        TeamEvents,
      ],
      exports: [AppConfig, Clock, PasswordHasher, UserEvents, TeamEvents],
    };
  }
}
