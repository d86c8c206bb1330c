import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { KeyInvalidationBus, type KeyInvalidation } from './key-cache';

export const KEY_INVALIDATION_CHANNEL = 'gatehouse:key-cache:invalidate';

interface Envelope {
  from: string;
  message: KeyInvalidation;
}

function isInvalidation(value: unknown): value is KeyInvalidation {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v['kind'] === 'token' && typeof v['token'] === 'string') ||
    (v['kind'] === 'user' && typeof v['userId'] === 'string') ||
    (v['kind'] === 'team' && typeof v['teamId'] === 'string')
  );
}

/**
 * Shares key-cache invalidations between instances over Redis pub/sub (when REDIS_URL is set).
 * Each instance ignores its own messages (it applied them already).
 */
export class RedisKeyInvalidationBus extends KeyInvalidationBus implements OnModuleDestroy {
  private readonly logger = new Logger(RedisKeyInvalidationBus.name);
  private readonly instanceId = randomUUID();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private handler: ((message: KeyInvalidation) => void) | null = null;

  constructor(url: string) {
    super();
    const options = { lazyConnect: false, maxRetriesPerRequest: 2 };
    this.publisher = new Redis(url, options);
    this.subscriber = new Redis(url, options);
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    }
    this.subscriber.on('message', (_channel: string, raw: string) => this.receive(raw));
    this.subscriber.subscribe(KEY_INVALIDATION_CHANNEL).catch((error: unknown) => {
      this.logger.error(`Cannot subscribe to ${KEY_INVALIDATION_CHANNEL}: ${String(error)}`);
    });
  }

  /** Resolves once the subscription is live (tests wait for it). */
  async ready(): Promise<void> {
    if (this.subscriber.status !== 'ready') {
      await new Promise<void>((resolve) => this.subscriber.once('ready', () => resolve()));
    }
    await this.subscriber.subscribe(KEY_INVALIDATION_CHANNEL);
  }

  publish(message: KeyInvalidation): void {
    const envelope: Envelope = { from: this.instanceId, message };
    this.publisher.publish(KEY_INVALIDATION_CHANNEL, JSON.stringify(envelope)).catch((error) => {
      this.logger.warn(`Cannot publish a key invalidation: ${String(error)}`);
    });
  }

  onRemote(handler: (message: KeyInvalidation) => void): void {
    this.handler = handler;
  }

  async onModuleDestroy(): Promise<void> {
    this.subscriber.disconnect();
    await this.publisher.quit().catch(() => undefined);
  }

  private receive(raw: string): void {
    try {
      const envelope = JSON.parse(raw) as Partial<Envelope>;
      if (envelope.from === this.instanceId || !isInvalidation(envelope.message)) return;
      this.handler?.(envelope.message);
    } catch {
      this.logger.warn('Ignored a malformed key invalidation message');
    }
  }
}
