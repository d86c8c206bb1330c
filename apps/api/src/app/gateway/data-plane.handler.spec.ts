import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricsService } from '../metrics/metrics.service';
import { DataPlaneHandler, DATA_PLANE_ROUTES } from './data-plane.handler';
import type { GatewayService } from './gateway.service';

describe('DataPlaneHandler.handle', () => {
  const resolve = jest.fn().mockResolvedValue(null);
  const sut = new DataPlaneHandler({} as GatewayService, { resolve }, {
    overheadSeries: () => ({ observe: jest.fn() }),
  } as unknown as MetricsService);
  const req = (method: string, url: string): IncomingMessage =>
    ({ method, url, headers: {} }) as IncomingMessage;
  const res = (): ServerResponse & { writeHead: jest.Mock } =>
    ({ on: jest.fn(), writeHead: jest.fn(), end: jest.fn() }) as unknown as ServerResponse & {
      writeHead: jest.Mock;
    };

  afterEach(() => resolve.mockClear());

  it('hands every other request on untouched (Fastify serves it)', () => {
    for (const [method, url] of [
      ['GET', '/user/list'],
      ['POST', '/v1/chat/completions/'],
      ['GET', '/v1/chat/completions'],
      ['POST', '/v1/models'],
      ['DELETE', '/v1/embeddings'],
      ['GET', '/ui/'],
      ['GET', '/v1/models/extra'],
    ]) {
      const on = jest.fn();
      const answer = { on } as unknown as ServerResponse;
      expect([method, url, sut.handle(req(method, url), answer)]).toEqual([method, url, false]);
      expect(on).not.toHaveBeenCalled();
    }
    expect(resolve).not.toHaveBeenCalled();
  });

  it('takes exactly its routes, with or without a query string, and HEAD as GET', async () => {
    const taken = [
      ...DATA_PLANE_ROUTES.map((r) => [r.method, r.url]),
      ['HEAD', '/v1/models'],
      ['GET', '/v1/models?limit=1'],
    ];
    const answers = taken.map(([method, url]) => {
      const answer = res();
      expect([method, url, sut.handle(req(method, url), answer)]).toEqual([method, url, true]);
      return answer;
    });
    await new Promise((resolve) => setImmediate(resolve));
    // No credentials: each is refused before its body is read.
    expect(resolve).toHaveBeenCalledTimes(taken.length);
    for (const answer of answers) expect(answer.writeHead.mock.calls[0][0]).toBe(401);
  });
});
