import { inject, Injectable } from '@angular/core';
import { MatDialog } from '@angular/material/dialog';
import { NotifyService } from '../core/notify.service';
import { confirm, type ConfirmData } from './confirm-dialog.component';

export interface Action<T> {
  /** Ask first; declining runs nothing. */
  confirm?: ConfirmData;
  /** The API call. */
  run: () => Promise<T>;
  /** Toast shown when it worked. */
  success?: string;
  /** Prefix of the error toast (the API's own message follows). */
  failure: string;
  /** After success and its toast: show the result, reload the table. */
  after?: (result: T) => Promise<unknown> | void;
}

/** Confirm-then-run for the console's row actions (delete, block, regenerate, invite, ...). */
@Injectable({ providedIn: 'root' })
export class ActionRunner {
  private readonly dialog = inject(MatDialog);
  private readonly notify = inject(NotifyService);

  /** True when the action ran and worked; false when declined or failed (the error is toasted). */
  async run<T>(action: Action<T>): Promise<boolean> {
    if (action.confirm && !(await confirm(this.dialog, action.confirm))) return false;
    try {
      const result = await action.run();
      if (action.success) this.notify.success(action.success);
      await action.after?.(result);
      return true;
    } catch (error) {
      this.notify.error(error, action.failure);
      return false;
    }
  }
}
