import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DailySpendEntity } from './daily-spend.entity';
import { SpendLogEntity } from './spend-log.entity';
import { InMemorySpendQueue, SpendQueue } from './spend-queue';
import { SPEND_SINKS, UserSpendSink, type SpendSink } from './spend-sinks';
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
    { provide: SpendQueue, useClass: InMemorySpendQueue },
    {
      provide: SPEND_SINKS,
      // HOOK POINT (coordinator): when the keys and teams tables exist, add their sinks
      // here — e.g. KeySpendSink (UPDATE keys SET spend = spend + :delta WHERE token = :id)
      // and TeamSpendSink — and list them in `inject`. Until then the writer logs once that
      // key/team counters are not persisted (spend_logs and daily_spend still carry them).
      useFactory: (users: UserSpendSink): SpendSink[] => [users],
      inject: [UserSpendSink],
    },
  ],
  exports: [SpendQueue, SpendWriter],
})
export class SpendModule {}
