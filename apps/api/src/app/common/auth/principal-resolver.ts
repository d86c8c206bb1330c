import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from './principal';

/**
 * What credentials are read from: a Fastify request satisfies it, and so does the data plane's
 * raw `node:http` request with its cookies parsed.
 */
export interface CredentialSource {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly cookies?: Readonly<Record<string, string | undefined>>;
}

/**
 * Turns a request's credentials into a Principal: null when it carries none, an AppError
 * (401/403) when it carries bad ones. Implemented by the auth module; the global guard and
 * the gateway's data plane depend only on this contract.
 */
export abstract class PrincipalResolver {
  abstract resolve(request: CredentialSource): Promise<Principal | null>;
}
