import { Logger } from '@nestjs/common';
import { DatabaseLogger } from './database-logger';

describe('DatabaseLogger', () => {
  const secret = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA';

  afterEach(() => jest.restoreAllMocks());

  it('logs a failed query with its SQL and message, never its parameters', () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const sut = new DatabaseLogger();
    sut.logQueryError(
      new Error(`value "${secret}" is out of range`),
      'INSERT INTO users(id, password_hash) VALUES (?, ?)',
      ['u-1', secret],
    );
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0][0]);
    expect(line).toContain('INSERT INTO users(id, password_hash) VALUES (?, ?)');
    expect(line).toContain('[redacted]');
    expect(line).not.toContain(secret);
  });

  it('does not log ordinary queries (they carry parameters too)', () => {
    const spies = (['log', 'error', 'warn', 'debug'] as const).map((level) =>
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined),
    );
    const sut = new DatabaseLogger();
    sut.logQuery();
    sut.logSchemaBuild();
    sut.logMigration();
    sut.log('info', 'x');
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
