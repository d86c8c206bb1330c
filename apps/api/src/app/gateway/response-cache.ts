import { createHash } from 'node:crypto';

export interface CachedResponse {
  /** The upstream's JSON text, as relayed. */
  text: string;
  promptTokens: number;
  completionTokens: number;
  /** What the original request cost (what a hit saves), nano-dollars. */
  costNanos: number;
}

/** Keys sorted at every level, so that `{a,b}` and `{b,a}` hash alike. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const IGNORED = new Set(['cache', 'stream', 'stream_options']);

/** Exact-match key: call type + model + the normalized body minus `cache`/`stream`. */
export function cacheKey(callType: string, body: Record<string, unknown>): string {
  const rest = Object.fromEntries(Object.entries(body).filter(([k]) => !IGNORED.has(k)));
  return createHash('sha256')
    .update(callType)
    .update('\0')
    .update(JSON.stringify(canonical(rest)))
    .digest('hex');
}

/** A bounded in-memory LRU with per-entry expiry. */
export class ResponseCache {
  private readonly entries = new Map<string, { value: CachedResponse; expiresAtMs: number }>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, nowMs: number): CachedResponse | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    this.entries.delete(key);
    if (entry.expiresAtMs <= nowMs) return null;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: CachedResponse, ttlMs: number, nowMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAtMs: nowMs + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
