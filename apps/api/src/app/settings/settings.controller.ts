import type { SettingsResponse, TestEmailResponse } from '@gatehouse/shared/dto';
import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { SettingsService } from './settings.service';

@ApiTags('settings')
@ApiBearerAuth()
@Controller('settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @RequirePermission('settings.read')
  read(): SettingsResponse {
    return this.settings.settings();
  }

  @Post('test-email')
  @HttpCode(200)
  @RequirePermission('settings.test_email')
  testEmail(@CurrentPrincipal() principal: Principal): Promise<TestEmailResponse> {
    return this.settings.testEmail(principal);
  }
}
