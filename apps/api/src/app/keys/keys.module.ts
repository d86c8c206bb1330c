import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClusterBus } from '../cluster/cluster-bus';
import { Clock } from '../common/time/clock';
import { TeamEntity, TeamMemberEntity } from '../teams/team.entity';
import { UserEntity } from '../users/user.entity';
import { KeyAuthenticator } from './key-authenticator';
import { ClusterKeyInvalidationBus } from './cluster-key-invalidation.bus';
import { InMemoryKeyCache, KeyCache, KeyInvalidationBus, KeyLookupSource } from './key-cache';
import { DatabaseKeyLookupSource } from './key-loader';
import { KeyTeamsRepository } from './key-teams.repository';
import { DeletedKeyEntity, KeyEntity } from './key.entity';
import { KeysController } from './keys.controller';
import { KeysRepository } from './keys.repository';
import { KeysService } from './keys.service';

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
      useFactory: (cluster: ClusterBus): KeyInvalidationBus =>
        new ClusterKeyInvalidationBus(cluster),
      inject: [ClusterBus],
    },
    {
      provide: KeyCache,
      useFactory: (
        source: KeyLookupSource,
        clock: Clock,
        bus: KeyInvalidationBus,
        cluster: ClusterBus,
      ): KeyCache => {
        const cache = new InMemoryKeyCache(source, clock, bus);
        // Invalidations may have been missed while Redis was away: start afresh.
        cluster.onResync(() => cache.clear());
        return cache;
      },
      inject: [KeyLookupSource, Clock, KeyInvalidationBus, ClusterBus],
    },
  ],
  exports: [KeysService, KeysRepository, KeyAuthenticator, KeyCache],
})
export class KeysModule {}
