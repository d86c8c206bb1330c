import {
  DeleteModelRequest,
  NewModelRequest,
  type DeleteModelResponse,
  type ModelInfoResponse,
  type ModelResponse,
} from '@gatehouse/shared/dto';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { ModelsService } from './models.service';

@ApiTags('models')
@ApiBearerAuth()
@Controller('model')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Post('new')
  @HttpCode(200)
  @RequirePermission('model.write')
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: NewModelRequest,
  ): Promise<ModelResponse> {
    return this.models.create(principal, body);
  }

  @Get('info')
  @RequirePermission('model.read')
  info(@CurrentPrincipal() principal: Principal): ModelInfoResponse {
    return this.models.info(principal);
  }

  @Post('delete')
  @HttpCode(200)
  @RequirePermission('model.write')
  delete(@Body() body: DeleteModelRequest): Promise<DeleteModelResponse> {
    return this.models.delete(body);
  }
}
