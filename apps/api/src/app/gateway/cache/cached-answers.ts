import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/time/clock';
import { AppConfig } from '../../config/app-config';
import type { AdmittedCall } from '../admission/admission';
import type { Outcome } from '../books/books';
import type { WireFormat } from '../providers/provider-adapter';
import { cacheKey, cacheScopeId, ResponseCache, type CachedResponse } from './response-cache';

/**
 * The cache stage: whether a call may use the response cache (the request's `cache` field,
 * `CACHE_ENABLED` or the model's `cache`), under which key (the cache scope of the security
 * release), and the stored answers themselves (in memory, or in Redis with `REDIS_URL`).
 */
@Injectable()
export class CachedAnswers {
  constructor(
    private readonly cache: ResponseCache,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** TTL in ms when this call may use the cache, else null. */
  private ttlMs(call: AdmittedCall): number | null {
    if (call.request.noCache) return null;
    const model = call.deployments[0];
    if (!this.config.cache.enabled && !model.cache) return null;
    return (model.cacheTtlSeconds ?? this.config.cache.ttlSeconds) * 1000;
  }

  private keyOf(call: AdmittedCall): string {
    const scope = cacheScopeId(this.config.cache.scope, call.caller);
    const { anthropicBody, mockResponse } = call.request;
    if (anthropicBody === null) return cacheKey(call.request.callType, call.request.body, scope);
    // The Anthropic body goes upstream without Gatehouse's mock_response: it keys the entry.
    const body =
      mockResponse === null ? anthropicBody : { ...anthropicBody, mock_response: mockResponse };
    return cacheKey('messages', body, scope);
  }

  /** The stored answer for this call, or null (no caching for it, a miss, or a store error). */
  async lookup(call: AdmittedCall): Promise<{ hit: CachedResponse; forget: () => void } | null> {
    if (this.ttlMs(call) === null) return null;
    const key = this.keyOf(call);
    const hit = await this.cache.get(key, this.clock.nowMs());
    return hit ? { hit, forget: () => this.cache.delete(key) } : null;
  }

  /** Keeps a successful answer for the next identical call, when this call may use the cache. */
  store(call: AdmittedCall, text: string, outcome: Outcome, format: WireFormat = 'openai'): void {
    const ttl = this.ttlMs(call);
    if (ttl === null || outcome.status !== 'success') return;
    this.cache.set(
      this.keyOf(call),
      {
        text,
        format,
        promptTokens: outcome.promptTokens,
        completionTokens: outcome.completionTokens,
        costNanos: outcome.spendNanos,
      },
      ttl,
      this.clock.nowMs(),
    );
  }
}
