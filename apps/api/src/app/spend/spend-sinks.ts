import { Injectable } from '@nestjs/common';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { KeyEntity } from '../keys/key.entity';
import { TeamEntity } from '../teams/team.entity';
import { UserEntity } from '../users/user.entity';
import type { CounterEntity } from './spend-record';

/** One entity's counter change in a flush: add `deltaNanos`, after a reset when `reset`. */
export interface CounterDelta {
  id: string;
  deltaNanos: number;
  reset: { nextResetAt: Date | null } | null;
}

/** Persists one entity's `spend` counter inside the flush transaction. */
export abstract class SpendSink {
  abstract readonly entity: CounterEntity;
  abstract apply(manager: EntityManager, deltas: CounterDelta[]): Promise<void>;
}

export const SPEND_SINKS = Symbol('SPEND_SINKS');

/**
 * A `spend` counter column (nano-dollars) on one table, keyed by one id column. A budget
 * reset restarts the counter at the delta and, where the table keeps one, moves
 * `budget_reset_at` to the next period.
 */
abstract class CounterSink extends SpendSink {
  protected abstract readonly target: EntityTarget<ObjectLiteral>;
  protected abstract readonly idColumn: string;
  protected abstract readonly keepsResetAt: boolean;

  async apply(manager: EntityManager, deltas: CounterDelta[]): Promise<void> {
    for (const delta of deltas) {
      const qb = manager
        .createQueryBuilder()
        .update(this.target)
        .where(`${this.idColumn} = :id`, { id: delta.id });
      if (delta.reset) {
        await qb
          .set(
            this.keepsResetAt
              ? { spend: () => ':delta', budgetResetAt: () => ':resetAt' }
              : { spend: () => ':delta' },
          )
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

@Injectable()
export class UserSpendSink extends CounterSink {
  readonly entity = 'user' as const;
  protected readonly target = UserEntity;
  protected readonly idColumn = 'user_id';
  protected readonly keepsResetAt = true;
}

@Injectable()
export class KeySpendSink extends CounterSink {
  readonly entity = 'key' as const;
  protected readonly target = KeyEntity;
  protected readonly idColumn = 'token';
  protected readonly keepsResetAt = true;
}

/** Teams have no budget period, so their counter only grows. */
@Injectable()
export class TeamSpendSink extends CounterSink {
  readonly entity = 'team' as const;
  protected readonly target = TeamEntity;
  protected readonly idColumn = 'team_id';
  protected readonly keepsResetAt = false;
}
