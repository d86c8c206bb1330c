import {
  ClaimOnboardingRequest,
  OnboardingTokenQuery,
  type OnboardingTokenResponse,
} from '@gatehouse/shared/dto';
import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { setSessionCookies } from '../auth/session-cookies';
import { Public } from '../common/decorators/public.decorator';
import { NoStore } from '../common/http/no-store';
import { AppConfig } from '../config/app-config';
import { OnboardingService } from './onboarding.service';

/** Public: the invitation id (and then the onboarding token) is the credential. */
@ApiTags('onboarding')
@Controller('onboarding')
export class OnboardingController {
  constructor(
    private readonly onboarding: OnboardingService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('get_token')
  @NoStore()
  getToken(@Query() query: OnboardingTokenQuery): Promise<OnboardingTokenResponse> {
    return this.onboarding.getToken(query.invite_link);
  }

  /** Sets the password, accepts the invitation and logs in, like POST /login. */
  @Public()
  @Post('claim_token')
  @HttpCode(200)
  @ApiBearerAuth()
  async claimToken(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: ClaimOnboardingRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { session, body: answer } = await this.onboarding.claim(authorization, body);
    setSessionCookies(reply, session, this.config.secureCookies);
    await reply.status(200).send(answer);
  }
}
