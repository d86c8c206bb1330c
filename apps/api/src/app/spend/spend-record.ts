import type { CallType, SpendStatus } from './spend-log.entity';

/** What the gateway records for one request; money in integer nano-dollars. */
export interface SpendRecord {
  requestId: string;
  keyToken: string | null;
  userId: string;
  teamId: string | null;
  model: string;
  callType: CallType;
  promptTokens: number;
  completionTokens: number;
  spendNanos: number;
  /** What a cache hit would have cost (0 otherwise). */
  savedNanos: number;
  startTimeMs: number;
  endTimeMs: number;
  status: SpendStatus;
  cacheHit: boolean;
  errorType: string | null;
  /** The deployment that served (or last failed) the call; null for cache hits and mocks. */
  modelId: string | null;
  /** The router's attempts after the first, and fallback models it tried. */
  attemptedRetries: number;
  attemptedFallbacks: number;
}

export type CounterEntity = 'user' | 'key' | 'team';

/**
 * A budget period rolled over: the entity's spend counter drops by what the ledger had
 * committed in the period that ended (`endedNanos`), and its reset date moves on. Subtracting
 * rather than setting 0 keeps the counter exact when several writers flush at once: every
 * change to it is an addition, in whatever order the flushes land.
 */
export interface CounterReset {
  entity: CounterEntity;
  id: string;
  nextResetAt: Date | null;
  endedNanos: number;
}

export type SpendEvent =
  { type: 'spend'; record: SpendRecord } | { type: 'reset'; reset: CounterReset };
