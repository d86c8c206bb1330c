import { HttpClient } from '@angular/common/http';
import { computed, inject, Injectable, signal } from '@angular/core';
import { hasPermission, isAdminRole, type Permission } from '@gatehouse/shared/auth';
import type {
  LoginRequest,
  LoginResponse,
  LogoutResponse,
  MeResponse,
} from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';

/** Who is signed in, read once from `GET /me`; every role-aware control asks `can()`. */
@Injectable({ providedIn: 'root' })
export class SessionService {
  private readonly http = inject(HttpClient);
  private loading: Promise<MeResponse | null> | null = null;

  readonly me = signal<MeResponse | null>(null);
  readonly role = computed(() => this.me()?.user_role ?? null);
  readonly isAdmin = computed(() => {
    const role = this.role();
    return role !== null && isAdminRole(role);
  });

  /** Role-aware checks read the shared role -> permission map (the API guards read it too). */
  can(permission: Permission): boolean {
    const role = this.role();
    return role !== null && hasPermission(role, permission);
  }

  /** Loads `/me` once; null when nobody is signed in. */
  ensureLoaded(): Promise<MeResponse | null> {
    if (this.me()) return Promise.resolve(this.me());
    this.loading ??= this.refresh();
    return this.loading;
  }

  async refresh(): Promise<MeResponse | null> {
    try {
      const me = await firstValueFrom(this.http.get<MeResponse>('/me'));
      this.me.set(me);
      return me;
    } catch {
      this.me.set(null);
      return null;
    } finally {
      this.loading = null;
    }
  }

  async login(request: LoginRequest): Promise<MeResponse | null> {
    await firstValueFrom(this.http.post<LoginResponse>('/login', request));
    return this.refresh();
  }

  /** Ends the session; answers where the browser should go next (PROXY_LOGOUT_URL). */
  async logout(): Promise<string> {
    try {
      const answer = await firstValueFrom(this.http.post<LogoutResponse>('/logout', {}));
      return answer.redirect_url;
    } finally {
      this.me.set(null);
    }
  }

  clear(): void {
    this.me.set(null);
  }
}
