import { HttpErrorResponse } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
  signal,
  type OnInit,
} from '@angular/core';
import { FormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { isSsoErrorCode, SSO_ERROR_MESSAGES } from '@gatehouse/shared/auth';
import type { SsoConfigResponse } from '@gatehouse/shared/dto';
import { IdentityService } from '../../data-access/identity.service';
import { apiErrorMessage } from '../../data-access/api-error';
import { SessionService } from '../../data-access/session.service';
import { FormSubmission } from '../../shared/form-submission';

@Component({
  selector: 'gh-login',
  imports: [
    ReactiveFormsModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatButtonModule,
    MatProgressBarModule,
    RouterLink,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styles: `
    :host {
      display: grid;
      place-items: center;
      min-height: 100vh;
      padding: 16px;
      box-sizing: border-box;
    }
    mat-card {
      width: min(420px, 100%);
    }
    .sso {
      display: flex;
      flex-direction: column;
      gap: 8px;
      margin-top: 16px;
    }
    .forgot {
      margin: 0;
      text-align: right;
    }
    form {
      display: flex;
      flex-direction: column;
      gap: 4px;
      margin-top: 16px;
    }
  `,
  template: `
    <mat-card appearance="outlined">
      <mat-card-header>
        <mat-card-title><h1>Sign in to Gatehouse</h1></mat-card-title>
      </mat-card-header>
      <mat-card-content>
        @if (ssoMessage(); as message) {
          <p class="warning" role="alert" data-testid="sso-error">{{ message }}</p>
        }
        @if (sso(); as config) {
          @if (config.enabled && config.login_url) {
            <div class="sso">
              <a mat-flat-button [href]="config.login_url" data-testid="sso-login">
                Sign in with {{ config.display_name }}
              </a>
            </div>
          }
        }
        <form [formGroup]="form" (ngSubmit)="submit()">
          <mat-form-field>
            <mat-label>Email</mat-label>
            <input matInput formControlName="username" autocomplete="username" required />
            <mat-hint>Admins: <code>admin</code> with the master key as password</mat-hint>
          </mat-form-field>
          <mat-form-field>
            <mat-label>Password</mat-label>
            <input
              matInput
              type="password"
              formControlName="password"
              autocomplete="current-password"
              required
            />
          </mat-form-field>
          <p class="forgot">
            <a routerLink="/forgot-password" data-testid="forgot-password">Forgot password?</a>
          </p>
          @if (submission.error(); as error) {
            <p class="warning" role="alert" data-testid="login-error">{{ error }}</p>
          }
          @if (submission.busy()) {
            <mat-progress-bar mode="indeterminate" aria-label="Signing in" />
          }
          <button mat-flat-button type="submit" [disabled]="submission.busy()">Sign in</button>
        </form>
      </mat-card-content>
    </mat-card>
  `,
})
export class LoginComponent implements OnInit {
  private readonly session = inject(SessionService);
  private readonly identity = inject(IdentityService);
  private readonly router = inject(Router);
  readonly returnUrl = input<string>();
  /** `?sso_error=` from a failed single sign-on (the API redirects here with a code). */
  readonly sso_error = input<string>();
  /** What `GET /sso/config` said; null until it answered (or when it failed: no button). */
  protected readonly sso = signal<SsoConfigResponse | null>(null);
  /** Only known codes are shown, in the console's words: a URL cannot put text on the page. */
  protected readonly ssoMessage = computed(() => {
    const code = this.sso_error();
    if (!code) return null;
    return isSsoErrorCode(code)
      ? SSO_ERROR_MESSAGES[code]
      : 'Single sign-on failed. Please try again.';
  });
  protected readonly submission = new FormSubmission();
  protected readonly form = inject(FormBuilder).nonNullable.group({
    username: ['', Validators.required],
    password: ['', Validators.required],
  });

  ngOnInit(): void {
    this.identity.ssoConfig().then(
      (config) => this.sso.set(config),
      () => this.sso.set(null),
    );
  }

  protected submit(): Promise<void> {
    return this.submission.submit(
      this.form,
      'Enter your email and password.',
      async () => {
        await this.session.login(this.form.getRawValue());
        const target = this.returnUrl();
        await this.router.navigateByUrl(
          target?.startsWith('/') && !target.startsWith('//') ? target : '/',
        );
      },
      // The API's own words ("Invalid email or password"), never a guess about which was wrong.
      (error) =>
        error instanceof HttpErrorResponse && error.status === 429
          ? `Too many attempts. ${apiErrorMessage(error)}`
          : apiErrorMessage(error),
    );
  }
}
