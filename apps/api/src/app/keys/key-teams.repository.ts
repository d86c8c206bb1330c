import type { TeamRole } from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { TeamEntity, TeamMemberEntity } from '../teams/team.entity';
import { Transactions } from '../database/transactions';

/**
 * The keys module's read-only view of `teams` and `team_members` (no import of TeamsModule:
 * teams must not depend on keys, and keys only reads). Values always go in as parameters.
 */
@Injectable()
export class KeyTeamsRepository {
  constructor(private readonly transactions: Transactions) {}

  private get teams(): Repository<TeamEntity> {
    return this.transactions.repository(TeamEntity);
  }

  private get members(): Repository<TeamMemberEntity> {
    return this.transactions.repository(TeamMemberEntity);
  }

  findTeam(teamId: string): Promise<TeamEntity | null> {
    return this.teams.findOneBy({ teamId });
  }

  /** The user's role in the team, or null when they are not a member. */
  async memberRole(teamId: string, userId: string): Promise<TeamRole | null> {
    const row = await this.members.findOneBy({ teamId, userId });
    return row?.role ?? null;
  }
}
