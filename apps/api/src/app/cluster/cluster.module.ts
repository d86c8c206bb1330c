import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { ClusterBus, LocalClusterBus } from './cluster-bus';
import { RedisClusterBus } from './redis-cluster-bus';
import { RedisLink } from './redis-link';

/**
 * What instances share: with REDIS_URL, the Redis link (its health in `/health/readiness` and
 * `gatehouse_redis_up`) and the cluster bus on Redis pub/sub; without, an in-process bus and
 * no RedisLink provider at all (inject it `@Optional()`).
 */
@Global()
@Module({})
export class ClusterModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.redisUrl) {
      return {
        module: ClusterModule,
        providers: [{ provide: ClusterBus, useClass: LocalClusterBus }],
        exports: [ClusterBus],
      };
    }
    const url = config.redisUrl;
    return {
      module: ClusterModule,
      providers: [
        {
          provide: RedisLink,
          useFactory: (metrics: MetricsService): RedisLink => {
            const link = new RedisLink({ url, failureMode: config.redisFailureMode });
            new Gauge({
              name: 'gatehouse_redis_up',
              help: 'Whether this instance reaches Redis (1) or falls back to its failure mode (0)',
              registers: [metrics.registry],
              collect() {
                this.set(link.up ? 1 : 0);
              },
            });
            return link;
          },
          inject: [MetricsService],
        },
        {
          provide: ClusterBus,
          useFactory: (link: RedisLink): ClusterBus => new RedisClusterBus(link),
          inject: [RedisLink],
        },
      ],
      exports: [RedisLink, ClusterBus],
    };
  }
}
