import type { RedisLink } from '../../cluster/redis-link';
import { ResponseCache, type CachedResponse } from './response-cache';

function isCachedResponse(value: unknown): value is CachedResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['text'] === 'string' &&
    typeof v['promptTokens'] === 'number' &&
    typeof v['completionTokens'] === 'number' &&
    typeof v['costNanos'] === 'number' &&
    (v['format'] === undefined || v['format'] === 'openai' || v['format'] === 'anthropic')
  );
}

/**
 * The response cache in Redis (with `REDIS_URL`): one string per entry under `prefix` + the
 * cache key (which already carries the cache scope), expiring with PX, so a hit on one
 * instance is a hit on all. An entry larger than `maxEntryBytes` is not stored. Redis is an
 * optimisation here: whatever goes wrong (down, slow, a malformed entry) is a miss, in either
 * REDIS_FAILURE_MODE — a miss costs an upstream call, never a wrong answer.
 */
export class RedisResponseCache extends ResponseCache {
  constructor(
    private readonly link: RedisLink,
    private readonly maxEntryBytes: number,
    private readonly prefix = 'gatehouse:cache:',
  ) {
    super();
  }

  async get(key: string): Promise<CachedResponse | null> {
    if (!this.link.up) return null;
    let raw: string | null;
    try {
      raw = await this.link.commands.get(this.prefix + key);
    } catch {
      this.link.failed();
      return null;
    }
    if (raw === null) return null;
    try {
      const value: unknown = JSON.parse(raw);
      return isCachedResponse(value) ? value : null;
    } catch {
      return null;
    }
  }

  set(key: string, value: CachedResponse, ttlMs: number): void {
    if (!this.link.up) return;
    const raw = JSON.stringify(value);
    if (Buffer.byteLength(raw) > this.maxEntryBytes) return;
    this.link.commands
      .set(this.prefix + key, raw, 'PX', Math.max(1, Math.round(ttlMs)))
      .catch(() => this.link.failed());
  }

  delete(key: string): void {
    if (!this.link.up) return;
    this.link.commands.del(this.prefix + key).catch(() => this.link.failed());
  }
}
