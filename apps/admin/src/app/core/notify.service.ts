import { inject, Injectable } from '@angular/core';
import { MatSnackBar } from '@angular/material/snack-bar';
import { apiErrorMessage } from '../data-access/api-error';

/** Toasts: errors carry the API's own message. */
@Injectable({ providedIn: 'root' })
export class NotifyService {
  private readonly snackBar = inject(MatSnackBar);

  success(message: string): void {
    this.snackBar.open(message, 'OK', { duration: 4000, politeness: 'polite' });
  }

  error(error: unknown, prefix?: string): void {
    const message = apiErrorMessage(error);
    this.snackBar.open(prefix ? `${prefix}: ${message}` : message, 'Dismiss', {
      duration: 8000,
      politeness: 'assertive',
      panelClass: 'toast-error',
    });
  }
}
