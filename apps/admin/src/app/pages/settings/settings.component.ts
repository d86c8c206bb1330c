import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import type { SettingsResponse } from '@gatehouse/shared/dto';
import { apiErrorMessage } from '../../data-access/api-error';
import { SessionService } from '../../data-access/session.service';
import { SettingsService } from '../../data-access/settings.service';

const onOff = (on: boolean) => (on ? 'On' : 'Off');

/**
 * `/ui/settings` (admins and admin viewers): the server's effective configuration, read only
 * and without secrets, and a test email to oneself through the configured SMTP server.
 */
@Component({
  selector: 'gh-settings',
  imports: [MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './settings.component.html',
  styles: `
    dl {
      display: grid;
      grid-template-columns: minmax(140px, max-content) 1fr;
      gap: 8px 24px;
      max-width: 720px;
    }
    dt {
      font-weight: 500;
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    .email {
      margin-top: 24px;
    }
    .error {
      color: var(--mat-sys-error);
    }
  `,
})
export class SettingsComponent {
  private readonly api = inject(SettingsService);
  private readonly session = inject(SessionService);

  protected readonly settings = signal<SettingsResponse | null>(null);
  protected readonly loadError = signal<string | null>(null);
  protected readonly sending = signal(false);
  protected readonly sent = signal<string | null>(null);
  protected readonly sendError = signal<string | null>(null);
  protected readonly maySend = computed(
    () => this.session.me() !== null && this.session.can('settings.test_email'),
  );
  protected readonly rows = computed(() => {
    const s = this.settings();
    if (!s) return [];
    return [
      { label: 'Version', value: s.version, id: 'version' },
      { label: 'Base URL', value: s.base_url, id: 'base-url' },
      { label: 'Logout URL', value: s.logout_url, id: 'logout-url' },
      {
        label: 'Database',
        value: s.database.kind === 'postgres' ? 'PostgreSQL' : 'SQLite',
        id: 'database',
      },
      {
        label: 'Redis',
        value: s.redis.enabled ? `On (when down: fail ${s.redis.failure_mode ?? '—'})` : 'Off',
        id: 'redis',
      },
      {
        label: 'SMTP',
        value: s.smtp.enabled
          ? `On — ${s.smtp.host ?? ''}:${s.smtp.port ?? ''}, from ${s.smtp.sender_email ?? '—'}`
          : 'Off',
        id: 'smtp',
      },
      {
        label: 'Single sign-on',
        value: s.sso.enabled ? `${onOff(true)} — ${s.sso.issuer ?? ''}` : onOff(false),
        id: 'sso',
      },
      { label: 'Password login', value: s.sso.password_login, id: 'password-login' },
    ];
  });

  constructor() {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loadError.set(null);
    try {
      this.settings.set(await this.api.get());
    } catch (error) {
      this.loadError.set(apiErrorMessage(error));
    }
  }

  protected async sendTestEmail(): Promise<void> {
    this.sending.set(true);
    this.sent.set(null);
    this.sendError.set(null);
    try {
      this.sent.set((await this.api.testEmail()).message);
    } catch (error) {
      this.sendError.set(apiErrorMessage(error));
    } finally {
      this.sending.set(false);
    }
  }
}
