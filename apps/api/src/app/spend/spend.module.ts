import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
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
      provide: SPEND_SINKS,
      useFactory: (...sinks: SpendSink[]): SpendSink[] => sinks,
      inject: [UserSpendSink, KeySpendSink, TeamSpendSink],
    },
  ],
  exports: [SpendQueue, SpendWriter],
})
export class SpendModule {}
