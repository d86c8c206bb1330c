import { Injectable } from '@nestjs/common';
import { usdToNanos } from '../../database/columns';
import { KeysRepository } from '../../keys/keys.repository';
import type { CounterEntity } from '../../spend/spend-record';
import { TeamsRepository } from '../../teams/teams.repository';
import { UsersRepository } from '../../users/users.repository';

/** An entity's spend counter as the database says now (the source of truth for spend). */
export interface SpendCounter {
  spendNanos: number;
  /** `budget_reset_at` in epoch ms (teams have none). */
  budgetResetAtMs: number | null;
}

/**
 * Reads the fresh spend counter of a key, user or team through its owner's repository: what
 * the Redis ledger is seeded from (an account it does not have) and reconciled with. Never on
 * the per-call path: once per account missing in Redis, and once per reconcile.
 */
@Injectable()
export class SpendCounters {
  constructor(
    private readonly users: UsersRepository,
    private readonly keys: KeysRepository,
    private readonly teams: TeamsRepository,
  ) {}

  /** null: the entity is gone (deleted meanwhile); the ledger then starts it at 0. */
  async read(entity: CounterEntity, id: string): Promise<SpendCounter | null> {
    switch (entity) {
      case 'user': {
        const row = await this.users.findById(id);
        return row && { spendNanos: usdToNanos(row.spend), budgetResetAtMs: ms(row.budgetResetAt) };
      }
      case 'key': {
        const row = await this.keys.findByToken(id);
        return row && { spendNanos: usdToNanos(row.spend), budgetResetAtMs: ms(row.budgetResetAt) };
      }
      case 'team': {
        const row = await this.teams.findById(id);
        return row && { spendNanos: usdToNanos(row.spend), budgetResetAtMs: null };
      }
    }
  }
}

function ms(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}
