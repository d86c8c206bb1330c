import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { IdentityService } from '../../data-access/identity.service';
import { FormSubmission } from '../../shared/form-submission';

/** "Forgot password?": asks for a reset link. The API answers the same for every address. */
@Component({
  selector: 'gh-forgot-password',
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
        <mat-card-title><h1>Reset your password</h1></mat-card-title>
      </mat-card-header>
      <mat-card-content>
        @if (sent(); as message) {
          <p role="status" data-testid="forgot-sent">{{ message }}</p>
        } @else {
          <form [formGroup]="form" (ngSubmit)="submit()">
            <mat-form-field>
              <mat-label>Email</mat-label>
              <input matInput type="email" formControlName="email" autocomplete="email" required />
            </mat-form-field>
            @if (submission.error(); as error) {
              <p class="warning" role="alert" data-testid="forgot-error">{{ error }}</p>
            }
            @if (submission.busy()) {
              <mat-progress-bar mode="indeterminate" aria-label="Sending" />
            }
            <button mat-flat-button type="submit" [disabled]="submission.busy()">
              Email me a reset link
            </button>
          </form>
        }
        <p><a routerLink="/login">Back to sign in</a></p>
      </mat-card-content>
    </mat-card>
  `,
})
export class ForgotPasswordComponent {
  private readonly identity = inject(IdentityService);
  protected readonly submission = new FormSubmission();
  protected readonly sent = signal<string | null>(null);
  protected readonly form = inject(FormBuilder).nonNullable.group({
    email: ['', [Validators.required, Validators.email, Validators.maxLength(254)]],
  });

  protected submit(): Promise<void> {
    return this.submission.submit(this.form, 'Enter your email address.', async () => {
      const answer = await this.identity.forgotPassword(this.form.getRawValue());
      this.sent.set(answer.message);
    });
  }
}
