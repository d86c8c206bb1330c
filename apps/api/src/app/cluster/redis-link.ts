import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import type { Socket as NetSocket } from 'node:net';
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
      // Not ioredis's auto-pipelining (a Pipeline object per batch, measured slower here):
      // the socket itself is corked for one event-loop turn (`coalesceWrites`).
      enableAutoPipelining: false,
    });
    this.coalesceWrites();
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
   * Every command issued in one turn of the event loop — all the calls whose requests, upstream
   * answers or Redis replies arrived together — leaves in one socket write: the first command
   * corks the connection's socket and `setImmediate` (the turn's check phase, right after its
   * I/O callbacks) uncorks it. Under load that is one write for many calls' admissions and
   * settlements, where each used to pay a loopback write (the kernel's TCP path to Redis, ~30 µs
   * on the 2-core VM: the largest share of what Redis added to a call, BENCHMARKS.md). A lone
   * call waits for nothing: the check phase follows its own callback. Order is unchanged
   * (ioredis queues each command before writing it), and so are timeouts and errors.
   */
  private coalesceWrites(): void {
    const client = this.commands;
    const send = client.sendCommand.bind(client);
    let corked: NetSocket | null = null;
    const uncork = (): void => {
      const socket = corked;
      corked = null;
      socket?.uncork();
    };
    client.sendCommand = (command, stream) => {
      const socket = client.stream as NetSocket | undefined;
      if (!corked && socket && client.status === 'ready') {
        corked = socket;
        socket.cork();
        setImmediate(uncork);
      }
      return send(command, stream);
    };
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
