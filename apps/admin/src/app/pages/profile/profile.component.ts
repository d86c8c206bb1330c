import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import {
  FormBuilder,
  ReactiveFormsModule,
  Validators,
  type AbstractControl,
  type ValidationErrors,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { ROLE_DESCRIPTIONS, type Permission } from '@gatehouse/shared/auth';
import type { MeResponse } from '@gatehouse/shared/dto';
import { apiErrorMessage } from '../../data-access/api-error';
import { SessionService } from '../../data-access/session.service';
import { UsersService } from '../../data-access/users.service';
import { ROLE_TITLES } from '../../core/role-labels';
import { FormSubmission } from '../../shared/form-submission';
import { PERMISSION_LABELS } from './permission-labels';

/** The API's password policy (PASSWORD_MIN_LENGTH / _MAX_LENGTH of shared/dto, whose index
 *  would pull class-validator into the console bundle). */
const PASSWORD_MIN_LENGTH = 8;
const PASSWORD_MAX_LENGTH = 256;

function samePasswords(group: AbstractControl): ValidationErrors | null {
  const { password, confirm } = group.value as { password: string; confirm: string };
  return password === confirm ? null : { mismatch: true };
}

/** What a refused change says: throttled in plain words, else the API's own message. */
export function passwordChangeMessage(error: unknown): string {
  if (error instanceof HttpErrorResponse && error.status === 429) {
    const seconds = Number(error.headers.get('retry-after'));
    const wait =
      Number.isFinite(seconds) && seconds > 0
        ? `in ${seconds < 120 ? `${Math.ceil(seconds)} seconds` : `${Math.ceil(seconds / 60)} minutes`}`
        : 'later';
    return `Too many wrong current passwords. Try again ${wait}.`;
  }
  return apiErrorMessage(error);
}

/** `/ui/profile`: who I am, what my role allows, and changing my own password. */
@Component({
  selector: 'gh-profile',
  imports: [
    ReactiveFormsModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatButtonModule,
    MatProgressBarModule,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      gap: 16px;
      padding: 16px;
      max-width: 720px;
    }
    dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 4px 16px;
    }
    dt {
      font-weight: 500;
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    form {
      display: flex;
      flex-direction: column;
      gap: 4px;
      max-width: 420px;
    }
  `,
  templateUrl: './profile.component.html',
})
export class ProfileComponent {
  private readonly session = inject(SessionService);
  private readonly users = inject(UsersService);
  protected readonly minLength = PASSWORD_MIN_LENGTH;
  protected readonly me = computed<MeResponse | null>(() => this.session.me());
  protected readonly roleLabel = computed(() => {
    const me = this.me();
    return me ? ROLE_TITLES[me.user_role] : '';
  });
  protected readonly roleDescription = computed(() => {
    const me = this.me();
    return me ? ROLE_DESCRIPTIONS[me.user_role] : '';
  });
  /** The permissions `/me` grants, in the order of the shared map, in plain words. */
  protected readonly permissionLines = computed(() =>
    (this.me()?.permissions ?? []).map((p: Permission) => PERMISSION_LABELS[p] ?? p),
  );
  /** The master-key admin has no user row to change; SSO-only users have no password. */
  protected readonly canChangePassword = computed(() => {
    const me = this.me();
    return me !== null && me.auth === 'session' && me.has_password;
  });
  protected readonly noPasswordReason = computed(() =>
    this.me()?.auth === 'session'
      ? 'You sign in through single sign-on; your password is managed by your identity provider.'
      : 'This sign-in has no password to change here (master key or virtual key).',
  );
  protected readonly submission = new FormSubmission();
  protected readonly done = signal(false);
  protected readonly form = inject(FormBuilder).nonNullable.group(
    {
      current_password: ['', [Validators.required, Validators.maxLength(PASSWORD_MAX_LENGTH)]],
      password: [
        '',
        [
          Validators.required,
          Validators.minLength(PASSWORD_MIN_LENGTH),
          Validators.maxLength(PASSWORD_MAX_LENGTH),
        ],
      ],
      confirm: ['', Validators.required],
    },
    { validators: samePasswords },
  );

  protected submit(): Promise<void> {
    this.done.set(false);
    return this.submission.submit(
      this.form,
      () =>
        this.form.hasError('mismatch')
          ? 'The new passwords do not match.'
          : `Enter your current password and a new one of at least ${PASSWORD_MIN_LENGTH} characters.`,
      async () => {
        const me = this.me();
        if (!me) return;
        const { current_password, password } = this.form.getRawValue();
        try {
          await this.users.update({ user_id: me.user_id, password, current_password });
        } catch (error) {
          this.showOnField(error);
          throw error;
        }
        this.form.reset();
        this.done.set(true);
      },
      passwordChangeMessage,
    );
  }

  /** A refusal naming `current_password` or `password` is shown next to that field too. */
  private showOnField(error: unknown): void {
    if (!(error instanceof HttpErrorResponse)) return;
    const param = (error.error as { error?: { param?: unknown } } | null)?.error?.param;
    if (param !== 'current_password' && param !== 'password') return;
    const control = this.form.controls[param];
    control.setErrors({ ...control.errors, api: apiErrorMessage(error) });
    control.markAsTouched();
  }
}
