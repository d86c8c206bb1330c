import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { RedisLink } from '../../cluster/redis-link';
import { redisUnavailable } from '../../cluster/redis-unavailable';
import { MINUTE_MS } from './deployment-states';
import { choose, type Candidate } from './strategies';
import { SETTLE_TOKENS, TAKE, TAKE_CANDIDATE_ARGS } from './usage-scripts';

/**
 * usage-based-routing's minute counters: where a deployment's requests and tokens of this
 * minute are counted, and the pick among the candidates that takes one request slot on the
 * chosen one. `Router` counts every attempt on this instance too (`DeploymentStates`); this
 * decides only under usage-based-routing.
 */
export abstract class DeploymentUsage {
  /**
   * The least used share with room for one more request of `tokens` (`usagePick`), its slot
   * taken; null when no candidate has room. `r` is the tie draw. The counters of `pool` are
   * rolled to the current minute by the caller. Rejects with the 503 `redis_unavailable`
   * under REDIS_FAILURE_MODE=closed when the shared counters cannot be reached.
   */
  abstract take(
    pool: readonly Candidate[],
    tokens: number,
    nowMs: number,
    r: number,
  ): Candidate | null | Promise<Candidate | null>;

  /** A call on `picked` (from `take`) settled with `delta` = actual − estimated tokens. */
  abstract settle(picked: Candidate, delta: number): void;
}

/** By this instance's own counters: the strategy's own branch (the one the specs check). */
function localTake(pool: readonly Candidate[], tokens: number, r: number): Candidate | null {
  return choose('usage-based-routing', pool, tokens, () => r);
}

/** One instance (no REDIS_URL): its own counters are all there is. */
export class LocalDeploymentUsage extends DeploymentUsage {
  take(pool: readonly Candidate[], tokens: number, _nowMs: number, r: number): Candidate | null {
    return localTake(pool, tokens, r);
  }

  settle(): void {
    // The router corrected this instance's counters already.
  }
}

interface UsageCommands {
  gatehouseRouteTake(...args: (string | number)[]): Promise<number>;
  gatehouseRouteSettle(...args: (string | number)[]): Promise<number>;
}

function withScripts(redis: Redis): Redis & UsageCommands {
  const r = redis as Redis & Partial<UsageCommands>;
  if (!r.gatehouseRouteTake) {
    redis.defineCommand('gatehouseRouteTake', { lua: TAKE });
    redis.defineCommand('gatehouseRouteSettle', { lua: SETTLE_TOKENS });
  }
  return r as Redis & UsageCommands;
}

export interface RedisDeploymentUsageOptions {
  /** Key prefix; one hash tag (a pick's keys in one slot, should Redis Cluster be supported). */
  prefix?: string;
  /** Where `gatehouse_router_usage_fallback_total` is registered. */
  registry?: Registry;
}

/** A minute's counters outlive it by a minute (late settlements still land). */
const WINDOW_TTL_MS = 2 * MINUTE_MS;

const limited = (c: Candidate): boolean => c.deployment.rpm !== null || c.deployment.tpm !== null;

/**
 * The counters in Redis, shared by every instance: one TAKE script call per pick reads the
 * candidates' counters, chooses and takes the slot (so concurrent picks on several instances
 * never send a deployment over its own rpm/tpm), one SETTLE_TOKENS call per settled call puts
 * its actual tokens in place of the estimate (not awaited: the answer never waits on it).
 * A pool without any rpm/tpm makes no Redis call at all.
 *
 * Redis not answering: REDIS_FAILURE_MODE=open picks by this instance's own counters (logged
 * once per outage, counted in `gatehouse_router_usage_fallback_total`), `closed` answers 503
 * `redis_unavailable`. Commands time out (RedisLink), so neither mode hangs.
 */
export class RedisDeploymentUsage extends DeploymentUsage implements OnModuleDestroy {
  private readonly logger = new Logger('Router');
  private readonly redis: Redis & UsageCommands;
  private readonly prefix: string;
  private readonly fallbacks: Counter;
  private readonly stopListening: () => void;
  private fellBack = false;

  constructor(
    private readonly link: RedisLink,
    options: RedisDeploymentUsageOptions = {},
  ) {
    super();
    this.redis = withScripts(link.commands);
    this.prefix = options.prefix ?? 'gatehouse:{router}:';
    this.fallbacks = new Counter({
      name: 'gatehouse_router_usage_fallback_total',
      help: 'usage-based-routing picks decided on this instance alone because Redis did not answer (REDIS_FAILURE_MODE=open)',
      registers: options.registry ? [options.registry] : [],
    });
    this.stopListening = link.onRecovered(() => {
      if (this.fellBack)
        this.logger.log('Redis answers again: deployment rpm/tpm are shared again');
      this.fellBack = false;
    });
  }

  onModuleDestroy(): void {
    this.stopListening();
  }

  take(
    pool: readonly Candidate[],
    tokens: number,
    nowMs: number,
    r: number,
  ): Candidate | null | Promise<Candidate | null> {
    if (!pool.some(limited)) return localTake(pool, tokens, r);
    // Down: a promise all the same, so that REDIS_FAILURE_MODE=closed rejects like a failure.
    if (!this.link.up) return Promise.resolve().then(() => this.fallBack(pool, tokens, r));
    return this.run(pool, tokens, nowMs, r);
  }

  settle(picked: Candidate, delta: number): void {
    if (!picked.sharedKey || delta === 0) return;
    const key = picked.sharedKey;
    // In the same socket write as the call's settlement and spend event (RedisLink.coalesceWrites).
    void this.redis.gatehouseRouteSettle(1, key, Math.round(delta)).catch(() => {
      // The window keeps the estimate: the deployment looks busier, never less busy.
      this.link.failed();
    });
  }

  private async run(
    pool: readonly Candidate[],
    tokens: number,
    nowMs: number,
    r: number,
  ): Promise<Candidate | null> {
    const minute = Math.floor(nowMs / MINUTE_MS);
    const keys = pool.map((c) => `${this.prefix}u:${c.deployment.id}:${minute}`);
    const args: number[] = [];
    for (const c of pool) {
      const a = [c.deployment.rpm ?? -1, c.deployment.tpm ?? -1];
      if (a.length !== TAKE_CANDIDATE_ARGS) throw new Error('usage arguments');
      args.push(...a);
    }
    let chosen: number;
    try {
      chosen = Number(
        await this.redis.gatehouseRouteTake(
          keys.length,
          ...keys,
          Math.max(0, Math.round(tokens)),
          r,
          WINDOW_TTL_MS,
          ...args,
        ),
      );
    } catch {
      this.link.failed();
      return this.fallBack(pool, tokens, r);
    }
    if (chosen === 0) return null;
    const picked = pool[chosen - 1];
    return limited(picked) ? { ...picked, sharedKey: keys[chosen - 1] } : picked;
  }

  private fallBack(pool: readonly Candidate[], tokens: number, r: number): Candidate | null {
    if (this.link.failureMode === 'closed') throw redisUnavailable();
    this.fallbacks.inc();
    if (!this.fellBack) {
      this.fellBack = true;
      this.logger.warn(
        'Redis is not answering (REDIS_FAILURE_MODE=open): each instance holds deployments to ' +
          'their rpm/tpm by its own count until it is back',
      );
    }
    return localTake(pool, tokens, r);
  }
}
