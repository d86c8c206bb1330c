import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal';

/**
 * Turns a request's credentials into a Principal: null when it carries none, an AppError
 * (401/403) when it carries bad ones. Implemented by the auth module; the global guard
 * depends only on this contract.
 */
export abstract class PrincipalResolver {
  abstract resolve(request: FastifyRequest): Promise<Principal | null>;
}
