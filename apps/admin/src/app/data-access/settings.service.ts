import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { SettingsResponse, TestEmailResponse } from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';

/** `/settings`: the server's effective configuration (no secrets) and a test email. */
@Injectable({ providedIn: 'root' })
export class SettingsService {
  private readonly http = inject(HttpClient);

  get(): Promise<SettingsResponse> {
    return firstValueFrom(this.http.get<SettingsResponse>('/settings'));
  }

  testEmail(): Promise<TestEmailResponse> {
    return firstValueFrom(this.http.post<TestEmailResponse>('/settings/test-email', {}));
  }
}
