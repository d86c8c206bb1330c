import {
  DeleteModelRequest,
  NewModelRequest,
  TestModelRequest,
  UpdateModelRequest,
  type DeleteModelResponse,
  type ModelResponse,
  type TestModelResponse,
} from '@gatehouse/shared/dto';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { ModelTestService } from './model-test.service';
import { ModelsService } from './models.service';

@ApiTags('models')
@ApiBearerAuth()
/** Writes models; `GET /model/info` is the gateway's (it knows who may call what). */
@Controller('model')
export class ModelsController {
  constructor(
    private readonly models: ModelsService,
    private readonly tests: ModelTestService,
  ) {}

  @Post('new')
  @HttpCode(200)
  @RequirePermission('model.write')
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: NewModelRequest,
  ): Promise<ModelResponse> {
    return this.models.create(principal, body);
  }

  @Post('update')
  @HttpCode(200)
  @RequirePermission('model.write')
  update(@Body() body: UpdateModelRequest): Promise<ModelResponse> {
    return this.models.update(body);
  }

  /** One tiny call to the deployment: latency or the upstream's (redacted) error. No audit row. */
  @Post('test')
  @HttpCode(200)
  @RequirePermission('model.write')
  test(@Body() body: TestModelRequest): Promise<TestModelResponse> {
    return this.tests.test(body);
  }

  @Post('delete')
  @HttpCode(200)
  @RequirePermission('model.write')
  delete(@Body() body: DeleteModelRequest): Promise<DeleteModelResponse> {
    return this.models.delete(body);
  }
}
