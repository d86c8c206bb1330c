import { hasPermission } from '@gatehouse/shared/auth';
import type {
  DeleteTeamsRequest,
  DeleteTeamsResponse,
  NewTeamRequest,
  TeamMemberAddRequest,
  TeamMemberDeleteRequest,
  TeamMemberRequest,
  TeamResponse,
  TeamRole,
  UpdateTeamRequest,
} from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { changedValues } from '../audit/audit-diff';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/auth/principal';
import { AppError } from '../common/errors/app-error';
import { TeamEvents } from '../common/events/team-events';
import { Clock } from '../common/time/clock';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { TeamEntity, TeamMemberEntity } from './team.entity';
import { TeamsRepository, type MemberRow, type MemberUser } from './teams.repository';

export function toTeamResponse(team: TeamEntity, members: MemberRow[]): TeamResponse {
  return {
    team_id: team.teamId,
    team_alias: team.alias,
    members_with_roles: members
      .filter((m) => m.teamId === team.teamId)
      .map((m) => ({ user_id: m.userId, user_email: m.email, role: m.role })),
    models: team.models,
    max_budget: team.maxBudget,
    spend: team.spend,
    tpm_limit: team.tpmLimit,
    rpm_limit: team.rpmLimit,
    blocked: team.blocked,
    created_at: team.createdAt.toISOString(),
    updated_at: team.updatedAt.toISOString(),
  };
}

interface ResolvedMember {
  user: MemberUser;
  role: TeamRole;
}

@Injectable()
export class TeamsService {
  constructor(
    private readonly teams: TeamsRepository,
    private readonly clock: Clock,
    private readonly events: TeamEvents,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  /**
   * The one visibility rule for teams: callers with `team.read.any` see every team; the
   * others only the teams they are members of, and any other id answers 404 like an unknown.
   */
  async findVisible(principal: Principal, teamId: string): Promise<TeamEntity> {
    if (
      !hasPermission(principal.role, 'team.read.any') &&
      !(await this.teams.isMember(teamId, principal.userId))
    ) {
      throw AppError.notFound('Team', 'team_id');
    }
    return this.findOrFail(teamId);
  }

  async create(principal: Principal, request: NewTeamRequest): Promise<TeamResponse> {
    const teamId = request.team_id ?? randomUUID();
    if (request.team_id && (await this.teams.findById(teamId))) {
      throw AppError.conflict(`A team with id ${teamId} already exists`, 'team_id');
    }
    const resolved = await this.resolveMembers(
      request.members_with_roles ?? [],
      'members_with_roles',
    );
    // One membership per user: the last mention wins.
    const unique = new Map(resolved.map((m) => [m.user.userId, m]));
    const now = this.clock.now();
    const team = Object.assign(new TeamEntity(), {
      teamId,
      alias: request.team_alias ?? null,
      models: request.models ?? [],
      maxBudget: request.max_budget ?? null,
      spend: 0,
      tpmLimit: request.tpm_limit ?? null,
      rpmLimit: request.rpm_limit ?? null,
      blocked: request.blocked ?? false,
      createdAt: now,
      createdBy: principal.userId,
      updatedAt: now,
      updatedBy: principal.userId,
    } satisfies TeamEntity);
    await this.transactions.run(async () => {
      try {
        await this.teams.insertWithMembers(
          team,
          [...unique.values()].map((m) => this.membership(teamId, m.user.userId, m.role, now)),
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw AppError.conflict(`A team with id ${teamId} already exists`, 'team_id');
        throw error;
      }
      await this.audit.record({
        action: 'created',
        table_name: 'team',
        object_id: teamId,
        updated_values: await this.audited(team),
      });
    });
    return this.respond(team);
  }

  async info(principal: Principal, teamId: string): Promise<TeamResponse> {
    return this.respond(await this.findVisible(principal, teamId));
  }

  /** Admins (and admin viewers) see every team; everybody else the teams they are in. */
  async list(principal: Principal): Promise<TeamResponse[]> {
    const teams = hasPermission(principal.role, 'team.read.any')
      ? await this.teams.listAll()
      : await this.teams.listForUser(principal.userId);
    const members = await this.teams.membersOf(teams.map((t) => t.teamId));
    return teams.map((t) => toTeamResponse(t, members));
  }

  async update(principal: Principal, request: UpdateTeamRequest): Promise<TeamResponse> {
    const team = await this.findOrFail(request.team_id);
    const before = await this.audited(team);
    if (request.team_alias !== undefined) team.alias = request.team_alias;
    if (request.models !== undefined) team.models = request.models;
    if (request.max_budget !== undefined) team.maxBudget = request.max_budget;
    if (request.tpm_limit !== undefined) team.tpmLimit = request.tpm_limit;
    if (request.rpm_limit !== undefined) team.rpmLimit = request.rpm_limit;
    if (request.blocked !== undefined) team.blocked = request.blocked;
    team.updatedAt = this.clock.now();
    team.updatedBy = principal.userId;
    await this.transactions.run(async () => {
      await this.teams.save(team);
      await this.audit.record({
        action: 'updated',
        table_name: 'team',
        object_id: team.teamId,
        ...changedValues(before, await this.audited(team)),
      });
    });
    await this.events.publish({
      type: 'team.updated',
      teamId: team.teamId,
      actorId: principal.userId,
    });
    return this.respond(team);
  }

  /**
   * All or nothing: an unknown id answers 404 naming it and deletes nothing. The keys module
   * hears `team.deleted` and archives the teams' keys.
   */
  async delete(principal: Principal, request: DeleteTeamsRequest): Promise<DeleteTeamsResponse> {
    const ids = [...new Set(request.team_ids)];
    await this.assertExist(ids, 'team_ids');
    const teams = await this.teams.findByIds(ids);
    await this.transactions.run(async () => {
      const before = await Promise.all(teams.map((team) => this.audited(team)));
      await this.teams.deleteByIds(ids);
      for (const [i, team] of teams.entries()) {
        await this.audit.record({
          action: 'deleted',
          table_name: 'team',
          object_id: team.teamId,
          before_value: before[i],
        });
      }
    });
    await this.events.publish({ type: 'team.deleted', teamIds: ids, actorId: principal.userId });
    return { deleted_team_ids: ids };
  }

  async addMembers(principal: Principal, request: TeamMemberAddRequest): Promise<TeamResponse> {
    const team = await this.findOrFail(request.team_id);
    const resolved = await this.resolveMembers(request.member, 'member');
    const current = new Set((await this.teams.membersOf([team.teamId])).map((m) => m.userId));
    const seen = new Set<string>();
    for (const { user } of resolved) {
      if (current.has(user.userId) || seen.has(user.userId)) {
        throw AppError.conflict(
          `User ${user.userId} is already a member of team ${team.teamId}`,
          'member',
        );
      }
      seen.add(user.userId);
    }
    const now = this.clock.now();
    await this.transactions.run(async () => {
      try {
        await this.teams.addMembers(
          resolved.map((m) => this.membership(team.teamId, m.user.userId, m.role, now)),
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw AppError.conflict('A member is already in this team', 'member');
        throw error;
      }
      await this.touch(team, principal);
      await this.audit.record({
        action: 'member_added',
        table_name: 'team',
        object_id: team.teamId,
        updated_values: {
          members: resolved.map((m) => ({ user_id: m.user.userId, role: m.role })),
        },
      });
    });
    return this.respond(team);
  }

  async removeMember(
    principal: Principal,
    request: TeamMemberDeleteRequest,
  ): Promise<TeamResponse> {
    if (!request.user_id && !request.user_email) {
      throw AppError.badRequest('user_id or user_email is required', 'user_id');
    }
    const team = await this.findOrFail(request.team_id);
    const members = await this.teams.membersOf([team.teamId]);
    const email = request.user_email?.toLowerCase();
    const member = members.find((m) =>
      request.user_id ? m.userId === request.user_id : m.email === email,
    );
    if (!member) {
      throw AppError.notFound(
        `Member of team ${team.teamId}`,
        request.user_id ? 'user_id' : 'user_email',
      );
    }
    await this.transactions.run(async () => {
      await this.teams.removeMember(team.teamId, member.userId);
      await this.touch(team, principal);
      await this.audit.record({
        action: 'member_removed',
        table_name: 'team',
        object_id: team.teamId,
        before_value: { member: { user_id: member.userId, role: member.role } },
      });
    });
    await this.events.publish({
      type: 'team.member_removed',
      teamId: team.teamId,
      userId: member.userId,
      actorId: principal.userId,
    });
    return this.respond(team);
  }

  // ---- used by the users module ----

  /** 404 naming the unknown ids, if any. */
  async assertExist(teamIds: string[], param = 'teams'): Promise<void> {
    const ids = [...new Set(teamIds)];
    const found = new Set((await this.teams.findByIds(ids)).map((t) => t.teamId));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw AppError.notFound(`Team ${missing.join(', ')}`, param);
  }

  /** Adds one user to teams with the `user` role (a new user's `teams`). */
  async addUserToTeams(userId: string, teamIds: string[]): Promise<void> {
    const now = this.clock.now();
    await this.teams.addMembers(
      [...new Set(teamIds)].map((teamId) => this.membership(teamId, userId, 'user', now)),
    );
  }

  /**
   * Single sign-on's OIDC_TEAMS_CLAIM: the user's memberships become exactly the listed teams
   * that exist (unknown ids are ignored; a kept membership keeps its team role). Leaving a
   * team publishes `team.member_removed`, so the user's keys for it stop working.
   */
  async syncUserTeams(userId: string, teamIds: string[], actorId: string): Promise<void> {
    const wanted = new Set(
      (await this.teams.findByIds([...new Set(teamIds)])).map((t) => t.teamId),
    );
    const current = new Set((await this.teams.listForUser(userId)).map((t) => t.teamId));
    const now = this.clock.now();
    await this.teams.addMembers(
      [...wanted]
        .filter((teamId) => !current.has(teamId))
        .map((teamId) => this.membership(teamId, userId, 'user', now)),
    );
    for (const teamId of [...current].filter((id) => !wanted.has(id))) {
      await this.teams.removeMember(teamId, userId);
      await this.events.publish({ type: 'team.member_removed', teamId, userId, actorId });
    }
  }

  /** user id → team ids, for the `teams` field of user responses. */
  teamIdsOfUsers(userIds: string[]): Promise<Map<string, string[]>> {
    return this.teams.teamIdsOfUsers(userIds);
  }

  /** The teams a user is in, for GET /user/info. */
  async teamsOfUser(userId: string): Promise<TeamResponse[]> {
    const teams = await this.teams.listForUser(userId);
    const members = await this.teams.membersOf(teams.map((t) => t.teamId));
    return teams.map((t) => toTeamResponse(t, members));
  }

  removeUsers(userIds: string[]): Promise<void> {
    return this.teams.removeUsers(userIds);
  }

  // ---- helpers ----

  private async findOrFail(teamId: string): Promise<TeamEntity> {
    const team = await this.teams.findById(teamId);
    if (!team) throw AppError.notFound('Team', 'team_id');
    return team;
  }

  /** A team as its audit rows show it: its own fields and members (no spend). */
  private async audited(team: TeamEntity): Promise<Record<string, unknown>> {
    const { spend: _spend, ...own } = await this.respond(team);
    return own;
  }

  private async respond(team: TeamEntity): Promise<TeamResponse> {
    return toTeamResponse(team, await this.teams.membersOf([team.teamId]));
  }

  private async touch(team: TeamEntity, principal: Principal): Promise<void> {
    team.updatedAt = this.clock.now();
    team.updatedBy = principal.userId;
    await this.teams.save(team);
  }

  private membership(teamId: string, userId: string, role: TeamRole, now: Date): TeamMemberEntity {
    return Object.assign(new TeamMemberEntity(), { teamId, userId, role, createdAt: now });
  }

  /** Each member by user_id (preferred) or user_email; unknown users answer 404 naming them. */
  private async resolveMembers(
    members: TeamMemberRequest[],
    param: string,
  ): Promise<ResolvedMember[]> {
    for (const m of members) {
      if (!m.user_id && !m.user_email) {
        throw AppError.badRequest('each member needs a user_id or a user_email', param);
      }
    }
    const byId = new Map(
      (await this.teams.findUsersByIds(members.flatMap((m) => (m.user_id ? [m.user_id] : [])))).map(
        (u) => [u.userId, u],
      ),
    );
    const emails = members.flatMap((m) =>
      !m.user_id && m.user_email ? [m.user_email.toLowerCase()] : [],
    );
    const byEmail = new Map(
      (await this.teams.findUsersByEmails(emails)).map((u) => [u.email ?? '', u]),
    );
    return members.map((m) => {
      const user = m.user_id ? byId.get(m.user_id) : byEmail.get(m.user_email?.toLowerCase() ?? '');
      if (!user) throw AppError.notFound(`User ${m.user_id ?? m.user_email}`, param);
      return { user, role: m.role ?? 'user' };
    });
  }
}
