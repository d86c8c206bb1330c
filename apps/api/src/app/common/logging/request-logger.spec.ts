import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { accessLogOff, dataPlaneErrorLogger } from './request-logger';

describe('accessLogOff', () => {
  it('is off above info only (pino-http writes its access lines at info)', () => {
    for (const level of ['trace', 'debug', 'info']) expect(accessLogOff(level)).toBe(false);
    for (const level of ['warn', 'error', 'fatal', 'silent'])
      expect(accessLogOff(level)).toBe(true);
  });
});

describe('dataPlaneErrorLogger', () => {
  const request = (url: string, method = 'POST'): FastifyRequest =>
    ({ id: 'req-1', method, url, raw: { url } }) as unknown as FastifyRequest;
  const reply = (statusCode: number): FastifyReply =>
    ({ statusCode, elapsedTime: 12.4, raw: { statusCode } }) as unknown as FastifyReply;

  function setup(): { sut: ReturnType<typeof dataPlaneErrorLogger>; error: jest.Mock } {
    const error = jest.fn();
    const sut = dataPlaneErrorLogger(() => ({ error }) as unknown as Logger);
    return { sut, error };
  }

  it("writes a data-plane request's 5xx line through pino-http's logger (its serializers and redaction)", () => {
    const { sut, error } = setup();
    const req = request('/v1/chat/completions');
    const res = reply(502);
    sut(req, res);
    expect(error).toHaveBeenCalledTimes(1);
    const [fields, message] = error.mock.calls[0] as [Record<string, unknown>, string];
    expect(message).toBe('request errored');
    expect(fields).toEqual({
      service: 'gatehouse',
      req: req.raw,
      res: res.raw,
      err: new Error('failed with status code 502'),
      responseTime: 12,
    });
  });

  it('knows the data plane by path, with or without a query string', () => {
    const { sut, error } = setup();
    sut(request('/models?key=sk-abc', 'GET'), reply(500));
    sut(request('/v1/embeddings'), reply(503));
    expect(error).toHaveBeenCalledTimes(2);
  });

  it('stays quiet for answers below 500 and for routes pino-http still logs', () => {
    const { sut, error } = setup();
    sut(request('/v1/chat/completions'), reply(429));
    sut(request('/embeddings'), reply(200));
    sut(request('/key/generate'), reply(500));
    sut(request('/v1/chat/completions-x'), reply(500));
    expect(error).not.toHaveBeenCalled();
  });

  it('does nothing before the application has a logger', () => {
    const sut = dataPlaneErrorLogger(() => undefined);
    expect(() => sut(request('/chat/completions'), reply(500))).not.toThrow();
  });
});
