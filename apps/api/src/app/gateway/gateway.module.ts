import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import { ModelsModule } from '../models/models.module';
import { SpendModule } from '../spend/spend.module';
import { SpendQueue } from '../spend/spend-queue';
import { BudgetLedger, InMemoryBudgetLedger } from './budget-ledger';
import { GatewayCallerResolver } from './gateway-caller';
import { DataPlaneHandler } from './data-plane.handler';
import { GatewayService } from './gateway.service';
import { ModelInfoController } from './model-info.controller';
import { InMemoryRateLimiter, RateLimiter } from './rate-limiter';
import { UpstreamClient } from './upstream-client';
import { PrincipalCallerResolver } from './principal-caller.resolver';

@Module({
  imports: [AuthModule, ModelsModule, SpendModule],
  controllers: [ModelInfoController],
  providers: [
    GatewayService,
    DataPlaneHandler,
    { provide: GatewayCallerResolver, useClass: PrincipalCallerResolver },
    { provide: RateLimiter, useClass: InMemoryRateLimiter },
    {
      provide: BudgetLedger,
      useFactory: (queue: SpendQueue): BudgetLedger => {
        const ledger = new InMemoryBudgetLedger();
        // A budget period rolled over: the spend writer restarts the counter at 0.
        ledger.onReset = (reset) => queue.push({ type: 'reset', reset });
        return ledger;
      },
      inject: [SpendQueue],
    },
    {
      provide: UpstreamClient,
      useFactory: (config: AppConfig) => new UpstreamClient(config.upstreamTimeoutMs),
      inject: [AppConfig],
    },
  ],
  exports: [GatewayCallerResolver, BudgetLedger, DataPlaneHandler, GatewayService],
})
export class GatewayModule {}
