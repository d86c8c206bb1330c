import type { DeploymentHealth, HealthModelsResponse } from '@gatehouse/shared/dto';
import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Clock } from '../../common/time/clock';
import { RequirePermission } from '../../common/decorators/require-permission.decorator';
import { ModelRegistry } from '../../models/model-registry';
import { DeploymentStates } from './deployment-states';
import { RouterSettings } from './router-settings';

/**
 * `GET /health/models`: every deployment's state as the router sees it (admins and admin
 * viewers: `metrics.read`, the operational audience). No `api_base` or key in it.
 */
@ApiTags('health')
@ApiBearerAuth()
@Controller('health')
export class HealthModelsController {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly states: DeploymentStates,
    private readonly settings: RouterSettings,
    private readonly clock: Clock,
  ) {}

  @Get('models')
  @RequirePermission('metrics.read')
  models(): HealthModelsResponse {
    const nowMs = this.clock.nowMs();
    return {
      routing_strategy: this.settings.routingStrategy,
      num_retries: this.settings.numRetries,
      allowed_fails: this.settings.allowedFails,
      cooldown_time: this.settings.cooldownMs / 1000,
      data: this.registry.list().map((d): DeploymentHealth => {
        const state = this.states.view(d.id);
        const cooling = state !== undefined && state.coolingUntilMs > nowMs;
        const requests = state
          ? state.ok + state.errors + state.previousOk + state.previousErrors
          : 0;
        const errors = state ? state.errors + state.previousErrors : 0;
        return {
          model_name: d.modelName,
          model_id: d.id,
          status: cooling ? 'cooling_down' : 'healthy',
          cooldown_until: cooling ? new Date(state.coolingUntilMs).toISOString() : null,
          in_flight: state?.inFlight ?? 0,
          latency_ms:
            state?.latencyMs === null || !state ? null : Math.round(state.latencyMs * 1000) / 1000,
          recent_requests: requests,
          recent_errors: errors,
          error_rate: requests > 0 ? errors / requests : null,
          rpm_used: state?.minuteRequests ?? 0,
          tpm_used: state?.minuteTokens ?? 0,
          rpm: d.rpm,
          tpm: d.tpm,
        };
      }),
    };
  }
}
