import { signal } from '@angular/core';
import type { AbstractControl } from '@angular/forms';
import { apiErrorMessage } from '../data-access/api-error';

/** The busy flag and the error line of a form that submits to the API. */
export class FormSubmission {
  readonly busy = signal(false);
  readonly error = signal<string | null>(null);

  /**
   * An invalid form is refused with `invalid` (every control touched, so the fields show why);
   * else `action` runs with `busy` set, and a failure shows `message(error)` (by default the
   * API's own message).
   */
  async submit(
    form: AbstractControl,
    invalid: string | (() => string),
    action: () => Promise<void>,
    message: (error: unknown) => string = apiErrorMessage,
  ): Promise<void> {
    if (form.invalid) {
      form.markAllAsTouched();
      this.error.set(typeof invalid === 'string' ? invalid : invalid());
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      await action();
    } catch (error) {
      this.error.set(message(error));
    } finally {
      this.busy.set(false);
    }
  }
}
