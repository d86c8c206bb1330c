import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { PasswordsModule } from './auth/passwords/passwords.module';
import { SsoModule } from './auth/sso/sso.module';
import { ClusterModule } from './cluster/cluster.module';
import { CoreModule } from './common/core.module';
import { requestLoggerOptions } from './common/logging/request-logger';
import type { Clock } from './common/time/clock';
import type { AppConfig } from './config/app-config';
import { dataSourceOptions } from './database/data-source-options';
import { DatabaseModule } from './database/database.module';
import { initializeDataSource } from './database/initialize';
import { HealthModule } from './health/health.module';
import { InvitationsModule } from './invitations/invitations.module';
import { OnboardingModule } from './invitations/onboarding.module';
import { TeamsModule } from './teams/teams.module';
import { KeysModule } from './keys/keys.module';
import { UsersModule } from './users/users.module';
import { GatewayModule } from './gateway/gateway.module';
import { MetricsModule } from './metrics/metrics.module';
import { ModelsModule } from './models/models.module';
import { SettingsModule } from './settings/settings.module';
import { SpendModule } from './spend/spend.module';

export interface AppOptions {
  /** Replaces the system clock (tests move through expiries with it). */
  clock?: Clock;
  /** Where request logs go (default stdout). */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, options.clock),
        ClusterModule.forRoot(config),
        LoggerModule.forRoot(requestLoggerOptions(config, options.logDestination)),
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(config.database),
          // Migrations under a lock on PostgreSQL: replicas may start at once.
          dataSourceFactory: (options) => {
            if (!options) throw new Error('no database options');
            return initializeDataSource(options);
          },
        }),
        DatabaseModule,
        AuditModule,
        AuthModule,
        UsersModule,
        KeysModule,
        HealthModule,
        TeamsModule,
        InvitationsModule,
        OnboardingModule,
        PasswordsModule,
        SsoModule,
        MetricsModule,
        ModelsModule,
        SpendModule,
        SettingsModule,
        GatewayModule,
      ],
    };
  }
}
