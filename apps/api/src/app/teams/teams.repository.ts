import type { TeamRole } from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import { In, Repository } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { TeamEntity, TeamMemberEntity } from './team.entity';
import { Transactions } from '../database/transactions';
import {
  spendCounterStatements,
  type CounterDelta,
  type SqlDialect,
  type SqlStatement,
} from '../database/sql-statement';

export interface MemberRow {
  teamId: string;
  userId: string;
  email: string | null;
  role: TeamRole;
}

export type MemberUser = Pick<UserEntity, 'userId' | 'email'>;

@Injectable()
export class TeamsRepository {
  /**
   * The statements that add a spend flush's deltas to the team `spend` counters, run by the
   * spend writer inside its flush transaction (static: the writer's transaction may run on its
   * own SQLite thread, so it takes statements, not this repository's connection). Teams have no budget period: the counter only grows (or restarts).
   */
  static spendStatements(deltas: CounterDelta[], dialect: SqlDialect): SqlStatement[] {
    return spendCounterStatements(
      { table: 'teams', idColumn: 'team_id', resetAtColumn: null },
      deltas,
      dialect,
    );
  }

  constructor(private readonly transactions: Transactions) {}

  private get teams(): Repository<TeamEntity> {
    return this.transactions.repository(TeamEntity);
  }

  private get members(): Repository<TeamMemberEntity> {
    return this.transactions.repository(TeamMemberEntity);
  }

  private get users(): Repository<UserEntity> {
    return this.transactions.repository(UserEntity);
  }

  findById(teamId: string): Promise<TeamEntity | null> {
    return this.teams.findOneBy({ teamId });
  }

  findByIds(teamIds: string[]): Promise<TeamEntity[]> {
    return teamIds.length === 0 ? Promise.resolve([]) : this.teams.findBy({ teamId: In(teamIds) });
  }

  listAll(): Promise<TeamEntity[]> {
    return this.teams.find({ order: { createdAt: 'ASC', teamId: 'ASC' } });
  }

  async listForUser(userId: string): Promise<TeamEntity[]> {
    const ids = (await this.members.find({ select: { teamId: true }, where: { userId } })).map(
      (m) => m.teamId,
    );
    if (ids.length === 0) return [];
    return this.teams.find({
      where: { teamId: In(ids) },
      order: { createdAt: 'ASC', teamId: 'ASC' },
    });
  }

  async isMember(teamId: string, userId: string): Promise<boolean> {
    return (await this.members.countBy({ teamId, userId })) > 0;
  }

  /** Members of the given teams with their current emails, oldest membership first. */
  async membersOf(teamIds: string[]): Promise<MemberRow[]> {
    if (teamIds.length === 0) return [];
    const rows = await this.members
      .createQueryBuilder('m')
      .leftJoin(UserEntity, 'u', 'u.user_id = m.user_id')
      .select([
        'm.team_id AS team_id',
        'm.user_id AS user_id',
        'm.role AS role',
        'u.user_email AS user_email',
      ])
      .where('m.team_id IN (:...teamIds)', { teamIds })
      .orderBy('m.created_at', 'ASC')
      .addOrderBy('m.user_id', 'ASC')
      .getRawMany<{
        team_id: string;
        user_id: string;
        role: TeamRole;
        user_email: string | null;
      }>();
    return rows.map((r) => ({
      teamId: r.team_id,
      userId: r.user_id,
      email: r.user_email,
      role: r.role,
    }));
  }

  /** user id → the ids of the teams they are in. */
  async teamIdsOfUsers(userIds: string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return result;
    const rows = await this.members.find({
      select: { teamId: true, userId: true },
      where: { userId: In(userIds) },
      order: { createdAt: 'ASC', teamId: 'ASC' },
    });
    for (const row of rows) result.get(row.userId)?.push(row.teamId);
    return result;
  }

  findUsersByIds(userIds: string[]): Promise<MemberUser[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return this.users.find({
      select: { userId: true, email: true },
      where: { userId: In(userIds) },
    });
  }

  findUsersByEmails(emails: string[]): Promise<MemberUser[]> {
    if (emails.length === 0) return Promise.resolve([]);
    return this.users.find({ select: { userId: true, email: true }, where: { email: In(emails) } });
  }

  /** A new team and its first members, together or not at all. */
  async insertWithMembers(team: TeamEntity, members: TeamMemberEntity[]): Promise<void> {
    await this.transactions.run(async (manager) => {
      await manager.insert(TeamEntity, team);
      if (members.length > 0) {
        await manager.insert(TeamMemberEntity, members);
      }
    });
  }

  save(team: TeamEntity): Promise<TeamEntity> {
    return this.teams.save(team);
  }

  async addMembers(members: TeamMemberEntity[]): Promise<void> {
    if (members.length === 0) return;
    await this.members.insert(members);
  }

  async removeMember(teamId: string, userId: string): Promise<void> {
    await this.members.delete({ teamId, userId });
  }

  /** Memberships go first (the foreign keys cascade too; this keeps it explicit). */
  async deleteByIds(teamIds: string[]): Promise<void> {
    await this.transactions.run(async (manager) => {
      await manager.delete(TeamMemberEntity, { teamId: In(teamIds) });
      await manager.delete(TeamEntity, { teamId: In(teamIds) });
    });
  }

  async removeUsers(userIds: string[]): Promise<void> {
    if (userIds.length > 0) await this.members.delete({ userId: In(userIds) });
  }
}
