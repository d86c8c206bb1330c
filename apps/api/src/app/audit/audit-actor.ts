import type { AuditAuthMethod } from '@gatehouse/shared/dto';
import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Observable } from 'rxjs';
import type { Principal } from '../common/auth/principal';
import type { AuthenticatedRequest } from '../common/decorators/current-principal.decorator';

/** Who made a change: the identity half of an audit row's actor. */
export interface AuditIdentity {
  changed_by: string | null;
  changed_by_api_key: string | null;
  auth_method: AuditAuthMethod;
}

/** Where the change came from. */
export interface AuditOrigin {
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
}

export type Actor = AuditIdentity & AuditOrigin;

/** The server's own jobs (retention). */
export const SYSTEM_IDENTITY: AuditIdentity = {
  changed_by: 'system',
  changed_by_api_key: null,
  auth_method: 'system',
};

export const NO_ORIGIN: AuditOrigin = { ip: null, user_agent: null, request_id: null };

const METHODS: Readonly<Record<Principal['method'], AuditAuthMethod>> = {
  master_key: 'master_key',
  session: 'session',
  virtual_key: 'api_key',
};

/** Where a request came from: its client address, user agent (cut to the column) and id. */
export function requestOrigin(request: Pick<FastifyRequest, 'ip' | 'headers' | 'id'>): AuditOrigin {
  const agent = request.headers['user-agent'];
  return {
    ip: request.ip ? request.ip.slice(0, 64) : null,
    user_agent: typeof agent === 'string' && agent ? agent.slice(0, 512) : null,
    request_id: request.id ? String(request.id).slice(0, 128) : null,
  };
}

/** Who `principal` is in an audit row (`method` overrides how it authenticated). */
export function identityOf(
  principal: Pick<Principal, 'method' | 'userId' | 'keyToken'>,
  method?: AuditAuthMethod,
): AuditIdentity {
  return {
    changed_by: principal.userId,
    changed_by_api_key: principal.keyToken ?? null,
    auth_method: method ?? METHODS[principal.method],
  };
}

interface RequestActor {
  identity: AuditIdentity | null;
  origin: AuditOrigin;
}

/**
 * The current request's actor, for services deep in a call: set around every route handler by
 * `AuditActorInterceptor` (after the guards have resolved the principal; public routes have an
 * origin and no identity, their services name who acted).
 */
@Injectable()
export class AuditActorContext {
  private readonly storage = new AsyncLocalStorage<RequestActor>();

  identity(): AuditIdentity | null {
    return this.storage.getStore()?.identity ?? null;
  }

  origin(): AuditOrigin {
    return this.storage.getStore()?.origin ?? NO_ORIGIN;
  }

  run<T>(actor: RequestActor, fn: () => T): T {
    return this.storage.run(actor, fn);
  }
}

@Injectable()
export class AuditActorInterceptor implements NestInterceptor {
  constructor(private readonly context: AuditActorContext) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() !== 'http') return next.handle();
    const request = execution.switchToHttp().getRequest<AuthenticatedRequest>();
    const actor: RequestActor = {
      identity: request.principal ? identityOf(request.principal) : null,
      origin: requestOrigin(request),
    };
    return new Observable((subscriber) =>
      this.context.run(actor, () => next.handle().subscribe(subscriber)),
    );
  }
}
