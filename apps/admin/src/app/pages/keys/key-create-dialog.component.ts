import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import type { GenerateKeyRequest, GenerateKeyResponse } from '@gatehouse/shared/dto';
import { KeysService } from '../../data-access/keys.service';
import { CopyBoxComponent } from '../../shared/copy-box.component';
import { FormSubmission } from '../../shared/form-submission';

export interface KeyCreateData {
  /** The models the caller may give a key (their allow-list; all models when unrestricted). */
  models: string[];
  /** Admins may create a key for somebody else. */
  userId?: string;
}

export const DURATIONS: readonly { value: string; label: string }[] = [
  { value: '', label: 'Never expires' },
  { value: '1d', label: '1 day' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: '1mo', label: '1 month' },
];

/** Create a virtual key; ends on the secret, shown once, with a copy button. */
@Component({
  selector: 'gh-key-create-dialog',
  imports: [
    ReactiveFormsModule,
    MatDialogModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    CopyBoxComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (created(); as created) {
      <h2 mat-dialog-title>Save your key</h2>
      <mat-dialog-content>
        <p class="warning" role="alert">
          Copy this key now. You won't see it again: Gatehouse stores only its hash.
        </p>
        <gh-copy-box [value]="created.key" label="secret key" testId="new-key-secret" />
        <p class="muted">
          {{ created.key_alias ?? 'Unnamed key' }} · shown in the list as {{ created.key_name }}
        </p>
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-flat-button type="button" [mat-dialog-close]="created">Done</button>
      </mat-dialog-actions>
    } @else {
      <h2 mat-dialog-title>Create a virtual key</h2>
      <form [formGroup]="form" (ngSubmit)="submit()">
        <mat-dialog-content>
          <mat-form-field class="full">
            <mat-label>Key alias</mat-label>
            <input matInput formControlName="key_alias" required maxlength="256" />
            <mat-hint>A name you will recognise, e.g. "laptop" or "ci"</mat-hint>
          </mat-form-field>
          <mat-form-field class="full">
            <mat-label>Models</mat-label>
            <mat-select formControlName="models" multiple>
              @for (model of data.models; track model) {
                <mat-option [value]="model">{{ model }}</mat-option>
              }
            </mat-select>
            <mat-hint>{{
              data.models.length
                ? 'Leave empty for every model you are allowed'
                : 'No model restrictions available'
            }}</mat-hint>
          </mat-form-field>
          <div class="form-grid">
            <mat-form-field>
              <mat-label>Max budget (USD)</mat-label>
              <input matInput type="number" min="0" step="0.01" formControlName="max_budget" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>Expires after</mat-label>
              <mat-select formControlName="duration">
                @for (duration of durations; track duration.value) {
                  <mat-option [value]="duration.value">{{ duration.label }}</mat-option>
                }
              </mat-select>
            </mat-form-field>
            <mat-form-field>
              <mat-label>Tokens per minute</mat-label>
              <input matInput type="number" min="0" step="1" formControlName="tpm_limit" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>Requests per minute</mat-label>
              <input matInput type="number" min="0" step="1" formControlName="rpm_limit" />
            </mat-form-field>
          </div>
          @if (submission.error(); as error) {
            <p class="warning" role="alert" data-testid="key-create-error">{{ error }}</p>
          }
        </mat-dialog-content>
        <mat-dialog-actions align="end">
          <button mat-button type="button" mat-dialog-close>Cancel</button>
          <button mat-flat-button type="submit" [disabled]="submission.busy()">Create key</button>
        </mat-dialog-actions>
      </form>
    }
  `,
})
export class KeyCreateDialogComponent {
  private readonly keys = inject(KeysService);
  private readonly ref =
    inject<MatDialogRef<KeyCreateDialogComponent, GenerateKeyResponse>>(MatDialogRef);
  protected readonly data = inject<KeyCreateData>(MAT_DIALOG_DATA);
  protected readonly durations = DURATIONS;
  protected readonly submission = new FormSubmission();
  protected readonly created = signal<GenerateKeyResponse | null>(null);
  protected readonly form = inject(FormBuilder).group({
    key_alias: ['', [Validators.required, Validators.maxLength(256)]],
    models: [[] as string[]],
    max_budget: [null as number | null, Validators.min(0)],
    duration: [''],
    tpm_limit: [null as number | null, Validators.min(0)],
    rpm_limit: [null as number | null, Validators.min(0)],
  });

  /** The request built from the form: empty fields are left out. */
  request(): GenerateKeyRequest {
    const value = this.form.getRawValue();
    const request: GenerateKeyRequest = { key_alias: value.key_alias?.trim() ?? '' };
    if (value.models?.length) request.models = value.models;
    if (value.max_budget !== null && value.max_budget !== undefined) {
      request.max_budget = Number(value.max_budget);
    }
    if (value.duration) request.duration = value.duration;
    if (value.tpm_limit !== null && value.tpm_limit !== undefined) {
      request.tpm_limit = Number(value.tpm_limit);
    }
    if (value.rpm_limit !== null && value.rpm_limit !== undefined) {
      request.rpm_limit = Number(value.rpm_limit);
    }
    if (this.data.userId) request.user_id = this.data.userId;
    return request;
  }

  protected submit(): Promise<void> {
    return this.submission.submit(
      this.form,
      'Give the key an alias; numbers must be 0 or more.',
      async () => {
        this.created.set(await this.keys.generate(this.request()));
        this.ref.disableClose = true;
      },
    );
  }
}
