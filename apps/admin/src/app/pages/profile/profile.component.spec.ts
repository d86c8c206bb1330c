import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { permissionsOf, type Role } from '@gatehouse/shared/auth';
import type { MeResponse } from '@gatehouse/shared/dto';
import { SessionService } from '../../data-access/session.service';
import { PERMISSION_LABELS } from './permission-labels';
import { ProfileComponent } from './profile.component';

async function settle(fixture: ComponentFixture<unknown>): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  fixture.detectChanges();
  await fixture.whenStable();
}

function type(root: HTMLElement, name: string, value: string): void {
  const input = root.querySelector<HTMLInputElement>(`input[formcontrolname="${name}"]`);
  if (!input) throw new Error(`no input ${name}`);
  input.value = value;
  input.dispatchEvent(new Event('input'));
}

const byTestId = (root: HTMLElement, id: string) =>
  root.querySelector<HTMLElement>(`[data-testid="${id}"]`);

const meOf = (role: Role, extra: Partial<MeResponse> = {}) => ({
  user_id: 'u-1',
  user_email: 'ada@example.test',
  user_role: role,
  auth: 'session' as const,
  permissions: permissionsOf(role),
  has_password: true,
  ...extra,
});

describe('ProfileComponent (issue 13)', () => {
  let fixture: ComponentFixture<ProfileComponent>;
  let http: HttpTestingController;
  let root: HTMLElement;

  async function render(me: ReturnType<typeof meOf>): Promise<void> {
    TestBed.configureTestingModule({
      imports: [ProfileComponent],
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    TestBed.inject(SessionService).me.set(me);
    fixture = TestBed.createComponent(ProfileComponent);
    root = fixture.nativeElement as HTMLElement;
    fixture.detectChanges();
    await settle(fixture);
  }

  function changePassword(current: string, next: string, confirm = next): void {
    type(root, 'current_password', current);
    type(root, 'password', next);
    type(root, 'confirm', confirm);
    root.querySelector('form')?.dispatchEvent(new Event('submit'));
  }

  afterEach(() => http.verify());

  it('shows who I am and every permission of my role in plain words', async () => {
    await render(meOf('internal_user_viewer'));
    expect(byTestId(root, 'profile-email')?.textContent?.trim()).toBe('ada@example.test');
    expect(byTestId(root, 'profile-user-id')?.textContent?.trim()).toBe('u-1');
    expect(byTestId(root, 'profile-role')?.textContent).toContain('Internal viewer');
    const lines = Array.from(root.querySelectorAll('[data-testid="profile-permissions"] li')).map(
      (li) => li.textContent?.trim(),
    );
    expect(lines).toEqual(permissionsOf('internal_user_viewer').map((p) => PERMISSION_LABELS[p]));
    expect(lines).toContain('See your own virtual keys');
    expect(lines).not.toContain('Create your own virtual keys');
  });

  it('changes my password with the current one, then says so', async () => {
    await render(meOf('internal_user'));
    changePassword('old-password-1', 'new-password-2');
    const request = http.expectOne('/user/update');
    expect(request.request.method).toBe('POST');
    expect(request.request.body).toEqual({
      user_id: 'u-1',
      password: 'new-password-2',
      current_password: 'old-password-1',
    });
    request.flush({ user_id: 'u-1' });
    await settle(fixture);
    expect(byTestId(root, 'password-changed')).not.toBeNull();
  });

  it('sends nothing when the new passwords differ or are too short', async () => {
    await render(meOf('internal_user'));
    changePassword('old-password-1', 'new-password-2', 'other-password-3');
    http.expectNone('/user/update');
    await settle(fixture);
    expect(byTestId(root, 'password-change-error')?.textContent).toContain('do not match');
    changePassword('old-password-1', 'short');
    http.expectNone('/user/update');
  });

  it('shows a refusal naming current_password next to that field', async () => {
    await render(meOf('internal_user'));
    changePassword('wrong-password', 'new-password-2');
    http.expectOne('/user/update').flush(
      {
        error: {
          message: 'current_password is incorrect',
          type: 'invalid_request_error',
          param: 'current_password',
          code: '400',
        },
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle(fixture);
    expect(byTestId(root, 'current-password-error')?.textContent?.trim()).toBe(
      'current_password is incorrect',
    );
    expect(byTestId(root, 'password-changed')).toBeNull();
  });

  it('shows the throttle (429) as a readable wait', async () => {
    await render(meOf('internal_user'));
    changePassword('wrong-password', 'new-password-2');
    http.expectOne('/user/update').flush(
      {
        error: {
          message: 'Too many failed logins; try again later',
          type: 'rate_limit_error',
          param: null,
          code: '429',
        },
      },
      { status: 429, statusText: 'Too Many Requests', headers: { 'Retry-After': '42' } },
    );
    await settle(fixture);
    expect(byTestId(root, 'password-change-error')?.textContent?.trim()).toBe(
      'Too many wrong current passwords. Try again in 42 seconds.',
    );
  });

  it('shows no password form to an SSO-only user (has_password: false)', async () => {
    await render(meOf('internal_user_viewer', { has_password: false }));
    expect(byTestId(root, 'password-form')).toBeNull();
    expect(byTestId(root, 'profile-no-password')?.textContent).toContain('single sign-on');
  });

  it('shows no password form to the master-key admin (no user row to change)', async () => {
    await render(meOf('proxy_admin', { auth: 'master_key', user_id: 'default_user_id' }));
    expect(byTestId(root, 'password-form')).toBeNull();
  });
});
