import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { TeamEntity, TeamMemberEntity } from '../teams/team.entity';
import { UserEntity } from '../users/user.entity';
import { KeyAuthenticator } from './key-authenticator';
import {
  InMemoryKeyCache,
  KeyCache,
  KeyInvalidationBus,
  KeyLookupSource,
  LocalKeyInvalidationBus,
} from './key-cache';
import { DatabaseKeyLookupSource } from './key-loader';
import { KeyTeamsRepository } from './key-teams.repository';
import { DeletedKeyEntity, KeyEntity } from './key.entity';
import { KeysController } from './keys.controller';
import { KeysRepository } from './keys.repository';
import { KeysService } from './keys.service';
import { RedisKeyInvalidationBus } from './redis-key-invalidation.bus';

/**
 * Virtual keys. Reads owner rows straight from `users` (no import of UsersModule, so that
 * UsersModule can import this one for `GET /user/info`) and teams and memberships through its
 * own read-only KeyTeamsRepository (teams never depend on keys; they publish TeamEvents).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      KeyEntity,
      DeletedKeyEntity,
      UserEntity,
      TeamEntity,
      TeamMemberEntity,
    ]),
  ],
  controllers: [KeysController],
  providers: [
    KeysRepository,
    KeyTeamsRepository,
    KeysService,
    KeyAuthenticator,
    { provide: KeyLookupSource, useClass: DatabaseKeyLookupSource },
    {
      provide: KeyInvalidationBus,
      useFactory: (config: AppConfig): KeyInvalidationBus =>
        config.redisUrl
          ? new RedisKeyInvalidationBus(config.redisUrl)
          : new LocalKeyInvalidationBus(),
      inject: [AppConfig],
    },
    {
      provide: KeyCache,
      useFactory: (source: KeyLookupSource, clock: Clock, bus: KeyInvalidationBus): KeyCache =>
        new InMemoryKeyCache(source, clock, bus),
      inject: [KeyLookupSource, Clock, KeyInvalidationBus],
    },
  ],
  exports: [KeysService, KeyAuthenticator, KeyCache],
})
export class KeysModule {}
