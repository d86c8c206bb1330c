import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import { ModelsModule } from '../models/models.module';
import { SpendModule } from '../spend/spend.module';
import { Admission } from './admission/admission';
import { AdmissionControl, InProcessAdmission } from './admission/admission-control';
import { CallerResolver } from './admission/caller-resolver';
import { Books } from './books/books';
import { CachedAnswers } from './cache/cached-answers';
import { InMemoryResponseCache, ResponseCache } from './cache/response-cache';
import { DataPlaneHandler } from './data-plane.handler';
import { GatewayService } from './gateway.service';
import { ModelInfoController } from './model-info.controller';
import { UpstreamClient } from './providers/upstream-client';
import { loadRouterSettings } from '../models/config-models';
import { DeploymentStates } from './router/deployment-states';
import { HealthModelsController } from './router/health-models.controller';
import { Router } from './router/router';
import { resolveRouterSettings, RouterSettings } from './router/router-settings';

@Module({
  imports: [AuthModule, ModelsModule, SpendModule],
  controllers: [ModelInfoController, HealthModelsController],
  providers: [
    GatewayService,
    DataPlaneHandler,
    CallerResolver,
    Admission,
    { provide: AdmissionControl, useClass: InProcessAdmission },
    CachedAnswers,
    {
      provide: ResponseCache,
      useFactory: (config: AppConfig) => new InMemoryResponseCache(config.cache.maxEntries),
      inject: [AppConfig],
    },
    Router,
    DeploymentStates,
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
