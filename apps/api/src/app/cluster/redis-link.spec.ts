import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { RedisLink } from './redis-link';

interface SocketWrites {
  _write(chunk: unknown, encoding: unknown, callback: unknown): void;
  _writev(chunks: unknown[], callback: unknown): void;
}

/** The socket writes of the link's command connection: how many commands each one carried. */
function countWrites(link: RedisLink): { writes: () => number[]; restore: () => void } {
  const socket = link.commands.stream as unknown as SocketWrites;
  const order: number[] = [];
  const write = jest.spyOn(socket, '_write').mockImplementation(function (this: Socket, ...args) {
    order.push(1);
    return (Object.getPrototypeOf(socket) as SocketWrites)._write.apply(this, args);
  });
  const writev = jest.spyOn(socket, '_writev').mockImplementation(function (this: Socket, ...args) {
    order.push(args[0].length);
    return (Object.getPrototypeOf(socket) as SocketWrites)._writev.apply(this, args);
  });
  return {
    writes: () => order,
    restore: () => {
      write.mockRestore();
      writev.mockRestore();
    },
  };
}

/** On the shared Redis (6379), under keys of its own that it deletes. */
describe('RedisLink coalesces the writes of one event-loop turn', () => {
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

  it('sends the commands of one synchronous stretch in one socket write, each with its own reply', async () => {
    const { writes, restore } = countWrites(sut);
    try {
      const first = sut.commands.incrby(`${prefix}a`, 2);
      const second = sut.commands.xadd(`${prefix}s`, '*', 'e', 'x');
      // A wrong type: this one fails, the others of the same write do not.
      const third = sut.commands.incr(`${prefix}s`);
      await expect(first).resolves.toBe(2);
      await expect(second).resolves.toMatch(/^\d+-\d+$/);
      await expect(third).rejects.toThrow(/WRONGTYPE/);
      expect(writes()).toEqual([3]);
    } finally {
      restore();
    }
  });

  it('joins commands issued by different callbacks of the same turn (two setImmediate callbacks)', async () => {
    const { writes, restore } = countWrites(sut);
    try {
      const replies = await Promise.all(
        [1, 2].map(
          (n) =>
            new Promise<number>((resolve, reject) =>
              setImmediate(() => void sut.commands.incrby(`${prefix}t`, n).then(resolve, reject)),
            ),
        ),
      );
      expect(replies.sort()).toEqual([1, 3]);
      expect(writes()).toEqual([2]);
    } finally {
      restore();
    }
  });

  it('sends a command issued after an await in a write of its own', async () => {
    const { writes, restore } = countWrites(sut);
    try {
      await expect(sut.commands.incr(`${prefix}b`)).resolves.toBe(1);
      await expect(sut.commands.incr(`${prefix}b`)).resolves.toBe(2);
      expect(writes()).toEqual([1, 1]);
    } finally {
      restore();
    }
  });

  it('fails commands at once when Redis is not there (nothing corked, no hang)', async () => {
    const dead = new RedisLink({
      url: 'redis://127.0.0.1:1',
      failureMode: 'open',
      commandTimeoutMs: 200,
    });
    try {
      const a = dead.commands.incr(`${prefix}c`);
      const b = dead.commands.incr(`${prefix}c`);
      await expect(a).rejects.toThrow();
      await expect(b).rejects.toThrow();
    } finally {
      await dead.close();
    }
  });
});
