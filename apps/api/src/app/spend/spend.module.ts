import { Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { SQLITE_BUSY_TIMEOUT_MS } from '../database/data-source-options';
import { DailySpendEntity } from './daily-spend.entity';
import { SpendLogEntity } from './spend-log.entity';
import { InMemorySpendQueue, SpendQueue } from './spend-queue';
import {
  KeySpendSink,
  SPEND_SINKS,
  TeamSpendSink,
  UserSpendSink,
  type SpendSink,
} from './spend-sinks';
import { SpendStore, SqliteWorkerSpendStore, TypeOrmSpendStore } from './spend-store';
import { ClosedDaysCache } from './closed-days.cache';
import { SpendWriter } from './spend-writer';
import { SpendController } from './spend.controller';
import { SpendRepository } from './spend.repository';
import { SpendService } from './spend.service';

@Module({
  imports: [TypeOrmModule.forFeature([SpendLogEntity, DailySpendEntity])],
  controllers: [SpendController],
  providers: [
    SpendRepository,
    SpendService,
    SpendWriter,
    UserSpendSink,
    KeySpendSink,
    TeamSpendSink,
    { provide: SpendQueue, useClass: InMemorySpendQueue },
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
    {
      provide: SPEND_SINKS,
      useFactory: (...sinks: SpendSink[]): SpendSink[] => sinks,
      inject: [UserSpendSink, KeySpendSink, TeamSpendSink],
    },
  ],
  exports: [SpendQueue, SpendWriter],
})
export class SpendModule {}
