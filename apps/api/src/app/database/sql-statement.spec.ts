import Database from 'better-sqlite3';
import { KeysRepository } from '../keys/keys.repository';
import { TeamsRepository } from '../teams/teams.repository';
import { UsersRepository } from '../users/users.repository';
import type { CounterDelta, SqlStatement } from './sql-statement';

const DAY = 86_400_000;

describe("each owner's spend counter statements", () => {
  const deltas: CounterDelta[] = [
    { id: 'k1', deltaNanos: 5, reset: null },
    { id: 'k2', deltaNanos: 0, reset: null },
    { id: 'k3', deltaNanos: 7, reset: { nextResetAt: new Date(DAY), endedNanos: 40 } },
  ];

  it('add to the counter; a reset takes the ended period off, once, and moves the reset date', () => {
    expect(KeysRepository.spendStatements(deltas, 'sqlite')).toEqual([
      { sql: 'UPDATE "keys" SET "spend" = "spend" + ? WHERE "token" = ?', params: [5, 'k1'] },
      {
        sql:
          'UPDATE "keys" SET "spend" = "spend" - ?, "budget_reset_at" = ? WHERE "token" = ? ' +
          'AND ("budget_reset_at" IS NULL OR "budget_reset_at" < ?)',
        params: [40, DAY, 'k3', DAY],
      },
      { sql: 'UPDATE "keys" SET "spend" = "spend" + ? WHERE "token" = ?', params: [7, 'k3'] },
    ]);
    expect(UsersRepository.spendStatements(deltas, 'postgres')[1]).toEqual({
      sql:
        'UPDATE "users" SET "spend" = "spend" - $1, "budget_reset_at" = $2 WHERE "user_id" = $3 ' +
        'AND ("budget_reset_at" IS NULL OR "budget_reset_at" < $4)',
      params: [40, DAY, 'k3', DAY],
    });
  });

  it('teams have no budget period: a reset only takes the ended spend off', () => {
    expect(TeamsRepository.spendStatements(deltas, 'postgres')).toEqual([
      { sql: 'UPDATE "teams" SET "spend" = "spend" + $1 WHERE "team_id" = $2', params: [5, 'k1'] },
      { sql: 'UPDATE "teams" SET "spend" = "spend" - $1 WHERE "team_id" = $2', params: [40, 'k3'] },
      { sql: 'UPDATE "teams" SET "spend" = "spend" + $1 WHERE "team_id" = $2', params: [7, 'k3'] },
    ]);
  });

  describe('on a real SQLite table, flushes from several writers in any order', () => {
    function counterAfter(flushes: SqlStatement[][]): { spend: number; reset: number } {
      const db = new Database(':memory:');
      db.exec(
        'CREATE TABLE "keys" ("token" TEXT PRIMARY KEY, "spend" INTEGER, "budget_reset_at" INTEGER)',
      );
      // Period 1 ends at DAY; the database has 30 of its 50 so far (20 not flushed yet).
      db.prepare('INSERT INTO "keys" VALUES (?, ?, ?)').run('k', 30, DAY);
      for (const flush of flushes) for (const s of flush) db.prepare(s.sql).run(...s.params);
      const row = db.prepare('SELECT "spend", "budget_reset_at" AS reset FROM "keys"').get() as {
        spend: number;
        reset: number;
      };
      db.close();
      return row;
    }
    const statements = (delta: CounterDelta): SqlStatement[] =>
      KeysRepository.spendStatements([delta], 'sqlite');
    // Writer A: the reset (the ledger had 50 committed in period 1) and 3 spent after it.
    const a = statements({
      id: 'k',
      deltaNanos: 3,
      reset: { nextResetAt: new Date(2 * DAY), endedNanos: 50 },
    });
    // Writer B: the 20 of period 1 not flushed yet, and 4 more spent in period 2.
    const b = statements({ id: 'k', deltaNanos: 24, reset: null });

    it('leave the counter at the new period’s spend whichever lands first', () => {
      expect(counterAfter([a, b])).toEqual({ spend: 7, reset: 2 * DAY });
      expect(counterAfter([b, a])).toEqual({ spend: 7, reset: 2 * DAY });
    });

    it('apply a reset replayed after a crash once (the reset date has moved on)', () => {
      expect(counterAfter([a, b, a.slice(0, 1)])).toEqual({ spend: 7, reset: 2 * DAY });
    });
  });
});
