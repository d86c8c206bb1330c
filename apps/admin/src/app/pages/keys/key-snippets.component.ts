import { Clipboard } from '@angular/cdk/clipboard';
import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatTabsModule } from '@angular/material/tabs';
import { keySnippets } from './key-snippets';

/** "How to call it": curl, Python and Node examples for a key just created. */
@Component({
  selector: 'gh-key-snippets',
  imports: [MatTabsModule, MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styles: `
    pre {
      margin: 8px 0;
      padding: 12px;
      border-radius: 8px;
      background: var(--mat-sys-surface-container-high);
      font:
        12px/1.5 ui-monospace,
        SFMono-Regular,
        Menlo,
        monospace;
      white-space: pre-wrap;
      word-break: break-all;
    }
  `,
  template: `
    <h3 id="snippets-heading">Call it</h3>
    <mat-tab-group aria-labelledby="snippets-heading" animationDuration="0ms">
      @for (snippet of snippets(); track snippet.id) {
        <mat-tab [label]="snippet.label">
          <pre tabindex="0" [attr.data-testid]="'snippet-' + snippet.id">{{ snippet.code }}</pre>
          <button
            mat-stroked-button
            type="button"
            [attr.aria-label]="'Copy the ' + snippet.label + ' example'"
            (click)="copy(snippet.id, snippet.code)"
          >
            {{ copied() === snippet.id ? 'Copied' : 'Copy' }}
          </button>
        </mat-tab>
      }
    </mat-tab-group>
    <span class="cdk-visually-hidden" aria-live="polite">{{
      copied() ? 'Example copied to the clipboard' : ''
    }}</span>
  `,
})
export class KeySnippetsComponent {
  private readonly clipboard = inject(Clipboard);
  readonly baseUrl = input.required<string>();
  readonly secret = input.required<string>();
  readonly models = input.required<readonly string[]>();
  protected readonly copied = signal<string | null>(null);
  protected readonly snippets = computed(() =>
    keySnippets({ baseUrl: this.baseUrl(), secret: this.secret(), models: this.models() }),
  );

  protected copy(id: string, code: string): void {
    this.copied.set(this.clipboard.copy(code) ? id : null);
  }
}
