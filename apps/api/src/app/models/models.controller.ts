import {
  DeleteModelRequest,
  NewModelRequest,
  type DeleteModelResponse,
  type ModelResponse,
} from '@gatehouse/shared/dto';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { ModelsService } from './models.service';

@ApiTags('models')
@ApiBearerAuth()
/** Writes models; `GET /model/info` is the gateway's (it knows who may call what). */
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

  @Post('delete')
  @HttpCode(200)
  @RequirePermission('model.write')
  delete(@Body() body: DeleteModelRequest): Promise<DeleteModelResponse> {
    return this.models.delete(body);
  }
}
