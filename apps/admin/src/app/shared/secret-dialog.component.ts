import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, type MatDialog } from '@angular/material/dialog';
import { CopyBoxComponent } from './copy-box.component';

export interface SecretData {
  title: string;
  message: string;
  value: string;
  label: string;
  testId: string;
  warning?: string;
}

/** Shows one value to copy: a regenerated key, an invitation link. */
@Component({
  selector: 'gh-secret-dialog',
  imports: [MatDialogModule, MatButtonModule, CopyBoxComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2 mat-dialog-title>{{ data.title }}</h2>
    <mat-dialog-content>
      @if (data.warning) {
        <p class="warning" role="alert">{{ data.warning }}</p>
      }
      <p>{{ data.message }}</p>
      <gh-copy-box [value]="data.value" [label]="data.label" [testId]="data.testId" />
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-flat-button type="button" mat-dialog-close>Done</button>
    </mat-dialog-actions>
  `,
})
export class SecretDialogComponent {
  protected readonly data = inject<SecretData>(MAT_DIALOG_DATA);
}

/** A regenerated key's new secret, shown once (it cannot be closed by accident). */
export function openNewSecret(
  dialog: MatDialog,
  keyLabel: string,
  secret: string,
  note = '',
): void {
  dialog.open<SecretDialogComponent, SecretData>(SecretDialogComponent, {
    data: {
      title: 'New secret key',
      warning: "Copy this key now. You won't see it again.",
      message: `The new secret for "${keyLabel}":${note ? ' ' + note : ''}`,
      value: secret,
      label: 'secret key',
      testId: 'new-key-secret',
    },
    width: '560px',
    maxWidth: '95vw',
    disableClose: true,
  });
}
