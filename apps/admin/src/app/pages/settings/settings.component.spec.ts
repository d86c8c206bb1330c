import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import type { Role } from '@gatehouse/shared/auth';
import type { SettingsResponse } from '@gatehouse/shared/dto';
import { SessionService } from '../../data-access/session.service';
import { aMe } from '../../../testing/factories';
import { SettingsComponent } from './settings.component';

function settings(overrides: Partial<SettingsResponse> = {}): SettingsResponse {
  return {
    version: '0.1.0',
    base_url: 'https://gatehouse.example.com',
    logout_url: '/ui/login',
    database: { kind: 'postgres' },
    redis: { enabled: true, failure_mode: 'open' },
    smtp: { enabled: true, host: 'smtp.example.com', port: 587, sender_email: 'gh@example.com' },
    sso: { enabled: false, issuer: null, password_login: 'enabled' },
    ...overrides,
  };
}

describe('SettingsComponent', () => {
  let fixture: ComponentFixture<SettingsComponent>;
  let http: HttpTestingController;
  let root: HTMLElement;

  async function render(role: Role, answer: SettingsResponse = settings()): Promise<void> {
    TestBed.configureTestingModule({
      imports: [SettingsComponent],
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    TestBed.inject(SessionService).me.set(aMe(role));
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(SettingsComponent);
    root = fixture.nativeElement as HTMLElement;
    http.expectOne('/settings').flush(answer);
    await settle();
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    fixture.detectChanges();
    await fixture.whenStable();
  }

  const value = (id: string) => root.querySelector(`[data-testid="${id}"]`)?.textContent?.trim();
  const sendButton = () =>
    Array.from(root.querySelectorAll('button')).find((b) =>
      b.textContent?.includes('Send a test email'),
    );

  afterEach(() => http.verify());

  it('shows the effective configuration in words', async () => {
    await render('proxy_admin_viewer');
    expect(value('setting-base-url')).toBe('https://gatehouse.example.com');
    expect(value('setting-database')).toBe('PostgreSQL');
    expect(value('setting-redis')).toBe('On (when down: fail open)');
    expect(value('setting-smtp')).toBe('On — smtp.example.com:587, from gh@example.com');
    expect(value('setting-sso')).toBe('Off');
    expect(value('setting-version')).toBe('0.1.0');
    // A viewer reads, and may not send.
    expect(sendButton()).toBeUndefined();
  });

  it('lets an admin send a test email and shows where it went, or why not', async () => {
    await render('proxy_admin');
    sendButton()?.click();
    http
      .expectOne((r) => r.url === '/settings/test-email' && r.method === 'POST')
      .flush({ message: 'Sent a test email to a@example.com', sent_to: 'a@example.com' });
    await settle();
    expect(value('test-email-sent')).toBe('Sent a test email to a@example.com');
    sendButton()?.click();
    http.expectOne('/settings/test-email').flush(
      {
        error: { message: 'The SMTP server did not accept the test email', code: 'smtp_failed' },
      },
      { status: 502, statusText: 'Bad Gateway' },
    );
    await settle();
    expect(value('test-email-error')).toBe('The SMTP server did not accept the test email');
    expect(root.querySelector('[data-testid="test-email-error"]')?.getAttribute('role')).toBe(
      'alert',
    );
  });

  it('says SMTP is off instead of offering the button', async () => {
    await render(
      'proxy_admin',
      settings({ smtp: { enabled: false, host: null, port: null, sender_email: null } }),
    );
    expect(value('smtp-off')).toContain('SMTP is off');
    expect(sendButton()).toBeUndefined();
  });
});
