import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
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
import { RouterLink } from '@angular/router';
import { IdentityService } from '../../data-access/identity.service';
import { FormSubmission } from '../../shared/form-submission';

function samePasswords(group: AbstractControl): ValidationErrors | null {
  const { password, confirm } = group.value as { password: string; confirm: string };
  return password === confirm ? null : { mismatch: true };
}

/** `/ui/reset-password?token=…` from the reset mail: choose a new password, once. */
@Component({
  selector: 'gh-reset-password',
  imports: [
    ReactiveFormsModule,
    RouterLink,
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
      width: min(420px, 100%);
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
        <mat-card-title><h1>Choose a new password</h1></mat-card-title>
      </mat-card-header>
      <mat-card-content>
        @if (done(); as message) {
          <p role="status" data-testid="reset-done">{{ message }}</p>
          <p><a mat-flat-button routerLink="/login">Sign in</a></p>
        } @else if (!token()) {
          <p class="warning" role="alert" data-testid="reset-error">
            This reset link is incomplete (no token). Ask for a new one.
          </p>
          <p><a routerLink="/forgot-password">Ask for a new link</a></p>
        } @else {
          <form [formGroup]="form" (ngSubmit)="submit()">
            <mat-form-field>
              <mat-label>New password</mat-label>
              <input
                matInput
                type="password"
                formControlName="password"
                autocomplete="new-password"
                required
              />
              <mat-hint>At least 8 characters</mat-hint>
            </mat-form-field>
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
            @if (submission.error(); as error) {
              <p class="warning" role="alert" data-testid="reset-error">{{ error }}</p>
            }
            @if (submission.busy()) {
              <mat-progress-bar mode="indeterminate" aria-label="Saving" />
            }
            <button mat-flat-button type="submit" [disabled]="submission.busy()">
              Set password
            </button>
          </form>
          <p><a routerLink="/forgot-password">Ask for a new link</a></p>
        }
      </mat-card-content>
    </mat-card>
  `,
})
export class ResetPasswordComponent {
  private readonly identity = inject(IdentityService);
  /** `?token=` of the reset link. */
  readonly token = input<string>();
  protected readonly submission = new FormSubmission();
  protected readonly done = signal<string | null>(null);
  protected readonly form = inject(FormBuilder).nonNullable.group(
    {
      password: ['', [Validators.required, Validators.minLength(8), Validators.maxLength(256)]],
      confirm: ['', Validators.required],
    },
    { validators: samePasswords },
  );

  protected submit(): Promise<void> {
    return this.submission.submit(
      this.form,
      () =>
        this.form.hasError('mismatch')
          ? 'The passwords do not match.'
          : 'Choose a password of at least 8 characters.',
      async () => {
        const answer = await this.identity.resetPassword({
          token: this.token() ?? '',
          password: this.form.controls.password.value,
        });
        this.done.set(answer.message);
      },
    );
  }
}
