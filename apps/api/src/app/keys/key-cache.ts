import type { KeyType, Role } from '@gatehouse/shared/auth';
import type { Clock } from '../common/time/clock';

/** The owner of a key, as the gateway needs it (read from the owner's current user row). */
export interface CachedKeyOwner {
  userId: string;
  email: string | null;
  role: Role;
  /** The owner's model allow-list; empty = no restriction. */
  models: string[];
  maxBudget: number | null;
  spend: number;
  /** The owner's budget period (`budget_duration`) and when it ends (epoch ms). */
  budgetDuration: string | null;
  budgetResetAt: number | null;
  tpmLimit: number | null;
  rpmLimit: number | null;
}

/** The team of a team key, as the gateway needs it (read from the team's current row). */
export interface CachedKeyTeam {
  teamId: string;
  /** A blocked team's keys are refused as bearers ("Team is blocked"). */
  blocked: boolean;
  /** The team's model allow-list; empty = no restriction. */
  models: string[];
  maxBudget: number | null;
  spend: number;
  tpmLimit: number | null;
  rpmLimit: number | null;
}

/**
 * Everything the gateway needs to decide about a request without the database. Times are
 * epoch milliseconds; money is USD. Never holds the secret or its hash.
 */
export interface CachedKey {
  /** The key's stable id. */
  token: string;
  keyName: string;
  keyAlias: string | null;
  userId: string | null;
  teamId: string | null;
  /** Models this key may call; empty = whatever the owner may call. */
  models: string[];
  maxBudget: number | null;
  spend: number;
  budgetDuration: string | null;
  budgetResetAt: number | null;
  /** null = never expires. */
  expires: number | null;
  tpmLimit: number | null;
  rpmLimit: number | null;
  maxParallelRequests: number | null;
  metadata: Record<string, unknown>;
  blocked: boolean;
  keyType: KeyType;
  /** The management role of the key's maker, recorded when it was made (caps the key's role). */
  createdByRole: Role;
  /** null when the owner row is gone (the key is then refused). */
  owner: CachedKeyOwner | null;
  /** null for a personal key (teamId null); a team key whose team row is gone is refused. */
  team: CachedKeyTeam | null;
}

/** What a secret hash resolves to. */
export type KeyLookup =
  | {
      status: 'active';
      key: CachedKey;
      /** Set when the hash is a regenerated key's old secret: it works until then (epoch ms). */
      graceExpiresAt: number | null;
    }
  | { status: 'deleted'; token: string }
  | { status: 'unknown' };

/** Where a cache miss is answered from (the database). */
export abstract class KeyLookupSource {
  abstract load(secretHash: string): Promise<KeyLookup>;
}

/** An invalidation, applied locally and (with Redis) on every other instance. */
export type KeyInvalidation =
  | { kind: 'token'; token: string }
  | { kind: 'user'; userId: string }
  | { kind: 'team'; teamId: string };

/**
 * Carries invalidations between instances. The in-process default does nothing; the Redis
 * one publishes on a channel and hands other instances' messages to `onRemote`.
 */
export abstract class KeyInvalidationBus {
  abstract publish(message: KeyInvalidation): void;
  abstract onRemote(handler: (message: KeyInvalidation) => void): void;
}

export class LocalKeyInvalidationBus extends KeyInvalidationBus {
  publish(): void {
    // One instance: nothing to tell.
  }

  onRemote(): void {
    // One instance: nobody to hear from.
  }
}

/**
 * The key lookup of the hot path, by SHA-256 hex of the presented secret. Implementations
 * load misses once, and forget entries when told (every key or owner change calls one of the
 * invalidate methods).
 */
export abstract class KeyCache {
  abstract lookup(secretHash: string): Promise<KeyLookup>;
  /** Forget every entry of this key (all its hashes, current and old). */
  abstract invalidateToken(token: string): void;
  /** Forget every entry of this user's keys (role, models or budget changed; user deleted). */
  abstract invalidateUser(userId: string): void;
  /** Forget every entry of this team's keys (models, limits or `blocked` changed; deleted). */
  abstract invalidateTeam(teamId: string): void;
  abstract clear(): void;
}

export interface InMemoryKeyCacheOptions {
  /** Most found keys held (LRU). */
  maxEntries: number;
  /** How long a found key is trusted without an invalidation (a safety net; ms). */
  ttlMs: number;
  /** Most unknown/deleted hashes held (LRU), so spraying random keys cannot evict real ones. */
  maxNegativeEntries: number;
  /** How long an unknown/deleted hash is remembered (ms). */
  negativeTtlMs: number;
}

export const DEFAULT_KEY_CACHE_OPTIONS: InMemoryKeyCacheOptions = {
  maxEntries: 100_000,
  ttlMs: 10 * 60_000,
  maxNegativeEntries: 10_000,
  negativeTtlMs: 30_000,
};

interface Entry {
  lookup: KeyLookup;
  expiresAt: number;
}

/** A Map used as an LRU: re-inserted on read, the oldest dropped when full. */
class Lru {
  private readonly map = new Map<string, Entry>();

  constructor(private readonly max: number) {}

  get(key: string, now: number): Entry | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    this.map.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.map.set(key, entry);
    return entry;
  }

  set(key: string, entry: Entry): void {
    this.map.delete(key);
    this.map.set(key, entry);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  deleteWhere(predicate: (lookup: KeyLookup) => boolean): void {
    for (const [key, entry] of this.map) if (predicate(entry.lookup)) this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}

/** The in-process cache: two bounded LRUs (found keys; unknown/deleted hashes). */
export class InMemoryKeyCache extends KeyCache {
  private readonly found: Lru;
  private readonly missing: Lru;
  private readonly loading = new Map<string, Promise<KeyLookup>>();
  /** Bumped by every invalidation: a load that raced one is answered but not cached. */
  private generation = 0;

  constructor(
    private readonly source: KeyLookupSource,
    private readonly clock: Clock,
    private readonly bus: KeyInvalidationBus = new LocalKeyInvalidationBus(),
    private readonly options: InMemoryKeyCacheOptions = DEFAULT_KEY_CACHE_OPTIONS,
  ) {
    super();
    this.found = new Lru(options.maxEntries);
    this.missing = new Lru(options.maxNegativeEntries);
    bus.onRemote((message) => this.apply(message));
  }

  async lookup(secretHash: string): Promise<KeyLookup> {
    const now = this.clock.nowMs();
    const cached = this.found.get(secretHash, now) ?? this.missing.get(secretHash, now);
    if (cached) return cached.lookup;
    const inFlight = this.loading.get(secretHash);
    if (inFlight) return inFlight;
    const generation = this.generation;
    const load = this.source.load(secretHash).then(
      (lookup) => {
        if (this.loading.get(secretHash) === load) this.loading.delete(secretHash);
        if (generation === this.generation) this.store(secretHash, lookup);
        return lookup;
      },
      (error: unknown) => {
        if (this.loading.get(secretHash) === load) this.loading.delete(secretHash);
        throw error;
      },
    );
    this.loading.set(secretHash, load);
    return load;
  }

  invalidateToken(token: string): void {
    const message: KeyInvalidation = { kind: 'token', token };
    this.apply(message);
    this.bus.publish(message);
  }

  invalidateUser(userId: string): void {
    const message: KeyInvalidation = { kind: 'user', userId };
    this.apply(message);
    this.bus.publish(message);
  }

  invalidateTeam(teamId: string): void {
    const message: KeyInvalidation = { kind: 'team', teamId };
    this.apply(message);
    this.bus.publish(message);
  }

  clear(): void {
    this.generation++;
    this.loading.clear();
    this.found.clear();
    this.missing.clear();
  }

  /** Entries held (found, missing): for tests and metrics. */
  sizes(): { found: number; missing: number } {
    return { found: this.found.size, missing: this.missing.size };
  }

  private apply(message: KeyInvalidation): void {
    this.generation++;
    this.loading.clear();
    if (message.kind === 'token') {
      const matches = (lookup: KeyLookup): boolean =>
        (lookup.status === 'active' && lookup.key.token === message.token) ||
        (lookup.status === 'deleted' && lookup.token === message.token);
      this.found.deleteWhere(matches);
      this.missing.deleteWhere(matches);
    } else if (message.kind === 'user') {
      this.found.deleteWhere(
        (lookup) => lookup.status === 'active' && lookup.key.userId === message.userId,
      );
    } else {
      this.found.deleteWhere(
        (lookup) => lookup.status === 'active' && lookup.key.teamId === message.teamId,
      );
    }
  }

  private store(secretHash: string, lookup: KeyLookup): void {
    const now = this.clock.nowMs();
    if (lookup.status === 'active') {
      this.found.set(secretHash, { lookup, expiresAt: now + this.options.ttlMs });
    } else {
      this.missing.set(secretHash, { lookup, expiresAt: now + this.options.negativeTtlMs });
    }
  }
}
