import { HttpClient, HttpHeaders } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type {
  ClaimOnboardingRequest,
  ClaimOnboardingResponse,
  InvitationResponse,
  OnboardingTokenResponse,
} from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';
import { params } from './http-params';

/**
 * `/invitation/*` (admins) and `/onboarding/*` (the invited user, before any session).
 * An invitation's `invitation_link` is the ready `<PROXY_BASE_URL>/ui/onboarding?id=` link.
 */
@Injectable({ providedIn: 'root' })
export class InvitationsService {
  private readonly http = inject(HttpClient);

  create(userId: string): Promise<InvitationResponse> {
    return firstValueFrom(
      this.http.post<InvitationResponse>('/invitation/new', { user_id: userId }),
    );
  }

  getToken(invitationId: string): Promise<OnboardingTokenResponse> {
    return firstValueFrom(
      this.http.get<OnboardingTokenResponse>('/onboarding/get_token', {
        params: params({ invite_link: invitationId }),
      }),
    );
  }

  claim(token: string, request: ClaimOnboardingRequest): Promise<ClaimOnboardingResponse> {
    return firstValueFrom(
      this.http.post<ClaimOnboardingResponse>('/onboarding/claim_token', request, {
        headers: new HttpHeaders({ Authorization: `Bearer ${token}` }),
      }),
    );
  }
}
