import { Logger, Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { RedisLink } from '../cluster/redis-link';
import { Clock } from '../common/time/clock';
import { AppConfig, type SpendJournalConfig } from '../config/app-config';
import { SQLITE_BUSY_TIMEOUT_MS } from '../database/data-source-options';
import { MetricsService } from '../metrics/metrics.service';
import { DailySpendEntity } from './daily-spend.entity';
import { FileSpendJournal, JournalLockedError, JournalSpendQueue } from './spend-journal';
import { SpendLogEntity } from './spend-log.entity';
import { InMemorySpendQueue, SpendQueue } from './spend-queue';
import { SpendStore, SqliteWorkerSpendStore, TypeOrmSpendStore } from './spend-store';
import { RedisStreamSpendQueue, spendStreamKey } from './spend-stream';
import { ClosedDaysCache } from './closed-days.cache';
import { SpendWriter } from './spend-writer';
import { SpendController } from './spend.controller';
import { SpendRepository } from './spend.repository';
import { SpendService } from './spend.service';

/**
 * The spend queue. With REDIS_URL (and the journal on): the Redis stream, shared by every
 * instance's writer, falling back to this instance's file journal while Redis is away.
 * Without: journaled to a file (SPEND_JOURNAL_PATH) unless the journal is off (SPEND_JOURNAL=off,
 * or an in-memory database). The file's size is `gatehouse_spend_journal_bytes`.
 */
function spendQueueFor(config: AppConfig, metrics: MetricsService, link?: RedisLink): SpendQueue {
  const local = localSpendQueueFor(config, metrics);
  if (!link || !config.spendJournal) return local;
  return new RedisStreamSpendQueue(
    link,
    local,
    config.spendStreamClaimIdleMs,
    spendStreamKey(config.database),
  );
}

/**
 * A journal another live process holds ends the start with one line, as a bad setting does
 * (Nest would print the error with its stack among its boot lines): two writers on one
 * journal would corrupt it.
 */
function openJournal(config: SpendJournalConfig): FileSpendJournal {
  try {
    return new FileSpendJournal(config);
  } catch (error) {
    if (!(error instanceof JournalLockedError)) throw error;
    process.stderr.write(`gatehouse: failed to start: ${error.message}\n`);
    process.exit(1);
  }
}

function localSpendQueueFor(config: AppConfig, metrics: MetricsService): SpendQueue {
  if (!config.spendJournal) {
    if (config.database.type !== 'sqlite' || config.database.path !== ':memory:') {
      new Logger('SpendJournal').warn(
        'SPEND_JOURNAL=off: spend of answered calls still queued when the process dies is lost',
      );
    }
    return new InMemorySpendQueue();
  }
  const journal = openJournal(config.spendJournal);
  new Gauge({
    name: 'gatehouse_spend_journal_bytes',
    help: 'Bytes in the spend journal: spend events not yet written to the database (or not yet rotated away)',
    registers: [metrics.registry],
    collect() {
      this.set(journal.bytes);
    },
  });
  return new JournalSpendQueue(journal);
}

@Module({
  imports: [TypeOrmModule.forFeature([SpendLogEntity, DailySpendEntity])],
  controllers: [SpendController],
  providers: [
    SpendRepository,
    SpendService,
    SpendWriter,
    {
      provide: SpendQueue,
      useFactory: spendQueueFor,
      inject: [AppConfig, MetricsService, { token: RedisLink, optional: true }],
    },
    {
      provide: ClosedDaysCache,
      useFactory: (clock: Clock) => new ClosedDaysCache(clock),
      inject: [Clock],
    },
    {
      // A SQLite file is written from a worker thread, off the event loop (spend-store.ts).
      provide: SpendStore,
      useFactory: (config: AppConfig, dataSource: DataSource): SpendStore =>
        config.database.type === 'sqlite' && config.database.path !== ':memory:'
          ? new SqliteWorkerSpendStore(config.database.path, SQLITE_BUSY_TIMEOUT_MS)
          : new TypeOrmSpendStore(dataSource),
      inject: [AppConfig, getDataSourceToken()],
    },
  ],
  exports: [SpendQueue, SpendWriter],
})
export class SpendModule {}
