import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-local';
import { requestOrigin } from '../audit/audit-actor';
import type { Principal } from '../common/auth/principal';
import { AppError } from '../common/errors/app-error';
import { AuthService } from './auth.service';

/**
 * passport-local over JSON or form bodies. Nest runs guards before pipes, so the input is
 * checked here: credentials come from the body only, never from the query string.
 */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy) {
  constructor(private readonly auth: AuthService) {
    super({ usernameField: 'username', passwordField: 'password', passReqToCallback: true });
  }

  async validate(request: FastifyRequest, username: string, password: string): Promise<Principal> {
    const body = request.body as Record<string, unknown> | undefined;
    if (
      !body ||
      typeof body !== 'object' ||
      body['username'] !== username ||
      body['password'] !== password
    ) {
      throw AppError.badRequest(
        'username and password are required in the request body',
        'username',
      );
    }
    return this.auth.login(username, password, { ...requestOrigin(request), ip: request.ip });
  }
}
