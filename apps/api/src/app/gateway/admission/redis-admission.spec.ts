import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Registry } from 'prom-client';
import { RedisLink } from '../../cluster/redis-link';
import type { AppError } from '../../common/errors/app-error';
import { InMemorySpendQueue } from '../../spend/spend-queue';
import type { CounterEntity, SpendEvent } from '../../spend/spend-record';
import type { Ticket } from './admission-control';
import { nextResetAfter } from './durations';
import { limitsFor } from './limits';
import { RedisAdmission, type RedisAdmissionOptions } from './redis-admission';
import type { SpendCounter, SpendCounters } from './spend-counters';

/** A private redis-server on a free port (never the shared 6379: these tests flush it). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server: ${out}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('error', reject);
  });
  return child;
}

function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
}

/** Keeps what the admission queues (resets), nothing else. */
class RecordingQueue extends InMemorySpendQueue {
  readonly pushed: SpendEvent[] = [];
  override push(event: SpendEvent): void {
    this.pushed.push(event);
  }
}

/** The database counters as a map; counts the reads. */
class FakeCounters {
  readonly rows = new Map<string, SpendCounter>();
  reads = 0;
  read(entity: CounterEntity, id: string): Promise<SpendCounter | null> {
    this.reads++;
    return new Promise((resolve) =>
      setTimeout(() => resolve(this.rows.get(`${entity}:${id}`) ?? null), 5),
    );
  }
}

async function refusal(promise: Promise<Ticket>): Promise<AppError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error as AppError;
  }
}

const T0 = Date.UTC(2026, 11, 1, 12, 0, 10);

describe('RedisAdmission (Lua scripts on a real redis-server)', () => {
  let port: number;
  let server: ChildProcess;
  let link: RedisLink;
  let queue: RecordingQueue;
  let counters: FakeCounters;
  let now: number;
  let made: RedisAdmission[];

  function instance(options: RedisAdmissionOptions = {}, on = link): RedisAdmission {
    const sut = new RedisAdmission(on, queue, counters as unknown as SpendCounters, {
      reconcileIntervalMs: 0,
      now: () => now,
      ...options,
    });
    made.push(sut);
    return sut;
  }

  const redisNumber = async (key: string, field: string): Promise<number> =>
    Number(await link.commands.hget(`gatehouse:{admission}:${key}`, field));

  beforeAll(async () => {
    port = await freePort();
    server = await startRedis(port);
    link = new RedisLink({ url: `redis://127.0.0.1:${port}`, failureMode: 'closed' });
    await link.ready();
    if (!link.up) throw new Error('private redis-server not reachable');
  });

  afterAll(async () => {
    await link.close();
    await stopRedis(server);
  });

  beforeEach(async () => {
    await link.commands.flushall();
    queue = new RecordingQueue();
    counters = new FakeCounters();
    now = T0;
    made = [];
  });

  afterEach(() => {
    for (const sut of made) sut.onModuleDestroy();
  });

  it('admits with no Redis work at all when nothing is limited', async () => {
    const sut = instance();
    const ticket = await sut.admit([limitsFor('key', 'free'), limitsFor('user', 'u')], 10, now);
    await ticket.settle(10, 5);
    expect(await link.commands.dbsize()).toBe(0);
    expect(counters.reads).toBe(0);
  });

  it('rpm is exact over two instances: 10 concurrent calls with rpm 4, 4 pass, Retry-After to the minute', async () => {
    const [a, b] = [instance(), instance()];
    const key = limitsFor('key', 'k', { rpmLimit: 4 });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).admit([key], 0, now)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    const error = await refusal(a.admit([key], 0, now));
    expect(error?.status).toBe(429);
    expect(error?.headers['retry-after']).toBe('50');
    now += 50_000; // the next minute
    await expect(b.admit([key], 0, now)).resolves.toBeDefined();
  });

  it('parallel is exact: 2 slots over two instances, a settled call frees one', async () => {
    const [a, b] = [instance(), instance()];
    const key = limitsFor('key', 'k', { maxParallelRequests: 2 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).admit([key], 0, now)),
    );
    const admitted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(admitted).toHaveLength(2);
    expect((await refusal(a.admit([key], 0, now)))?.message).toContain('parallel');
    await admitted[0].settle(0, 0);
    await expect(b.admit([key], 0, now)).resolves.toBeDefined();
  });

  it('tpm counts settled tokens across instances', async () => {
    const [a, b] = [instance(), instance()];
    const user = limitsFor('user', 'u', { tpmLimit: 100 });
    await (await a.admit([user], 0, now)).settle(0, 60);
    await (await b.admit([user], 0, now)).settle(0, 40);
    expect((await refusal(a.admit([user], 0, now)))?.message).toContain('tokens per minute');
  });

  it('a budget is exact: concurrent holds stop at the max, settlement swaps hold for cost', async () => {
    const [a, b] = [instance(), instance()];
    const key = limitsFor('key', 'k', { maxBudgetNanos: 100 });
    counters.rows.set('key:k', { spendNanos: 0, budgetResetAtMs: null });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).admit([key], 20, now)),
    );
    const admitted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(admitted).toHaveLength(5);
    const error = await refusal(a.admit([key], 20, now));
    expect(error?.status).toBe(400);
    expect(error?.type).toBe('budget_exceeded');
    // Each cost 10 of its 20 held: 50 committed, room for more.
    for (const t of admitted) await t.settle(10, 0);
    expect(await redisNumber('b:key:k', 'committed')).toBe(50);
    expect(await redisNumber('b:key:k', 'reserved')).toBe(0);
    await expect(b.admit([key], 20, now)).resolves.toBeDefined();
  });

  it('all or nothing: a refused team takes nothing from the key', async () => {
    const sut = instance();
    counters.rows.set('team:t', { spendNanos: 100, budgetResetAtMs: null });
    counters.rows.set('key:k', { spendNanos: 0, budgetResetAtMs: null });
    const key = limitsFor('key', 'k', { maxBudgetNanos: 1000, rpmLimit: 5 });
    const team = limitsFor('team', 't', { maxBudgetNanos: 100 });
    const error = await refusal(sut.admit([key, team], 10, now));
    expect(error?.type).toBe('budget_exceeded');
    expect(error?.message).toContain('team=t');
    expect(await redisNumber('b:key:k', 'reserved')).toBe(0);
    expect(await link.commands.zcard('gatehouse:{admission}:t:key:k')).toBe(0);
    expect(await link.commands.exists(`gatehouse:{admission}:r:key:k:${T0 - 10_000}`)).toBe(0);
  });

  it('seeds a missing account from the fresh database counter, once, not from the cached row', async () => {
    const [a, b] = [instance(), instance()];
    counters.rows.set('user:u', { spendNanos: 70, budgetResetAtMs: null });
    // The cached row says 0 spent; the database says 70.
    const user = limitsFor('user', 'u', { maxBudgetNanos: 100, spendNanos: 0 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).admit([user], 10, now)),
    );
    // 70, 80, 90 admitted; the 4th sees 100.
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(counters.reads).toBeLessThanOrEqual(2); // one per instance at most, never per call
    const reads = counters.reads;
    await refusal(a.admit([user], 10, now));
    expect(counters.reads).toBe(reads);
  });

  it('a failing database read while seeding is an error, not a Redis outage', async () => {
    const sut = instance();
    counters.read = () => Promise.reject(new Error('database gone'));
    const key = limitsFor('key', 'k', { maxBudgetNanos: 100 });
    await expect(sut.admit([key], 1, now)).rejects.toThrow('database gone');
    expect(link.up).toBe(true);
  });

  it('after FLUSHALL the ledger is rebuilt from the database: no double counting', async () => {
    const sut = instance();
    counters.rows.set('key:k', { spendNanos: 0, budgetResetAtMs: null });
    const key = limitsFor('key', 'k', { maxBudgetNanos: 1000 });
    for (let i = 0; i < 3; i++) await (await sut.admit([key], 100, now)).settle(100, 0);
    expect(await redisNumber('b:key:k', 'committed')).toBe(300);
    // The writer flushed those 300 to the database; then Redis lost everything.
    counters.rows.set('key:k', { spendNanos: 300, budgetResetAtMs: null });
    await link.commands.flushall();
    const ticket = await sut.admit([key], 100, now);
    expect(await redisNumber('b:key:k', 'committed')).toBe(300);
    // A call admitted before the flush settles into nothing (the seed already has the truth).
    await ticket.settle(100, 0);
    expect(await redisNumber('b:key:k', 'committed')).toBe(400);
  });

  it('a call admitted before a flush settles without recreating a partial account', async () => {
    const sut = instance();
    counters.rows.set('key:k', { spendNanos: 0, budgetResetAtMs: null });
    const key = limitsFor('key', 'k', { maxBudgetNanos: 1000 });
    const ticket = await sut.admit([key], 100, now);
    await link.commands.flushall();
    await ticket.settle(100, 0);
    expect(await link.commands.exists('gatehouse:{admission}:b:key:k')).toBe(0);
  });

  describe('budget periods', () => {
    it('resets exactly once across instances, and only that instance queues the reset', async () => {
      const stated = T0 - 1000;
      counters.rows.set('key:k', { spendNanos: 90, budgetResetAtMs: stated });
      const key = limitsFor('key', 'k', {
        maxBudgetNanos: 100,
        spendNanos: 90,
        budgetDuration: '1d',
        budgetResetAtMs: stated,
      });
      const [a, b, c] = [instance(), instance(), instance()];
      const results = await Promise.allSettled(
        Array.from({ length: 9 }, (_, i) => [a, b, c][i % 3].admit([key], 1, now)),
      );
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      const resets = queue.pushed.filter((e) => e.type === 'reset');
      expect(resets).toEqual([
        {
          type: 'reset',
          reset: {
            entity: 'key',
            id: 'k',
            nextResetAt: new Date(stated + 86_400_000),
            endedNanos: 90,
          },
        },
      ]);
      expect(await redisNumber('b:key:k', 'committed')).toBe(0);
      expect(await redisNumber('b:key:k', 'resetAt')).toBe(stated + 86_400_000);
    });

    it('a row cached before the reset was written does not reset the period again', async () => {
      const stated = T0 - 1000;
      counters.rows.set('user:u', { spendNanos: 0, budgetResetAtMs: stated });
      const fresh = limitsFor('user', 'u', {
        maxBudgetNanos: 100,
        budgetDuration: '1h',
        budgetResetAtMs: stated,
      });
      const sut = instance();
      await (await sut.admit([fresh], 10, now)).settle(10, 0);
      // The writer wrote the next reset; one instance reloaded the row, another has not yet.
      const next = stated + 3_600_000;
      const reloaded = { ...fresh, budgetResetAtMs: next };
      await (await sut.admit([reloaded], 10, now)).settle(10, 0);
      await (await sut.admit([fresh], 10, now)).settle(10, 0);
      expect(queue.pushed.filter((e) => e.type === 'reset')).toHaveLength(1);
      expect(await redisNumber('b:user:u', 'committed')).toBe(30);
    });

    it('1mo steps by calendar month in JS (Jan 31 → Mar 3 → Apr 3), as the in-process ledger', async () => {
      const stated = Date.UTC(2026, 0, 31);
      now = Date.UTC(2026, 2, 15);
      counters.rows.set('key:m', { spendNanos: 5, budgetResetAtMs: stated });
      const key = limitsFor('key', 'm', {
        maxBudgetNanos: 100,
        budgetDuration: '1mo',
        budgetResetAtMs: stated,
      });
      await instance().admit([key], 0, now);
      const expected = nextResetAfter(stated, '1mo', now);
      expect(expected).toBe(Date.UTC(2026, 3, 3));
      expect(await redisNumber('b:key:m', 'resetAt')).toBe(expected);
      expect(await redisNumber('b:key:m', 'committed')).toBe(0);
    });

    it('a period not due yet keeps the spend; the reset comes when the time does', async () => {
      const stated = T0 + 60_000;
      counters.rows.set('key:k', { spendNanos: 40, budgetResetAtMs: stated });
      const key = limitsFor('key', 'k', {
        maxBudgetNanos: 100,
        budgetDuration: '30s',
        budgetResetAtMs: stated,
      });
      const sut = instance();
      await sut.admit([key], 0, now);
      expect(await redisNumber('b:key:k', 'committed')).toBe(40);
      expect(queue.pushed).toHaveLength(0);
      now = stated + 45_000; // one and a half periods later
      await sut.admit([key], 0, now);
      expect(await redisNumber('b:key:k', 'resetAt')).toBe(stated + 60_000);
      expect(queue.pushed).toHaveLength(1);
    });
  });

  it("a killed instance's tickets expire: the slots and the held money come back", async () => {
    counters.rows.set('key:k', { spendNanos: 0, budgetResetAtMs: null });
    const key = limitsFor('key', 'k', { maxParallelRequests: 1, maxBudgetNanos: 100 });
    const dead = instance({ ticketTtlMs: 5000 });
    await dead.admit([key], 100, now); // never settled
    const alive = instance({ ticketTtlMs: 5000 });
    expect((await refusal(alive.admit([key], 1, now)))?.status).toBe(429);
    now += 5001;
    await expect(alive.admit([key], 1, now)).resolves.toBeDefined();
    expect(await redisNumber('b:key:k', 'reserved')).toBe(1);
  });

  describe('reconcile with the database counters', () => {
    const key = limitsFor('key', 'k', { maxBudgetNanos: 10_000 });

    it('raises Redis to the database when Redis lost spend (never adds)', async () => {
      const sut = instance({ reconcileQuietMs: 10_000 });
      counters.rows.set('key:k', { spendNanos: 100, budgetResetAtMs: null });
      await (await sut.admit([key], 0, now)).settle(50, 0);
      // A settlement lost on the way: the writer has 200, Redis 150.
      counters.rows.set('key:k', { spendNanos: 200, budgetResetAtMs: null });
      expect(await sut.reconcile()).toBe(1);
      expect(await redisNumber('b:key:k', 'committed')).toBe(200);
      await sut.admit([key], 0, now);
      expect(await sut.reconcile()).toBe(0);
      expect(await redisNumber('b:key:k', 'committed')).toBe(200);
    });

    it('keeps spend settled but not flushed yet; lowers drift once nothing is in flight', async () => {
      const sut = instance({ reconcileQuietMs: 10_000 });
      counters.rows.set('key:k', { spendNanos: 100, budgetResetAtMs: null });
      await (await sut.admit([key], 0, now)).settle(50, 0);
      // Not flushed yet: Redis 150 is ahead of the database's 100 and stays so.
      expect(await sut.reconcile()).toBe(0);
      expect(await redisNumber('b:key:k', 'committed')).toBe(150);
      // A timed-out settlement ran twice, say: quiet for longer than the flushes take.
      await link.commands.hset('gatehouse:{admission}:b:key:k', 'committed', 999);
      counters.rows.set('key:k', { spendNanos: 150, budgetResetAtMs: null });
      now += 10_001;
      await sut.admit([key], 0, now);
      expect(await sut.reconcile()).toBe(1);
      expect(await redisNumber('b:key:k', 'committed')).toBe(150);
    });

    it('leaves an account alone while its reset is not in the database yet', async () => {
      const stated = T0 - 1;
      const periodic = limitsFor('key', 'p', {
        maxBudgetNanos: 100,
        budgetDuration: '1h',
        budgetResetAtMs: stated,
      });
      counters.rows.set('key:p', { spendNanos: 80, budgetResetAtMs: stated });
      const sut = instance({ reconcileQuietMs: 0 });
      await sut.admit([periodic], 0, now);
      expect(await redisNumber('b:key:p', 'committed')).toBe(0);
      expect(await sut.reconcile()).toBe(0);
      expect(await redisNumber('b:key:p', 'committed')).toBe(0);
    });
  });

  describe('when Redis does not answer', () => {
    let deadLink: RedisLink;

    beforeEach(async () => {
      deadLink = new RedisLink({
        url: `redis://127.0.0.1:${await freePort()}`,
        failureMode: 'open',
      });
    });

    afterEach(async () => {
      await deadLink.close();
    });

    it('open: admits on this instance alone, counts the fallback', async () => {
      const registry = new Registry();
      const sut = instance({ registry }, deadLink);
      const key = limitsFor('key', 'k', { rpmLimit: 2 });
      await sut.admit([key], 0, now);
      await sut.admit([key], 0, now);
      expect((await refusal(sut.admit([key], 0, now)))?.status).toBe(429);
      expect(
        await registry.getSingleMetricAsString('gatehouse_admission_fallback_total'),
      ).toContain('gatehouse_admission_fallback_total 3');
    });

    it('closed: 503 redis_unavailable, nothing admitted', async () => {
      const closed = new RedisLink({
        url: `redis://127.0.0.1:${await freePort()}`,
        failureMode: 'closed',
      });
      try {
        const sut = instance({}, closed);
        const error = await refusal(sut.admit([limitsFor('key', 'k', { rpmLimit: 2 })], 0, now));
        expect(error?.status).toBe(503);
        expect(error?.code).toBe('redis_unavailable');
      } finally {
        await closed.close();
      }
    });

    it('a settlement that cannot reach Redis resolves (the answer is never held up)', async () => {
      const sut = instance();
      counters.rows.set('key:k', { spendNanos: 0, budgetResetAtMs: null });
      const ticket = await sut.admit([limitsFor('key', 'k', { maxBudgetNanos: 100 })], 1, now);
      server.kill('SIGSTOP');
      try {
        await expect(ticket.settle(1, 1)).resolves.toBeUndefined();
        expect(link.up).toBe(false);
      } finally {
        server.kill('SIGCONT');
        await link.ready();
      }
    });
  });
});
