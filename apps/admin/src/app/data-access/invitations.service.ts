import { HttpClient, HttpHeaders } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { LoginResponse } from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';
import type { ClaimTokenRequest, InvitationResponse, OnboardingTokenResponse } from './api-types';
import { params } from './http-params';

/** `/invitation/*` (admins) and `/onboarding/*` (the invited user, before any session). */
@Injectable({ providedIn: 'root' })
export class InvitationsService {
  private readonly http = inject(HttpClient);

  create(userId: string): Promise<InvitationResponse> {
    return firstValueFrom(
      this.http.post<InvitationResponse>('/invitation/new', { user_id: userId }),
    );
  }

  /** The link to share: the API's own when it builds one, else this console's origin. */
  linkFor(invitation: InvitationResponse): string {
    return (
      invitation.invitation_link ??
      `${window.location.origin}/ui/onboarding?id=${encodeURIComponent(invitation.id)}`
    );
  }

  getToken(invitationId: string): Promise<OnboardingTokenResponse> {
    return firstValueFrom(
      this.http.get<OnboardingTokenResponse>('/onboarding/get_token', {
        params: params({ invite_link: invitationId }),
      }),
    );
  }

  claim(token: string, request: ClaimTokenRequest): Promise<LoginResponse> {
    return firstValueFrom(
      this.http.post<LoginResponse>('/onboarding/claim_token', request, {
        headers: new HttpHeaders({ Authorization: `Bearer ${token}` }),
      }),
    );
  }
}
