import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import type { CounterEntity } from './spend-record';

/** One entity's counter change in a flush: add `deltaNanos`, after a reset when `reset`. */
export interface CounterDelta {
  id: string;
  deltaNanos: number;
  reset: { nextResetAt: Date | null } | null;
}

/**
 * Persists one entity's `spend` counter inside the flush transaction. The users sink is
 * here; the key and team sinks belong to their modules (issue 4 / teams) and are added to
 * SPEND_SINKS in spend.module.ts when those tables exist.
 */
export abstract class SpendSink {
  abstract readonly entity: CounterEntity;
  abstract apply(manager: EntityManager, deltas: CounterDelta[]): Promise<void>;
}

export const SPEND_SINKS = Symbol('SPEND_SINKS');

@Injectable()
export class UserSpendSink extends SpendSink {
  readonly entity = 'user' as const;

  async apply(manager: EntityManager, deltas: CounterDelta[]): Promise<void> {
    for (const delta of deltas) {
      const qb = manager.createQueryBuilder().update(UserEntity).where('user_id = :id', {
        id: delta.id,
      });
      if (delta.reset) {
        await qb
          .set({
            spend: () => ':delta',
            budgetResetAt: () => ':resetAt',
          })
          .setParameters({
            delta: delta.deltaNanos,
            resetAt: delta.reset.nextResetAt?.getTime() ?? null,
          })
          .execute();
      } else if (delta.deltaNanos !== 0) {
        await qb
          .set({ spend: () => 'spend + :delta' })
          .setParameter('delta', delta.deltaNanos)
          .execute();
      }
    }
  }
}
