import { sha256Hex } from '../common/crypto/tokens';
import type { FastifyRequest } from 'fastify';
import type { AppError } from '../common/errors/app-error';
import type { AppConfig } from '../config/app-config';
import type { KeyAuthenticator } from '../keys/key-authenticator';
import type { UsersService } from '../users/users.service';
import { RequestPrincipalResolver } from './request-principal.resolver';
import type { SessionsService } from './sessions.service';

const MASTER = 'sk-master-key-for-unit-tests';

function request(headers: Record<string, string>): FastifyRequest {
  return { headers, cookies: {}, method: 'GET' } as unknown as FastifyRequest;
}

describe('RequestPrincipalResolver with virtual keys', () => {
  let authenticate: jest.Mock;
  let sut: RequestPrincipalResolver;

  beforeEach(() => {
    authenticate = jest.fn(() =>
      Promise.resolve({
        principal: {
          method: 'virtual_key',
          userId: 'u1',
          email: null,
          role: 'internal_user',
          keyToken: 't1',
        },
      }),
    );
    sut = new RequestPrincipalResolver(
      { masterKey: MASTER } as AppConfig,
      {} as SessionsService,
      {} as UsersService,
      { authenticate } as unknown as KeyAuthenticator,
    );
  });

  const status = async (headers: Record<string, string>): Promise<number | 'ok'> => {
    try {
      await sut.resolve(request(headers));
      return 'ok';
    } catch (error) {
      return (error as AppError).status;
    }
  };

  it('hands non-master bearers to the key authenticator', async () => {
    const principal = await sut.resolve(request({ authorization: 'Bearer sk-abc' }));
    expect(principal).toMatchObject({ method: 'virtual_key', keyToken: 't1' });
    // With the SHA-256 the resolver computed for the master-key check (hashed once).
    expect(authenticate).toHaveBeenCalledWith('sk-abc', sha256Hex('sk-abc'));
  });

  it('keeps the master key for itself', async () => {
    const principal = await sut.resolve(request({ 'x-api-key': MASTER }));
    expect(principal).toMatchObject({ method: 'master_key' });
    expect(authenticate).not.toHaveBeenCalled();
  });

  it.each([
    ['NUL', 'sk-\u0000'],
    ['NUL in the middle', 'sk-abc\u0000def'],
    ['CR LF', 'sk-abc\r\nx-admin: 1'],
    ['control characters', 'sk-\u0001\u001b\u007f'],
    ['unicode', 'sk-é🔑'],
    ['spaces', "sk-' OR '1'='1"],
    ['20 kB', `sk-${'x'.repeat(20 * 1024)}`],
    ['empty', ''],
  ])('refuses %s with 401 before any lookup', async (_label, value) => {
    const variants: Record<string, string>[] = [
      { authorization: `Bearer ${value}` },
      { 'x-api-key': value },
      { 'api-key': value },
    ];
    for (const headers of variants) {
      expect(await status(headers)).toBe(401);
    }
    expect(authenticate).not.toHaveBeenCalled();
  });
});
