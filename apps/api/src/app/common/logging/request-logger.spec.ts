import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { logDataPlaneAnswer } from './request-logger';

describe('logDataPlaneAnswer', () => {
  const req = { id: 'req-1', method: 'POST', url: '/v1/chat/completions' } as IncomingMessage;
  const res = (statusCode: number, writableFinished = true): ServerResponse =>
    ({ statusCode, writableFinished }) as ServerResponse;

  function logger(enabled: string[]): { sut: Logger; error: jest.Mock; info: jest.Mock } {
    const error = jest.fn();
    const info = jest.fn();
    const sut = {
      error,
      info,
      isLevelEnabled: (level: string) => enabled.includes(level),
    } as unknown as Logger;
    return { sut, error, info };
  }

  it("writes a 5xx as pino-http's `request errored` line (its logger, serializers and redaction)", () => {
    const { sut, error, info } = logger(['error', 'warn']);
    const answer = res(502);
    logDataPlaneAnswer(req, answer, 12.4, sut);
    expect(info).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledTimes(1);
    const [fields, message] = error.mock.calls[0] as [Record<string, unknown>, string];
    expect(message).toBe('request errored');
    expect(fields).toEqual({
      service: 'gatehouse',
      req,
      res: answer,
      err: new Error('failed with status code 502'),
      responseTime: 12,
    });
  });

  it('writes other answers at info (`request completed`, or `request aborted` when cut short)', () => {
    const { sut, info } = logger(['info', 'error']);
    logDataPlaneAnswer(req, res(429), 3, sut);
    logDataPlaneAnswer(req, res(200, false), 3, sut);
    expect(info.mock.calls.map((call: unknown[]) => call[1])).toEqual([
      'request completed',
      'request aborted',
    ]);
  });

  it('builds nothing when the level would drop the line', () => {
    const { sut, error, info } = logger(['error']);
    logDataPlaneAnswer(req, res(200), 3, sut);
    const silent = logger([]);
    logDataPlaneAnswer(req, res(500), 3, silent.sut);
    expect(info).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
    expect(silent.error).not.toHaveBeenCalled();
  });

  it('does nothing before the application has a logger', () => {
    expect(() => logDataPlaneAnswer(req, res(500), 1, undefined)).not.toThrow();
  });
});
