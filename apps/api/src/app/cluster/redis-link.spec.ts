import { randomUUID } from 'node:crypto';
import { RedisLink } from './redis-link';

/** On the shared Redis (6379), under keys of its own that it deletes. */
describe('RedisLink.together', () => {
  let sut: RedisLink;
  const prefix = `gatehouse:test:${randomUUID()}:`;

  beforeAll(async () => {
    sut = new RedisLink({ url: 'redis://127.0.0.1:6379', failureMode: 'open' });
    await sut.ready();
  });

  afterAll(async () => {
    const keys = await sut.commands.keys(`${prefix}*`);
    if (keys.length > 0) await sut.commands.del(...keys);
    await sut.close();
  });

  it('sends commands issued in one synchronous stretch as one pipeline, each with its own reply', async () => {
    const pipelines = jest.spyOn(sut.commands, 'pipeline');
    const first = sut.together<number>((r, done) => r.incrby(`${prefix}a`, 2, done));
    const second = sut.together<string | null>((r, done) =>
      r.xadd(`${prefix}s`, '*', 'e', 'x', done),
    );
    // A wrong type: this one fails, the others of the same write do not.
    const third = sut.together<number>((r, done) => r.incr(`${prefix}s`, done));
    await expect(first).resolves.toBe(2);
    await expect(second).resolves.toMatch(/^\d+-\d+$/);
    await expect(third).rejects.toThrow(/WRONGTYPE/);
    expect(pipelines).toHaveBeenCalledTimes(1);
    pipelines.mockRestore();
  });

  it('sends a command alone as it is, and one issued after an await in the next write', async () => {
    const pipelines = jest.spyOn(sut.commands, 'pipeline');
    await expect(sut.together<number>((r, done) => r.incr(`${prefix}b`, done))).resolves.toBe(1);
    await expect(sut.together<number>((r, done) => r.incr(`${prefix}b`, done))).resolves.toBe(2);
    expect(pipelines).not.toHaveBeenCalled();
    pipelines.mockRestore();
  });

  it('fails every command of the write at once when Redis is not there (no hang)', async () => {
    const dead = new RedisLink({
      url: 'redis://127.0.0.1:1',
      failureMode: 'open',
      commandTimeoutMs: 200,
    });
    try {
      const a = dead.together<number>((r, done) => r.incr(`${prefix}c`, done));
      const b = dead.together<number>((r, done) => r.incr(`${prefix}c`, done));
      await expect(a).rejects.toThrow();
      await expect(b).rejects.toThrow();
    } finally {
      await dead.close();
    }
  });
});
