import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ClusterBus, type ClusterChannel, type ClusterHandler } from './cluster-bus';
import type { RedisLink } from './redis-link';

/** Wire format (unchanged from the key cache's first bus, so mixed versions understand it). */
interface Envelope {
  from: string;
  message: unknown;
}

/** Sent after an instance could not publish: every instance resyncs from the database. */
export const RESYNC_CHANNEL: ClusterChannel<{ kind: 'resync' }> = {
  name: 'gatehouse:cluster:resync',
  isMessage: (value): value is { kind: 'resync' } =>
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'resync',
};

/**
 * The cluster bus on Redis pub/sub: one Redis channel per typed channel, each message wrapped
 * with the sender's id so an instance ignores its own. After Redis comes back every instance
 * resyncs (its subscription may have missed messages), and an instance whose publishes failed
 * meanwhile also asks everybody else to resync (their subscriptions may have been fine).
 */
export class RedisClusterBus extends ClusterBus implements OnModuleDestroy {
  private readonly logger = new Logger('ClusterBus');
  readonly instanceId = randomUUID();
  private readonly handlers = new Map<string, (message: unknown) => void>();
  private readonly resyncs: (() => void | Promise<void>)[] = [];
  private lostPublishes = false;
  private readonly stopListening: () => void;

  constructor(private readonly link: RedisLink) {
    super();
    link.subscriber.on('message', (channel: string, raw: string) => this.receive(channel, raw));
    this.subscribe(RESYNC_CHANNEL, () => this.resync());
    this.stopListening = link.onRecovered(() => {
      if (this.lostPublishes) {
        this.lostPublishes = false;
        this.publish(RESYNC_CHANNEL, { kind: 'resync' });
      }
      this.resync();
    });
  }

  publish<T>(channel: ClusterChannel<T>, message: T): void {
    const envelope: Envelope = { from: this.instanceId, message };
    if (!this.link.up) {
      this.lostPublishes = true;
      return;
    }
    this.link.commands.publish(channel.name, JSON.stringify(envelope)).catch(() => {
      this.lostPublishes = true;
      this.link.failed();
    });
  }

  subscribe<T>(channel: ClusterChannel<T>, handler: ClusterHandler<T>): void {
    if (this.handlers.has(channel.name)) throw new Error(`${channel.name} has a subscriber`);
    this.handlers.set(channel.name, (message) => {
      if (!channel.isMessage(message)) {
        this.logger.warn(`Ignored a malformed message on ${channel.name}`);
        return;
      }
      Promise.resolve(handler(message)).catch((error: unknown) => {
        this.logger.error(`A ${channel.name} message failed: ${String(error)}`);
      });
    });
    // Queued until the subscriber is connected; ioredis re-subscribes after a reconnect.
    this.link.subscriber.subscribe(channel.name).catch(() => undefined);
  }

  onResync(handler: () => void | Promise<void>): void {
    this.resyncs.push(handler);
  }

  /** Resolves once every channel subscribed so far is live (or the link's wait is over). */
  async ready(): Promise<void> {
    await this.link.ready();
    await this.link.subscriber.subscribe(...this.handlers.keys());
  }

  onModuleDestroy(): void {
    this.stopListening();
  }

  private resync(): void {
    for (const handler of this.resyncs) {
      Promise.resolve(handler()).catch((error: unknown) => {
        this.logger.error(`A resync failed: ${String(error)}`);
      });
    }
  }

  private receive(channel: string, raw: string): void {
    const handler = this.handlers.get(channel);
    if (!handler) return;
    let envelope: Partial<Envelope>;
    try {
      envelope = JSON.parse(raw) as Partial<Envelope>;
    } catch {
      this.logger.warn(`Ignored a malformed message on ${channel}`);
      return;
    }
    if (envelope.from === this.instanceId) return;
    handler(envelope.message);
  }
}
