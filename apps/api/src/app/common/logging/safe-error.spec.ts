import { QueryFailedError } from 'typeorm';
import { describeError, serializeError, withoutParameters } from './safe-error';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

/** What a failed INSERT of a user looks like: the hash among the parameters, values in detail. */
function failedInsert(): QueryFailedError {
  const driverError = Object.assign(new Error(`invalid input syntax for type numeric: "${HASH}"`), {
    code: '22P02',
    detail: `Key (password_hash)=(${HASH}) already exists.`,
  });
  return new QueryFailedError(
    'INSERT INTO "users"("id", "password_hash") VALUES ($1, $2)',
    ['user-1', HASH],
    driverError,
  );
}

describe('safe-error', () => {
  it('withoutParameters cuts every long enough parameter value out of a text', () => {
    expect(withoutParameters(`a ${HASH} b ${HASH}`, [HASH])).toBe('a [redacted] b [redacted]');
    expect(withoutParameters('value 1 of 2', [1, 2, true, null])).toBe('value 1 of 2');
    expect(withoutParameters(`x ${HASH}`, { hash: HASH })).toBe('x [redacted]');
  });

  it('describeError gives name, scrubbed message, code and frames; never parameters or detail', () => {
    const text = describeError(failedInsert());
    expect(text).toMatch(
      /^QueryFailedError: invalid input syntax for type numeric: "\[redacted\]"/,
    );
    expect(text).toContain('(code 22P02)');
    expect(text).toContain('\n    at ');
    expect(text).not.toContain(HASH);
    expect(text).not.toContain('already exists');
  });

  it("serializeError (pino's err) drops parameters, driverError and detail", () => {
    const fields = serializeError(failedInsert()) as Record<string, unknown>;
    expect(fields).toMatchObject({ type: 'QueryFailedError', code: '22P02' });
    expect(fields).toHaveProperty('query');
    expect(fields).not.toHaveProperty('parameters');
    expect(fields).not.toHaveProperty('driverError');
    expect(JSON.stringify(fields)).not.toContain(HASH);
    expect(serializeError('not an error')).toBe('not an error');
  });
});
