import {
  DeleteTeamsRequest,
  NewTeamRequest,
  TeamInfoQuery,
  TeamMemberAddRequest,
  TeamMemberDeleteRequest,
  UpdateTeamRequest,
  type DeleteTeamsResponse,
  type TeamResponse,
} from '@gatehouse/shared/dto';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { TeamsService } from './teams.service';

@ApiTags('teams')
@ApiBearerAuth()
@Controller('team')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Post('new')
  @HttpCode(200)
  @RequirePermission('team.create')
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: NewTeamRequest,
  ): Promise<TeamResponse> {
    return this.teams.create(principal, body);
  }

  @Get('info')
  @RequirePermission('team.read.member')
  info(
    @CurrentPrincipal() principal: Principal,
    @Query() query: TeamInfoQuery,
  ): Promise<TeamResponse> {
    return this.teams.info(principal, query.team_id);
  }

  @Get('list')
  @RequirePermission('team.read.member')
  list(@CurrentPrincipal() principal: Principal): Promise<TeamResponse[]> {
    return this.teams.list(principal);
  }

  @Post('update')
  @HttpCode(200)
  @RequirePermission('team.update')
  update(
    @CurrentPrincipal() principal: Principal,
    @Body() body: UpdateTeamRequest,
  ): Promise<TeamResponse> {
    return this.teams.update(principal, body);
  }

  @Post('delete')
  @HttpCode(200)
  @RequirePermission('team.delete')
  delete(
    @CurrentPrincipal() principal: Principal,
    @Body() body: DeleteTeamsRequest,
  ): Promise<DeleteTeamsResponse> {
    return this.teams.delete(principal, body);
  }

  @Post('member_add')
  @HttpCode(200)
  @RequirePermission('team.update')
  memberAdd(
    @CurrentPrincipal() principal: Principal,
    @Body() body: TeamMemberAddRequest,
  ): Promise<TeamResponse> {
    return this.teams.addMembers(principal, body);
  }

  @Post('member_delete')
  @HttpCode(200)
  @RequirePermission('team.update')
  memberDelete(
    @CurrentPrincipal() principal: Principal,
    @Body() body: TeamMemberDeleteRequest,
  ): Promise<TeamResponse> {
    return this.teams.removeMember(principal, body);
  }
}
