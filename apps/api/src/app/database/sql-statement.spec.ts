import { KeysRepository } from '../keys/keys.repository';
import { TeamsRepository } from '../teams/teams.repository';
import { UsersRepository } from '../users/users.repository';

describe("each owner's spend counter statements", () => {
  const deltas = [
    { id: 'k1', deltaNanos: 5, reset: null },
    { id: 'k2', deltaNanos: 0, reset: null },
    { id: 'k3', deltaNanos: 7, reset: { nextResetAt: new Date(86_400_000) } },
  ];

  it('add to the counter, or restart it (and move the reset date) after a reset', () => {
    expect(KeysRepository.spendStatements(deltas, 'sqlite')).toEqual([
      { sql: 'UPDATE "keys" SET "spend" = "spend" + ? WHERE "token" = ?', params: [5, 'k1'] },
      {
        sql: 'UPDATE "keys" SET "spend" = ?, "budget_reset_at" = ? WHERE "token" = ?',
        params: [7, 86_400_000, 'k3'],
      },
    ]);
    expect(UsersRepository.spendStatements(deltas, 'postgres')[1]).toEqual({
      sql: 'UPDATE "users" SET "spend" = $1, "budget_reset_at" = $2 WHERE "user_id" = $3',
      params: [7, 86_400_000, 'k3'],
    });
  });

  it('teams have no budget period: a reset only restarts the counter', () => {
    expect(TeamsRepository.spendStatements(deltas, 'postgres')).toEqual([
      { sql: 'UPDATE "teams" SET "spend" = "spend" + $1 WHERE "team_id" = $2', params: [5, 'k1'] },
      { sql: 'UPDATE "teams" SET "spend" = $1 WHERE "team_id" = $2', params: [7, 'k3'] },
    ]);
  });
});
