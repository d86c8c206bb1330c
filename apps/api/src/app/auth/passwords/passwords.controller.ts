import {
  ForgotPasswordRequest,
  PasswordResetLinkRequest,
  ResetPasswordRequest,
  type PasswordMessageResponse,
  type PasswordResetLinkResponse,
} from '@gatehouse/shared/dto';
import { Body, Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../common/decorators/public.decorator';
import { RequirePermission } from '../../common/decorators/require-permission.decorator';
import { PasswordResetService } from './password-reset.service';

@ApiTags('passwords')
@Controller()
export class PasswordsController {
  constructor(private readonly passwords: PasswordResetService) {}

  /** Always the same 200 answer: emails a reset link when the address has a password account. */
  @Public()
  @Post('password/forgot')
  @HttpCode(200)
  forgot(
    @Body() body: ForgotPasswordRequest,
    @Req() request: FastifyRequest,
  ): Promise<PasswordMessageResponse> {
    return this.passwords.forgot(body.email, request.ip);
  }

  /** Sets the password from a reset link's token and ends every session of the user. */
  @Public()
  @Post('password/reset')
  @HttpCode(200)
  reset(@Body() body: ResetPasswordRequest): Promise<PasswordMessageResponse> {
    return this.passwords.reset(body.token, body.password);
  }

  /** proxy_admin without SMTP: the reset link itself, to hand over by hand. */
  @Post('user/password/reset_link')
  @HttpCode(200)
  @ApiBearerAuth()
  @RequirePermission('user.update.any')
  @Header('Cache-Control', 'no-store')
  resetLink(@Body() body: PasswordResetLinkRequest): Promise<PasswordResetLinkResponse> {
    return this.passwords.adminLink(body.user_id);
  }
}
