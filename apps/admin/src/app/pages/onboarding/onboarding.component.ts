import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
  type OnInit,
  signal,
} from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
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
import { Router } from '@angular/router';
import type { OnboardingTokenResponse } from '@gatehouse/shared/dto';
import { apiErrorMessage } from '../../data-access/api-error';
import { InvitationsService } from '../../data-access/invitations.service';
import { SessionService } from '../../data-access/session.service';
import { FormSubmission } from '../../shared/form-submission';
import { passwordHints, strengthLabel } from './password-strength';

function samePasswords(group: AbstractControl): ValidationErrors | null {
  const { password, confirm } = group.value as { password: string; confirm: string };
  return password === confirm ? null : { mismatch: true };
}

@Component({
  selector: 'gh-onboarding',
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
      display: grid;
      place-items: center;
      min-height: 100vh;
      padding: 16px;
      box-sizing: border-box;
    }
    mat-card {
      width: min(460px, 100%);
    }
    form {
      display: flex;
      flex-direction: column;
      gap: 4px;
      margin-top: 12px;
    }
    ul {
      margin: 0 0 12px;
      padding-left: 4px;
      list-style: none;
    }
    .ok {
      color: #1b7f3b;
    }
  `,
  template: `
    <mat-card appearance="outlined">
      <mat-card-header>
        <mat-card-title><h1>Welcome to Gatehouse</h1></mat-card-title>
      </mat-card-header>
      <mat-card-content>
        @if (loading()) {
          <p class="loading">Checking your invitation…</p>
          <mat-progress-bar mode="indeterminate" aria-label="Checking your invitation" />
        } @else if (invite(); as invite) {
          <p>
            Set a password for <strong data-testid="invited-email">{{ invite.user_email }}</strong>.
          </p>
          <form [formGroup]="form" (ngSubmit)="submit(invite)">
            <mat-form-field>
              <mat-label>Email</mat-label>
              <input matInput [value]="invite.user_email" readonly autocomplete="username" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>Password</mat-label>
              <input
                matInput
                type="password"
                formControlName="password"
                autocomplete="new-password"
                aria-describedby="password-hints"
                required
              />
              <mat-hint>Strength: {{ strength() }}</mat-hint>
            </mat-form-field>
            <ul id="password-hints" aria-label="Password hints">
              @for (hint of hints(); track hint.text) {
                <li [class.ok]="hint.ok">{{ hint.ok ? '✓' : '•' }} {{ hint.text }}</li>
              }
            </ul>
            <mat-form-field>
              <mat-label>Confirm password</mat-label>
              <input
                matInput
                type="password"
                formControlName="confirm"
                autocomplete="new-password"
                required
              />
            </mat-form-field>
            @if (form.hasError('mismatch') && form.controls.confirm.touched) {
              <p class="warning" role="alert">The passwords do not match.</p>
            }
            @if (submission.error(); as error) {
              <p class="warning" role="alert">{{ error }}</p>
            }
            <button mat-flat-button type="submit" [disabled]="submission.busy()">
              Set password and sign in
            </button>
          </form>
        } @else {
          <p class="warning" role="alert" data-testid="onboarding-error">
            {{ submission.error() }}
          </p>
          <p>Ask your admin for a new invitation link.</p>
        }
      </mat-card-content>
    </mat-card>
  `,
})
export class OnboardingComponent implements OnInit {
  private readonly invitations = inject(InvitationsService);
  private readonly session = inject(SessionService);
  private readonly router = inject(Router);
  /** `?id=` of the invitation link. */
  readonly id = input<string>();
  protected readonly loading = signal(true);
  protected readonly submission = new FormSubmission();
  protected readonly invite = signal<OnboardingTokenResponse | null>(null);
  protected readonly form = inject(FormBuilder).nonNullable.group(
    {
      password: ['', [Validators.required, Validators.minLength(8), Validators.maxLength(256)]],
      confirm: ['', Validators.required],
    },
    { validators: samePasswords },
  );
  private readonly password = toSignal(this.form.controls.password.valueChanges, {
    initialValue: '',
  });
  protected readonly hints = computed(() => passwordHints(this.password()));
  protected readonly strength = computed(() => strengthLabel(this.password()));

  constructor() {
    // A message about the last attempt goes away as soon as the user edits the form.
    this.form.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe(() => this.submission.error.set(null));
  }

  ngOnInit(): void {
    void this.checkInvitation();
  }

  private async checkInvitation(): Promise<void> {
    const id = this.id();
    if (!id) {
      this.submission.error.set('This invitation link is incomplete (no id).');
      this.loading.set(false);
      return;
    }
    try {
      this.invite.set(await this.invitations.getToken(id));
    } catch (error) {
      this.submission.error.set(apiErrorMessage(error));
    } finally {
      this.loading.set(false);
    }
  }

  protected submit(invite: OnboardingTokenResponse): Promise<void> {
    this.form.markAllAsTouched();
    return this.submission.submit(
      this.form,
      () =>
        this.form.hasError('mismatch')
          ? 'The passwords do not match.'
          : 'Choose a password of at least 8 characters.',
      async () => {
        await this.invitations.claim(invite.token, {
          invitation_link: this.id() ?? '',
          user_id: invite.user_id,
          password: this.form.controls.password.value,
        });
        await this.session.refresh();
        await this.router.navigateByUrl('/keys');
      },
    );
  }
}
