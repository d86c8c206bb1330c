import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import {
  logDataPlaneAnswer,
  MAX_LOGGED_URL_CHARS,
  REDACTED_QUERY_PARAMETERS,
  redactUrl,
} from './request-logger';

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

describe('redactUrl', () => {
  it('redacts credential parameters by name, whatever the value', () => {
    expect(redactUrl('/onboarding/get_token?invite_link=3f1c2a4b-5d6e')).toBe(
      '/onboarding/get_token?invite_link=[redacted]',
    );
    expect(redactUrl('/ui/onboarding?id=abc&x=1')).toBe('/ui/onboarding?id=[redacted]&x=1');
    expect(redactUrl('/sso/callback?code=c0de&state=s7&other=ok')).toBe(
      '/sso/callback?code=[redacted]&state=[redacted]&other=ok',
    );
    for (const name of REDACTED_QUERY_PARAMETERS) {
      expect(redactUrl(`/x?${name}=secret-value`)).toBe(`/x?${name}=[redacted]`);
    }
  });

  it('matches names case-insensitively and percent-decoded, and values starting sk- under any name', () => {
    expect(redactUrl('/key/info?KEY=abc')).toBe('/key/info?KEY=[redacted]');
    expect(redactUrl('/key/info?%6Bey=abc')).toBe('/key/info?%6Bey=[redacted]');
    expect(redactUrl('/x?anything=sk-123&page=2')).toBe('/x?anything=[redacted]&page=2');
    expect(redactUrl('/x?anything=%73k-123')).toBe('/x?anything=[redacted]');
    expect(redactUrl('/x?page=2&q=hello')).toBe('/x?page=2&q=hello');
    expect(redactUrl('/x?bad=%E0%A4%A')).toBe('/x?bad=%E0%A4%A');
  });

  it('cuts a URL past MAX_LOGGED_URL_CHARS, and redacts what it keeps', () => {
    const url = `/x?key=sk-1&pad=${'a'.repeat(MAX_LOGGED_URL_CHARS)}`;
    const logged = redactUrl(url);
    expect(logged.startsWith('/x?key=[redacted]&pad=aaa')).toBe(true);
    expect(logged.length).toBeLessThan(MAX_LOGGED_URL_CHARS + 40);
    expect(logged).toContain('more characters]');
  });

  it('is linear: a query of 60k `?`, `=` or `&` takes milliseconds', () => {
    const started = performance.now();
    for (const c of ['?', '=', '&', '?=', 'a=sk-'])
      redactUrl(`/health/liveliness?${c.repeat(60_000)}`);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
