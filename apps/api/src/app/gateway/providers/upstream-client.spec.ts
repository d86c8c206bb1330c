import { AppError } from '../../common/errors/app-error';
import {
  ClientGoneError,
  ClientSignal,
  transportError,
  upstreamStatusError,
} from './upstream-client';

describe('ClientSignal', () => {
  it('aborts once: sets `aborted` and emits `abort` a single time', () => {
    const sut = new ClientSignal();
    const listener = jest.fn();
    sut.once('abort', listener);
    sut.on('abort', listener);
    expect(sut.aborted).toBe(false);
    sut.abort();
    sut.abort();
    expect(sut.aborted).toBe(true);
    expect(listener).toHaveBeenCalledTimes(2); // once per listener, not per call
  });
});

describe('transportError', () => {
  it('is ClientGoneError when the client went away, whatever undici threw', () => {
    const signal = new ClientSignal();
    signal.abort();
    expect(transportError(new Error('aborted'), signal)).toBeInstanceOf(ClientGoneError);
  });

  it('maps undici timeouts to 504 and other transport failures to 502', () => {
    const signal = new ClientSignal();
    const timeout = Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(transportError(timeout, signal)).toEqual(
      expect.objectContaining({ status: 504, type: 'timeout' }),
    );
    const refused = Object.assign(new Error('r'), { code: 'ECONNREFUSED' });
    const mapped = transportError(refused, signal);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped).toEqual(expect.objectContaining({ status: 502, type: 'upstream_error' }));
  });
});

describe('upstreamStatusError', () => {
  it('relays 4xx, maps 5xx to 502, and redacts echoed secrets (finding 18)', () => {
    const body = JSON.stringify({
      error: { message: 'Unauthorized: got Authorization: Bearer dep-key-secret-99' },
    });
    const relayed = upstreamStatusError(401, body, 'dep-key-secret-99');
    expect(relayed).toEqual(expect.objectContaining({ status: 401, type: 'upstream_error' }));
    expect(relayed.message).not.toContain('dep-key-secret-99');
    expect(upstreamStatusError(503, 'echo sk-abcdef123456 x', null).message).not.toContain(
      'sk-abcdef123456',
    );
    expect(upstreamStatusError(503, 'down', null).status).toBe(502);
  });
});
