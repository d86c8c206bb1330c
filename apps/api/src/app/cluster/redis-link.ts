import { Logger } from '@nestjs/common';
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import type { RedisFailureMode } from '../config/app-config';

/**
 * `ok`: commands answer and the pub/sub subscription is live. `degraded`: commands answer but
 * the subscription is not (cluster messages may be missed). `down`: commands do not answer.
 */
export type RedisStatus = 'ok' | 'degraded' | 'down';

export interface RedisLinkOptions {
  url: string;
  failureMode: RedisFailureMode;
  /** A command that takes longer fails (a paused Redis keeps its TCP connection up). */
  commandTimeoutMs?: number;
  /** How often a PING checks that Redis still answers. */
  pingIntervalMs?: number;
}

/** Where `RedisLink.together` puts a command: the connection, or the pipeline of one write. */
export type RedisSender = Redis | ChainableCommander;
/** ioredis's per-command callback. */
export type RedisDone<T> = (error?: Error | null, result?: T) => void;
type Queued = (sender: RedisSender) => void;

/** A command that gets no answer in this time fails: a stalled Redis never hangs a request. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
export const REDIS_PING_INTERVAL_MS = 1000;

/**
 * The instance's two Redis connections (commands; pub/sub) and what it knows of their health.
 * Commands never queue while Redis is away (`enableOfflineQueue: false`) and time out after
 * `commandTimeoutMs`, so a caller learns at once, or within the timeout, that Redis is down —
 * never a hang. Both connections reconnect by themselves (every ≤ 1 s). A PING each
 * `pingIntervalMs` notices a Redis that stopped answering without closing the connection
 * (SIGSTOP, a network blackhole), and brings the status back once it answers again.
 *
 * Transitions are logged once each (not once per failed command); `onRecovered` listeners run
 * when Redis comes back, so caches that may have missed messages resync.
 */
export class RedisLink {
  readonly commands: Redis;
  readonly subscriber: Redis;
  readonly failureMode: RedisFailureMode;
  private readonly logger = new Logger('Redis');
  private commandsUp = false;
  private subscriberUp = false;
  /** Redis has answered once: before that, a failure is the boot's, not an outage's. */
  private everOk = false;
  /** Between a failure and the recovery: logged once at each end. */
  private outage = false;
  private readonly recovered = new Set<() => void>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** Commands issued since the last write (see `together`). */
  private batch: Queued[] | null = null;

  constructor(options: RedisLinkOptions) {
    this.failureMode = options.failureMode;
    const common: RedisOptions = {
      // Reconnect forever, at most a second apart.
      retryStrategy: (times) => Math.min(times * 100, 1000),
      connectTimeout: 2000,
      lazyConnect: false,
    };
    this.commands = new Redis(options.url, {
      ...common,
      commandTimeout: options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // No auto-pipelining: measured here, it doubled a sequential admission + settlement
      // (it defers every write by a tick). Commands issued together (a settlement and the
      // spend journal's XADD) are in flight at once anyway: one round trip of waiting.
      enableAutoPipelining: false,
    });
    // The subscriber queues its SUBSCRIBEs until connected and re-subscribes after a reconnect.
    this.subscriber = new Redis(options.url, { ...common, maxRetriesPerRequest: null });
    for (const [client, name] of [
      [this.commands, 'commands'],
      [this.subscriber, 'subscriber'],
    ] as const) {
      // ioredis emits `error` on every failed reconnect: the status transitions say it once.
      client.on('error', () => {
        if (!this.everOk) this.startOutage();
      });
      client.on('close', () => this.set(name, false));
    }
    this.commands.on('ready', () => void this.ping());
    this.subscriber.on('ready', () => this.set('subscriber', true));
    this.timer = setInterval(
      () => void this.ping(),
      options.pingIntervalMs ?? REDIS_PING_INTERVAL_MS,
    );
    this.timer.unref();
  }

  status(): RedisStatus {
    if (!this.commandsUp) return 'down';
    return this.subscriberUp ? 'ok' : 'degraded';
  }

  /** Commands answer now (as far as this instance knows). */
  get up(): boolean {
    return this.commandsUp;
  }

  /** A command failed (timeout, connection lost): Redis counts as down until a PING answers. */
  failed(): void {
    this.set('commands', false);
  }

  /**
   * Sends a command in one socket write with the others issued in the same synchronous stretch
   * (the microtask that flushes them runs before any I/O): a call's settlement and its spend
   * event, which `Books.finish` issues together, are one write and one reply read instead of
   * two each. On a 2-core machine a write to Redis costs about what writing the HTTP answer
   * does, so this is a measurable share of a call (BENCHMARKS.md). Not auto-pipelining, which
   * defers every command to the next event-loop turn; one command alone goes out as it is.
   * `send` issues exactly one command on the sender it is given, with `done` as its callback.
   */
  together<T>(send: (sender: RedisSender, done: RedisDone<T>) => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done: RedisDone<T> = (error, result) => (error ? reject(error) : resolve(result as T));
      if (!this.batch) {
        this.batch = [];
        queueMicrotask(() => this.flush());
      }
      this.batch.push((sender) => void send(sender, done));
    });
  }

  private flush(): void {
    const batch = this.batch ?? [];
    this.batch = null;
    if (batch.length === 1) {
      batch[0](this.commands);
      return;
    }
    const pipeline = this.commands.pipeline();
    for (const queued of batch) queued(pipeline);
    // Each command's own callback gets its reply or error; exec's promise adds nothing.
    pipeline.exec().catch(() => undefined);
  }

  /** Runs after every recovery (not at the first connection). */
  onRecovered(listener: () => void): () => void {
    this.recovered.add(listener);
    return () => this.recovered.delete(listener);
  }

  /** Resolves once both connections answer, or after `timeoutMs` (then the status says why). */
  async ready(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && this.status() !== 'ok' && Date.now() < deadline) {
      await new Promise<void>((resolve) => setTimeout(resolve, 20));
      if (this.commands.status === 'ready' && !this.commandsUp) await this.ping();
    }
  }

  /**
   * Boot waits (at most 2 s) for Redis, so the first logins do not meet a link that has not
   * answered its first PING yet; a Redis that is down at boot is an outage like any other.
   */
  onModuleInit(): Promise<void> {
    return this.ready(2000);
  }

  /** After every module's onModuleDestroy: they may still use Redis on the way out. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.subscriber.disconnect();
    this.commands.disconnect();
    await Promise.resolve();
  }

  private async ping(): Promise<void> {
    if (this.closed || this.commands.status !== 'ready') return;
    try {
      await this.commands.ping();
      this.set('commands', true);
    } catch {
      this.set('commands', false);
    }
  }

  private set(connection: 'commands' | 'subscriber', up: boolean): void {
    if (this.closed) return;
    const before = this.status();
    if (connection === 'commands') this.commandsUp = up;
    else this.subscriberUp = up;
    const after = this.status();
    if (before === after) return;
    if (after === 'ok') {
      this.everOk = true;
      if (!this.outage) return;
      this.outage = false;
      this.logger.log('Redis answers again: shared counters and cluster messages resume');
      for (const listener of [...this.recovered]) listener();
    } else if (before === 'ok') {
      this.startOutage();
    }
  }

  private startOutage(): void {
    if (this.outage || this.closed) return;
    this.outage = true;
    this.logger.warn(
      `Redis is not answering (REDIS_FAILURE_MODE=${this.failureMode}): ` +
        (this.failureMode === 'open'
          ? 'each instance counts login attempts on its own until it is back'
          : 'logins answer 503 until it is back'),
    );
  }
}
