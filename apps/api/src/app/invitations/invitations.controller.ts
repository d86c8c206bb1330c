import {
  DeleteInvitationRequest,
  InvitationInfoQuery,
  NewInvitationRequest,
  UpdateInvitationRequest,
  type InvitationResponse,
} from '@gatehouse/shared/dto';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { InvitationsService } from './invitations.service';

@ApiTags('invitations')
@ApiBearerAuth()
@Controller('invitation')
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post('new')
  @HttpCode(200)
  @RequirePermission('invitation.create')
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: NewInvitationRequest,
  ): Promise<InvitationResponse> {
    return this.invitations.create(principal, body);
  }

  @Get('info')
  @RequirePermission('invitation.read')
  info(@Query() query: InvitationInfoQuery): Promise<InvitationResponse> {
    return this.invitations.info(query.invitation_id);
  }

  @Post('update')
  @HttpCode(200)
  @RequirePermission('invitation.update')
  update(
    @CurrentPrincipal() principal: Principal,
    @Body() body: UpdateInvitationRequest,
  ): Promise<InvitationResponse> {
    return this.invitations.update(principal, body);
  }

  @Post('delete')
  @HttpCode(200)
  @RequirePermission('invitation.delete')
  delete(@Body() body: DeleteInvitationRequest): Promise<InvitationResponse> {
    return this.invitations.delete(body.invitation_id);
  }
}
