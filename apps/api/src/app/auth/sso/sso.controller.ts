import { isSsoErrorCode } from '@gatehouse/shared/auth';
import type { SsoConfigResponse } from '@gatehouse/shared/dto';
import { Controller, Get, Logger, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../common/decorators/public.decorator';
import { Clock } from '../../common/time/clock';
import { AppConfig } from '../../config/app-config';
import { setSessionCookies } from '../session-cookies';
import { SessionsService } from '../sessions.service';
import { SsoClient } from './sso-client';
import { openPendingLogin, PENDING_LOGIN_TTL_MS, sealPendingLogin, SSO_COOKIE } from './sso-cookie';
import { SsoFailure } from './sso-error';
import { identityOf } from './sso-identity';
import { SsoService } from './sso.service';

/**
 * Single sign-on for the console. The pending login (state, nonce, PKCE verifier) rides in a
 * short-lived HttpOnly cookie on /sso, SameSite=Lax because the provider sends the browser
 * back from another site; the callback clears it whatever happens. Every failure lands on
 * the login page with a code the console explains: never a stack, never a 500.
 */
@ApiTags('sso')
@Controller('sso')
export class SsoController {
  private readonly logger = new Logger('SSO');

  constructor(
    private readonly client: SsoClient,
    private readonly sso: SsoService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Public: whether the login page shows a "Sign in with …" button. */
  @Public()
  @Get('config')
  ssoConfig(): SsoConfigResponse {
    return this.sso.publicConfig();
  }

  /** Sends the browser to the provider. `/sso/key/generate` is LiteLLM's name for it. */
  @Public()
  @Get(['login', 'key/generate'])
  async login(@Res() reply: FastifyReply): Promise<void> {
    try {
      const { url, pending } = await this.client.start();
      void reply.setCookie(SSO_COOKIE, sealPendingLogin(pending, this.config.masterKey), {
        ...this.cookieOptions(),
        maxAge: PENDING_LOGIN_TTL_MS / 1000,
      });
      void reply.header('cache-control', 'no-store');
      await reply.redirect(url, 302);
    } catch (error) {
      await this.fail(reply, error);
    }
  }

  /** The provider's redirect: verify, find or create the user, start a console session. */
  @Public()
  @Get('callback')
  @ApiExcludeEndpoint()
  async callback(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const cookie = request.cookies[SSO_COOKIE];
    void reply.clearCookie(SSO_COOKIE, this.cookieOptions());
    try {
      const settings = this.ssoSettings();
      const pending = openPendingLogin(cookie, this.config.masterKey, this.clock.nowMs());
      if (!pending) throw new SsoFailure('login_expired', 'no valid pending-login cookie');
      const query = request.url.includes('?')
        ? request.url.slice(request.url.indexOf('?') + 1)
        : '';
      const claims = await this.client.finish(query, pending);
      const user = await this.sso.signIn(identityOf(settings, claims));
      const session = await this.sessions.login(user.userId, false, 'sso', {
        issuer: settings.issuer,
      });
      setSessionCookies(reply, session, this.config.secureCookies);
      await reply.redirect('/ui/', 303);
    } catch (error) {
      await this.fail(reply, error);
    }
  }

  private ssoSettings() {
    const oidc = this.config.identity.oidc;
    if (!oidc) throw new SsoFailure('sso_disabled', 'OIDC_ISSUER is not set');
    return oidc;
  }

  private cookieOptions() {
    return {
      path: '/sso',
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: this.config.secureCookies,
    };
  }

  private async fail(reply: FastifyReply, error: unknown): Promise<void> {
    const failure =
      error instanceof SsoFailure
        ? error
        : new SsoFailure(
            'invalid_response',
            error instanceof Error ? error.message : String(error),
          );
    if (!(error instanceof SsoFailure)) this.logger.error(error);
    this.logger.warn(`SSO login refused (${failure.code}): ${failure.message}`);
    const code = isSsoErrorCode(failure.code) ? failure.code : 'invalid_response';
    void reply.header('cache-control', 'no-store');
    await reply.redirect(`/ui/login?sso_error=${code}`, 303);
  }
}
