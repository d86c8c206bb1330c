import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type {
  ForgotPasswordRequest,
  PasswordMessageResponse,
  ResetPasswordRequest,
  SsoConfigResponse,
} from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';

/** The public identity routes: SSO settings for the login page, forgotten passwords. */
@Injectable({ providedIn: 'root' })
export class IdentityService {
  private readonly http = inject(HttpClient);

  ssoConfig(): Promise<SsoConfigResponse> {
    return firstValueFrom(this.http.get<SsoConfigResponse>('/sso/config'));
  }

  forgotPassword(request: ForgotPasswordRequest): Promise<PasswordMessageResponse> {
    return firstValueFrom(this.http.post<PasswordMessageResponse>('/password/forgot', request));
  }

  resetPassword(request: ResetPasswordRequest): Promise<PasswordMessageResponse> {
    return firstValueFrom(this.http.post<PasswordMessageResponse>('/password/reset', request));
  }
}
