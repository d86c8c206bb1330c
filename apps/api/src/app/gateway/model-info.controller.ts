import type { ModelInfoResponse } from '@gatehouse/shared/dto';
import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { GatewayService } from './gateway.service';

/**
 * `GET /model/info` (LiteLLM's shape). Served by the gateway, not the models module, because
 * what a caller sees follows the same model-access rule as what it may call (finding 17).
 */
@ApiTags('models')
@ApiBearerAuth()
@Controller('model')
export class ModelInfoController {
  constructor(private readonly gateway: GatewayService) {}

  @Get('info')
  @RequirePermission('model.read')
  info(@CurrentPrincipal() principal: Principal): ModelInfoResponse {
    return this.gateway.modelInfo(principal);
  }
}
