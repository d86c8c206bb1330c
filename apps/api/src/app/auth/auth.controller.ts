import type { LoginResponse, LogoutResponse, MeResponse } from '@gatehouse/shared/dto';
import { Controller, Get, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isMaster, type Principal } from '../common/auth/principal';
import { Authenticated } from '../common/decorators/authenticated.decorator';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { Public } from '../common/decorators/public.decorator';
import { AppConfig } from '../config/app-config';
import { AuthService } from './auth.service';
import { LocalAuthGuard } from './local-auth.guard';
import { clearSessionCookies, setSessionCookies } from './session-cookies';
import { SessionsService } from './sessions.service';

type LoginRequest = FastifyRequest & { user: Principal };

@ApiTags('session')
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {}

  /** JSON answers 200 with who logged in; a form post is redirected to the console. */
  @Public()
  @Post('login')
  @UseGuards(LocalAuthGuard)
  @ApiBody({
    schema: {
      type: 'object',
      required: ['username', 'password'],
      properties: {
        username: { type: 'string' },
        password: { type: 'string', format: 'password' },
      },
    },
  })
  async login(@Req() request: LoginRequest, @Res() reply: FastifyReply): Promise<void> {
    const principal = request.user;
    const master = isMaster(principal);
    const session = await this.sessions.login(
      principal.userId,
      master,
      master ? 'master_key' : 'session',
    );
    setSessionCookies(reply, session, this.config.secureCookies);
    if (
      String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
    ) {
      await reply.redirect('/ui/', 303);
      return;
    }
    const body: LoginResponse = {
      user_id: principal.userId,
      user_email: principal.email,
      user_role: principal.role,
    };
    await reply.status(200).send(body);
  }

  /** Ends this session on the server (other sessions live on) and says where to go next. */
  @Post('logout')
  @Authenticated()
  async logout(
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.logout(principal);
    clearSessionCookies(reply, this.config.secureCookies);
    const body: LogoutResponse = { redirect_url: this.config.logoutUrl };
    await reply.status(200).send(body);
  }

  @Get('me')
  @Authenticated()
  me(@CurrentPrincipal() principal: Principal): Promise<MeResponse> {
    return this.auth.me(principal);
  }
}
