import { SystemClock } from '../common/time/clock';
import type { AppConfig } from '../config/app-config';
import type { MetricsService } from '../metrics/metrics.service';
import { ClosedDaysCache } from './closed-days.cache';
import { InMemorySpendQueue } from './spend-queue';
import type { SpendRecord } from './spend-record';
import type { SpendStore, SqlStatement } from './spend-store';
import { counterDeltas, rollup, SpendWriter } from './spend-writer';

const record = (fields: Partial<SpendRecord> = {}): SpendRecord => ({
  requestId: 'r',
  keyToken: null,
  userId: 'u1',
  teamId: null,
  model: 'm',
  callType: 'chat_completion',
  promptTokens: 10,
  completionTokens: 5,
  spendNanos: 100,
  savedNanos: 0,
  startTimeMs: Date.UTC(2026, 10, 27, 23, 59),
  endTimeMs: Date.UTC(2026, 10, 28, 0, 1),
  status: 'success',
  cacheHit: false,
  errorType: null,
  modelId: null,
  attemptedRetries: 0,
  attemptedFallbacks: 0,
  ...fields,
});

describe('rollup', () => {
  it('sums per UTC day (of the start) × user × key × team × model', () => {
    const rows = rollup([
      record(),
      record({ status: 'failure', spendNanos: 0, promptTokens: 0, completionTokens: 0 }),
      record({ cacheHit: true, spendNanos: 0, savedNanos: 100 }),
      record({ keyToken: 'k1' }),
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      date: '2026-11-27',
      user_id: 'u1',
      key_token: '',
      team_id: '',
      model: 'm',
      requests: 3,
      successes: 2,
      failures: 1,
      prompt_tokens: 20,
      completion_tokens: 10,
      cache_hits: 1,
      cached_tokens: 15,
      spend: 100,
      saved_spend: 100,
    });
  });
});

describe('counterDeltas', () => {
  it('adds spend per user, key and team, and takes an ended period off after a reset', () => {
    const deltas = counterDeltas([
      { type: 'spend', record: record({ keyToken: 'k1', teamId: 't1' }) },
      { type: 'reset', reset: { entity: 'key', id: 'k1', nextResetAt: null, endedNanos: 100 } },
      { type: 'spend', record: record({ keyToken: 'k1', spendNanos: 7 }) },
      { type: 'spend', record: record({ spendNanos: 0 }) },
    ]);
    expect(deltas.get('user')).toEqual([{ id: 'u1', deltaNanos: 107, reset: null }]);
    expect(deltas.get('key')).toEqual([
      { id: 'k1', deltaNanos: 107, reset: { nextResetAt: null, endedNanos: 100 } },
    ]);
    expect(deltas.get('team')).toEqual([{ id: 't1', deltaNanos: 100, reset: null }]);
  });
});

describe('SpendWriter scheduling', () => {
  function setup(fail = false): {
    sut: SpendWriter;
    queue: InMemorySpendQueue;
    transaction: jest.Mock;
  } {
    const queue = new InMemorySpendQueue();
    const transaction = jest.fn((_statements: SqlStatement[]) =>
      fail ? Promise.reject(new Error('disk full')) : Promise.resolve(),
    );
    const store = {
      dialect: 'sqlite',
      execute: transaction,
      query: () => Promise.resolve([]),
      close: () => Promise.resolve(),
    };
    const metrics = {
      queueDepth: { set: jest.fn() },
      flushDuration: { startTimer: () => () => undefined },
      flushFailures: { inc: jest.fn() },
    };
    const sut = new SpendWriter(
      queue,
      store as SpendStore,
      { spendFlushIntervalMs: 1000, spendFlushMaxEvents: 3 } as AppConfig,
      metrics as unknown as MetricsService,
      new ClosedDaysCache(new SystemClock()),
    );
    return { sut, queue, transaction };
  }
  const push = (queue: InMemorySpendQueue, n: number): void => {
    for (let i = 0; i < n; i++)
      queue.push({ type: 'spend', record: record({ requestId: `r${i}` }) });
  };

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('flushes once SPEND_FLUSH_MAX_EVENTS are queued, before the interval is up', async () => {
    const { sut, queue, transaction } = setup();
    sut.onApplicationBootstrap();
    push(queue, 2);
    await jest.advanceTimersByTimeAsync(200);
    expect(transaction).not.toHaveBeenCalled();
    push(queue, 1);
    await jest.advanceTimersByTimeAsync(50);
    expect(transaction).toHaveBeenCalledTimes(1);
    expect(queue.size).toBe(0);
    await sut.onApplicationShutdown();
  });

  it('flushes what is queued every interval', async () => {
    const { sut, queue, transaction } = setup();
    sut.onApplicationBootstrap();
    push(queue, 1);
    await jest.advanceTimersByTimeAsync(900);
    expect(transaction).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(200);
    expect(transaction).toHaveBeenCalledTimes(1);
    await sut.onApplicationShutdown();
  });

  it('after a failed flush, retries on the interval only (no retry storm on a full queue)', async () => {
    const { sut, queue, transaction } = setup(true);
    sut.onApplicationBootstrap();
    push(queue, 5);
    await jest.advanceTimersByTimeAsync(50);
    expect(transaction).toHaveBeenCalledTimes(1);
    expect(queue.size).toBe(5);
    await jest.advanceTimersByTimeAsync(500);
    expect(transaction).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(600);
    expect(transaction).toHaveBeenCalledTimes(2);
    await sut.onApplicationShutdown();
  });
});
