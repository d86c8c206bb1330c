import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RedisLink } from '../cluster/redis-link';
import { AppConfig } from '../config/app-config';
import { KeysModule } from '../keys/keys.module';
import { MetricsService } from '../metrics/metrics.service';
import { ModelsModule } from '../models/models.module';
import { SpendModule } from '../spend/spend.module';
import { SpendQueue } from '../spend/spend-queue';
import { TeamsModule } from '../teams/teams.module';
import { UsersModule } from '../users/users.module';
import { Admission } from './admission/admission';
import { AdmissionControl, InProcessAdmission } from './admission/admission-control';
import { CallerResolver } from './admission/caller-resolver';
import { RedisAdmission } from './admission/redis-admission';
import { SpendCounters } from './admission/spend-counters';
import { Books } from './books/books';
import { CachedAnswers } from './cache/cached-answers';
import { RedisResponseCache } from './cache/redis-response-cache';
import { InMemoryResponseCache, ResponseCache } from './cache/response-cache';
import { DataPlaneHandler } from './data-plane.handler';
import { GatewayService } from './gateway.service';
import { ModelInfoController } from './model-info.controller';
import { UpstreamClient } from './providers/upstream-client';
import { loadRouterSettings } from '../models/config-models';
import { DeploymentStates } from './router/deployment-states';
import {
  DeploymentUsage,
  LocalDeploymentUsage,
  RedisDeploymentUsage,
} from './router/deployment-usage';
import { HealthModelsController } from './router/health-models.controller';
import { Router } from './router/router';
import { resolveRouterSettings, RouterSettings } from './router/router-settings';

@Module({
  imports: [AuthModule, ModelsModule, SpendModule, UsersModule, KeysModule, TeamsModule],
  controllers: [ModelInfoController, HealthModelsController],
  providers: [
    GatewayService,
    DataPlaneHandler,
    CallerResolver,
    Admission,
    SpendCounters,
    // With REDIS_URL (ClusterModule provides RedisLink), limits and cached answers are shared.
    {
      provide: AdmissionControl,
      useFactory: (
        queue: SpendQueue,
        counters: SpendCounters,
        config: AppConfig,
        metrics: MetricsService,
        link?: RedisLink,
      ): AdmissionControl =>
        link
          ? new RedisAdmission(link, queue, counters, {
              // A ticket outlives the longest call the upstream timeout allows.
              ticketTtlMs: config.upstreamTimeoutMs + 60_000,
              reconcileIntervalMs: config.redisReconcileIntervalMs,
              registry: metrics.registry,
            })
          : new InProcessAdmission(queue),
      inject: [
        SpendQueue,
        SpendCounters,
        AppConfig,
        MetricsService,
        { token: RedisLink, optional: true },
      ],
    },
    CachedAnswers,
    {
      provide: ResponseCache,
      useFactory: (config: AppConfig, link?: RedisLink): ResponseCache =>
        link
          ? new RedisResponseCache(link, config.cache.maxEntryBytes)
          : new InMemoryResponseCache(config.cache.maxEntries),
      inject: [AppConfig, { token: RedisLink, optional: true }],
    },
    Router,
    DeploymentStates,
    {
      // With REDIS_URL, usage-based-routing's rpm/tpm counters are shared too.
      provide: DeploymentUsage,
      useFactory: (metrics: MetricsService, link?: RedisLink): DeploymentUsage =>
        link
          ? new RedisDeploymentUsage(link, { registry: metrics.registry })
          : new LocalDeploymentUsage(),
      inject: [MetricsService, { token: RedisLink, optional: true }],
    },
    {
      // CONFIG_FILE's router_settings / litellm_settings, with the environment on top.
      provide: RouterSettings,
      useFactory: (config: AppConfig) =>
        resolveRouterSettings(
          config.configFile ? loadRouterSettings(config.configFile) : {},
          config.router,
        ),
      inject: [AppConfig],
    },
    Books,
    {
      provide: UpstreamClient,
      useFactory: (config: AppConfig) => new UpstreamClient(config.upstreamTimeoutMs),
      inject: [AppConfig],
    },
  ],
  exports: [CallerResolver, AdmissionControl, DataPlaneHandler, GatewayService],
})
export class GatewayModule {}
