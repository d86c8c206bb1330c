import type { SpendRecord } from './spend-record';
import { counterDeltas, rollup } from './spend-writer';

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
  it('adds spend per user, key and team, and restarts after a reset', () => {
    const deltas = counterDeltas([
      { type: 'spend', record: record({ keyToken: 'k1', teamId: 't1' }) },
      { type: 'reset', reset: { entity: 'key', id: 'k1', nextResetAt: null } },
      { type: 'spend', record: record({ keyToken: 'k1', spendNanos: 7 }) },
      { type: 'spend', record: record({ spendNanos: 0 }) },
    ]);
    expect(deltas.get('user')).toEqual([{ id: 'u1', deltaNanos: 107, reset: null }]);
    expect(deltas.get('key')).toEqual([{ id: 'k1', deltaNanos: 7, reset: { nextResetAt: null } }]);
    expect(deltas.get('team')).toEqual([{ id: 't1', deltaNanos: 100, reset: null }]);
  });
});
