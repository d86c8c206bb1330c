import { Clipboard } from '@angular/cdk/clipboard';
import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';

/** A value shown once (a secret key, an invitation link) with a copy button. */
@Component({
  selector: 'gh-copy-box',
  imports: [MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styles: `
    button {
      flex-shrink: 0;
      white-space: nowrap;
    }
  `,
  template: `
    <div class="secret-box">
      <code class="full" [attr.data-testid]="testId()">{{ value() }}</code>
      <button
        mat-stroked-button
        type="button"
        [attr.aria-label]="'Copy ' + label()"
        (click)="copy()"
      >
        {{ copied() ? 'Copied' : 'Copy' }}
      </button>
    </div>
    <span class="cdk-visually-hidden" aria-live="polite">{{
      copied() ? label() + ' copied to the clipboard' : ''
    }}</span>
  `,
})
export class CopyBoxComponent {
  private readonly clipboard = inject(Clipboard);
  readonly value = input.required<string>();
  readonly label = input('value');
  readonly testId = input('copy-value');
  protected readonly copied = signal(false);

  protected copy(): void {
    this.copied.set(this.clipboard.copy(this.value()));
  }
}
