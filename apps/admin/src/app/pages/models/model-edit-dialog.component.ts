import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { ModelResponse } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { apiErrorMessage, apiErrorParam } from '../../data-access/api-error';
import { ModelsService } from '../../data-access/models.service';
import { fieldOfParam, modelFormValue, updateRequest, type ModelField } from './model-form';

/** Edit a database model: only the changed fields are sent; the API's error goes by its field. */
@Component({
  selector: 'gh-model-edit-dialog',
  imports: [
    ReactiveFormsModule,
    MatDialogModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './model-edit-dialog.component.html',
})
export class ModelEditDialogComponent {
  private readonly modelsApi = inject(ModelsService);
  private readonly notify = inject(NotifyService);
  private readonly ref =
    inject<MatDialogRef<ModelEditDialogComponent, ModelResponse>>(MatDialogRef);
  protected readonly model = inject<ModelResponse>(MAT_DIALOG_DATA);
  private readonly initial = modelFormValue(this.model);
  protected readonly busy = signal(false);
  /** An error the API gave without naming a field of this form. */
  protected readonly formError = signal<string | null>(null);
  protected readonly form = inject(FormBuilder).nonNullable.group({
    ...this.initial,
    model_name: [this.initial.model_name, Validators.required],
    model: [this.initial.model, Validators.required],
    input_cost: [this.initial.input_cost, Validators.min(0)],
    output_cost: [this.initial.output_cost, Validators.min(0)],
    timeout: [this.initial.timeout, Validators.min(0.05)],
    rpm: [this.initial.rpm, Validators.min(1)],
    tpm: [this.initial.tpm, Validators.min(1)],
  });

  protected apiError(field: ModelField): string | null {
    const errors = this.form.controls[field].errors as { api?: string } | null;
    return errors?.api ?? null;
  }

  protected async save(): Promise<void> {
    // The API's errors are about the last try: the fields' own validators decide anew.
    for (const control of Object.values(this.form.controls)) {
      if (control.hasError('api')) control.updateValueAndValidity();
    }
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.formError.set('Check the highlighted fields.');
      return;
    }
    this.busy.set(true);
    this.formError.set(null);
    try {
      const request = updateRequest(
        this.model.model_info.id,
        this.initial,
        this.form.getRawValue(),
      );
      const updated = await this.modelsApi.update(request);
      this.notify.success(`${updated.model_name} saved`);
      this.ref.close(updated);
    } catch (error) {
      const field = fieldOfParam(apiErrorParam(error));
      if (field) {
        this.form.controls[field].setErrors({ api: apiErrorMessage(error) });
        this.form.controls[field].markAsTouched();
      } else {
        this.formError.set(apiErrorMessage(error));
      }
    } finally {
      this.busy.set(false);
    }
  }
}
