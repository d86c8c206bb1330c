import { DOCUMENT } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
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
import { KeySnippetsComponent } from './key-snippets.component';

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
    KeySnippetsComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './key-create-dialog.component.html',
})
export class KeyCreateDialogComponent {
  private readonly keys = inject(KeysService);
  private readonly ref =
    inject<MatDialogRef<KeyCreateDialogComponent, GenerateKeyResponse>>(MatDialogRef);
  protected readonly data = inject<KeyCreateData>(MAT_DIALOG_DATA);
  protected readonly durations = DURATIONS;
  protected readonly submission = new FormSubmission();
  protected readonly created = signal<GenerateKeyResponse | null>(null);
  /** The gateway is served from the console's own origin. */
  protected readonly baseUrl = inject(DOCUMENT).location.origin;
  /** The key's own models, or (no list: every model) the ones the caller may give it. */
  protected readonly callable = computed(() => {
    const models = this.created()?.models ?? [];
    return models.length ? models : this.data.models;
  });
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
