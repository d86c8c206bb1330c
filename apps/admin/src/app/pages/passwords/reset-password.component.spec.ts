import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { ForgotPasswordComponent } from './forgot-password.component';
import { ResetPasswordComponent } from './reset-password.component';

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

describe('ResetPasswordComponent (issue 13)', () => {
  let fixture: ComponentFixture<ResetPasswordComponent>;
  let http: HttpTestingController;
  let root: HTMLElement;

  async function render(token?: string): Promise<void> {
    TestBed.configureTestingModule({
      imports: [ResetPasswordComponent],
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ResetPasswordComponent);
    if (token) fixture.componentRef.setInput('token', token);
    root = fixture.nativeElement as HTMLElement;
    fixture.detectChanges();
    await settle(fixture);
  }

  afterEach(() => http.verify());

  it('posts the token and the new password, then says it is done', async () => {
    await render('tok-123');
    type(root, 'password', 'a-new-password');
    type(root, 'confirm', 'a-new-password');
    root.querySelector('form')?.dispatchEvent(new Event('submit'));
    const request = http.expectOne('/password/reset');
    expect(request.request.method).toBe('POST');
    expect(request.request.body).toEqual({ token: 'tok-123', password: 'a-new-password' });
    request.flush({ message: 'Your password has been changed.' });
    await settle(fixture);
    expect(byTestId(root, 'reset-done')?.textContent?.trim()).toBe(
      'Your password has been changed.',
    );
  });

  it('sends nothing when the passwords differ or are too short', async () => {
    await render('tok-123');
    type(root, 'password', 'a-new-password');
    type(root, 'confirm', 'another-one');
    root.querySelector('form')?.dispatchEvent(new Event('submit'));
    await settle(fixture);
    expect(byTestId(root, 'reset-error')?.textContent?.trim()).toBe('The passwords do not match.');
    type(root, 'password', 'short');
    type(root, 'confirm', 'short');
    root.querySelector('form')?.dispatchEvent(new Event('submit'));
    await settle(fixture);
    http.expectNone('/password/reset');
  });

  it("shows the API's answer for a bad, used or expired token", async () => {
    await render('used-token');
    type(root, 'password', 'a-new-password');
    type(root, 'confirm', 'a-new-password');
    root.querySelector('form')?.dispatchEvent(new Event('submit'));
    http.expectOne('/password/reset').flush(
      {
        error: {
          message: 'This password reset link is invalid or has expired',
          type: 'invalid_request_error',
          param: 'token',
          code: 'invalid_reset_token',
        },
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle(fixture);
    expect(byTestId(root, 'reset-error')?.textContent?.trim()).toBe(
      'This password reset link is invalid or has expired',
    );
  });

  it('without a token: no form, a way to ask for a new link', async () => {
    await render();
    expect(root.querySelector('form')).toBeNull();
    expect(byTestId(root, 'reset-error')).not.toBeNull();
  });
});

describe('ForgotPasswordComponent (issue 13)', () => {
  it("posts the email and shows the API's one answer", async () => {
    TestBed.configureTestingModule({
      imports: [ForgotPasswordComponent],
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(ForgotPasswordComponent);
    const root = fixture.nativeElement as HTMLElement;
    fixture.detectChanges();
    type(root, 'email', 'ann@example.com');
    root.querySelector('form')?.dispatchEvent(new Event('submit'));
    const request = http.expectOne('/password/forgot');
    expect(request.request.body).toEqual({ email: 'ann@example.com' });
    request.flush({ message: 'If an account with this email may sign in with a password, …' });
    await settle(fixture);
    expect(byTestId(root, 'forgot-sent')?.textContent).toContain('If an account');
    http.verify();
  });
});
