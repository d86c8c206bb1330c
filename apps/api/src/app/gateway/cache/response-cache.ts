import { createHash } from 'node:crypto';
import type { CacheScope } from '../../config/app-config';
import type { WireFormat } from '../providers/provider-adapter';

export interface CachedResponse {
  /** The upstream's JSON text, as relayed. */
  text: string;
  /** Its wire format: Anthropic's for a `/v1/messages` answer passed through; else OpenAI's. */
  format?: WireFormat;
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

/**
 * Who shares a cached answer (finding 16: without this, a user got another user's cached
 * completion). A caller without a team (or without a key, for `key`) falls back to its user:
 * the narrower scope, never a wider one.
 */
export function cacheScopeId(
  scope: CacheScope,
  caller: { userId: string; teamId: string | null; keyToken: string | null },
): string {
  switch (scope) {
    case 'global':
      return 'global';
    case 'team':
      return caller.teamId !== null ? `team:${caller.teamId}` : `user:${caller.userId}`;
    case 'key':
      return caller.keyToken !== null ? `key:${caller.keyToken}` : `user:${caller.userId}`;
    case 'user':
      return `user:${caller.userId}`;
  }
}

/**
 * Exact-match key: the scope id + call type + model + the normalized body minus
 * `cache`/`stream`. A `/v1/messages` call is keyed as `messages` on its Anthropic body (what an
 * anthropic/ upstream is sent: `thinking`, `cache_control`… that its chat translation drops),
 * so its entries and chat's never meet.
 */
export function cacheKey(callType: string, body: Record<string, unknown>, scopeId: string): string {
  const rest = Object.fromEntries(Object.entries(body).filter(([k]) => !IGNORED.has(k)));
  return createHash('sha256')
    .update(scopeId)
    .update('\0')
    .update(callType)
    .update('\0')
    .update(JSON.stringify(canonical(rest)))
    .digest('hex');
}

/**
 * Only a complete success is cached: a JSON object with the answer's array (`choices` for chat,
 * `data` for embeddings, `content` for an Anthropic `message`). Anything else (HTML from a proxy, a 200 carrying `error`) would be
 * replayed to others, and as a stream it cannot be replayed at all (finding 15).
 */
export function isCacheableAnswer(
  callType: string,
  parsed: unknown,
  format: WireFormat = 'openai',
): boolean {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
  const answer = parsed as Record<string, unknown>;
  if (answer['error'] !== undefined && answer['error'] !== null) return false;
  if (format === 'anthropic')
    return answer['type'] === 'message' && Array.isArray(answer['content']);
  return Array.isArray(callType === 'embedding' ? answer['data'] : answer['choices']);
}

/**
 * Where cached answers live: this process's memory, or (with `REDIS_URL`) Redis, so that a hit
 * on one instance is a hit on all. Reads may be asynchronous; a failing store is a miss.
 */
export abstract class ResponseCache {
  abstract get(key: string, nowMs: number): CachedResponse | null | Promise<CachedResponse | null>;
  abstract set(key: string, value: CachedResponse, ttlMs: number, nowMs: number): void;
  abstract delete(key: string): void;
}

/** A bounded in-memory LRU with per-entry expiry. */
export class InMemoryResponseCache extends ResponseCache {
  private readonly entries = new Map<string, { value: CachedResponse; expiresAtMs: number }>();

  constructor(private readonly maxEntries: number) {
    super();
  }

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

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
