import type {
  ClaimOnboardingRequest,
  ClaimOnboardingResponse,
  OnboardingTokenResponse,
} from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import { SessionsService, type NewSession } from '../auth/sessions.service';
import { AppError } from '../common/errors/app-error';
import { InvitationsService } from './invitations.service';
import { OnboardingTokens } from './onboarding-token';

const BEARER = /^Bearer +(\S+)$/i;

/**
 * The invited user's side: trade a usable invitation for a 15-minute onboarding token, then
 * trade the token (and a password) for a console session, once.
 */
@Injectable()
export class OnboardingService {
  constructor(
    private readonly invitations: InvitationsService,
    private readonly tokens: OnboardingTokens,
    private readonly sessions: SessionsService,
  ) {}

  async getToken(invitationId: string): Promise<OnboardingTokenResponse> {
    const { invitation, user } = await this.invitations.findUsable(invitationId);
    const { token } = this.tokens.sign(invitation.id, user.userId);
    return { token, user_id: user.userId, user_email: user.email ?? '' };
  }

  /**
   * The token is checked before anything else is looked at (401 for a missing, forged or
   * expired one, or one minted for another invitation or user); then the invitation rules.
   */
  async claim(
    authorization: string | undefined,
    request: ClaimOnboardingRequest,
  ): Promise<{ session: NewSession; body: ClaimOnboardingResponse }> {
    const match = BEARER.exec((authorization ?? '').trim());
    if (!match) {
      throw AppError.unauthorized(
        'Authorization: Bearer <token from /onboarding/get_token> is required',
      );
    }
    const claims = this.tokens.verify(match[1]);
    if (claims.invitationId !== request.invitation_link || claims.userId !== request.user_id) {
      throw AppError.unauthorized('This onboarding token was issued for another invitation');
    }
    const user = await this.invitations.accept(
      request.invitation_link,
      request.user_id,
      request.password,
    );
    const session = await this.sessions.create(user.userId, false);
    return {
      session,
      body: { user_id: user.userId, user_email: user.email, user_role: user.role },
    };
  }
}
