import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { SSO_ERROR_MESSAGES } from '@gatehouse/shared/auth';
import type { SsoConfigResponse } from '@gatehouse/shared/dto';
import { LoginComponent } from './login.component';

const SSO_ON: SsoConfigResponse = {
  enabled: true,
  display_name: 'Okta',
  login_url: '/sso/login',
  password_login: 'enabled',
};
const SSO_OFF: SsoConfigResponse = {
  enabled: false,
  display_name: null,
  login_url: null,
  password_login: 'enabled',
};

describe('LoginComponent (issue 13)', () => {
  let fixture: ComponentFixture<LoginComponent>;
  let http: HttpTestingController;
  let root: HTMLElement;

  async function render(config: SsoConfigResponse | 'error', ssoError?: string): Promise<void> {
    TestBed.configureTestingModule({
      imports: [LoginComponent],
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(LoginComponent);
    if (ssoError) fixture.componentRef.setInput('sso_error', ssoError);
    root = fixture.nativeElement as HTMLElement;
    fixture.detectChanges();
    const request = http.expectOne('/sso/config');
    if (config === 'error') request.flush(null, { status: 500, statusText: 'Server Error' });
    else request.flush(config);
    await new Promise((resolve) => setTimeout(resolve, 0));
    fixture.detectChanges();
    await fixture.whenStable();
  }

  const byTestId = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);

  afterEach(() => http.verify());

  it('shows "Sign in with <OIDC_DISPLAY_NAME>" linking to /sso/login when SSO is on', async () => {
    await render(SSO_ON);
    const button = byTestId('sso-login') as HTMLAnchorElement;
    expect(button.textContent?.trim()).toBe('Sign in with Okta');
    expect(button.getAttribute('href')).toBe('/sso/login');
  });

  it('shows no SSO button when SSO is off or /sso/config fails, and keeps the password form', async () => {
    await render(SSO_OFF);
    expect(byTestId('sso-login')).toBeNull();
    expect(root.querySelector('input[formcontrolname="password"]')).not.toBeNull();
    TestBed.resetTestingModule();
    await render('error');
    expect(byTestId('sso-login')).toBeNull();
  });

  it('links to the forgot-password page', async () => {
    await render(SSO_OFF);
    expect(byTestId('forgot-password')?.getAttribute('href')).toBe('/forgot-password');
  });

  it('explains a known sso_error in its own words, and never echoes an unknown one', async () => {
    await render(SSO_ON, 'domain_not_allowed');
    expect(byTestId('sso-error')?.textContent?.trim()).toBe(SSO_ERROR_MESSAGES.domain_not_allowed);
    TestBed.resetTestingModule();
    await render(SSO_ON, '<b>Call +1-555 to unlock</b>');
    const text = byTestId('sso-error')?.textContent ?? '';
    expect(text).not.toContain('555');
    expect(text.trim()).toBe('Single sign-on failed. Please try again.');
  });
});
