import {
  ChangeDetectionStrategy,
  Component,
  input,
  linkedSignal,
  output,
  signal,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import type { ErrorStateMatcher } from '@angular/material/core';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';

/** Inclusive UTC days as `YYYY-MM-DD`; null = open on that side (how the API reads them). */
export interface DateRange {
  start: string | null;
  end: string | null;
}

let nextId = 0;

/**
 * "From / To (UTC day)": two native date fields (typed or picked, keyboard-operable) in one
 * labelled group. A change emits the whole range; a range whose start is after its end is not
 * emitted but named in an alert next to the fields, so no page asks the API for it.
 */
@Component({
  selector: 'gh-date-range',
  imports: [FormsModule, MatFormFieldModule, MatInputModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { role: 'group', '[attr.aria-label]': 'label()' },
  styles: `
    :host {
      display: flex;
      flex-wrap: wrap;
      gap: 0 16px;
      align-items: baseline;
    }
    .warning {
      flex-basis: 100%;
      margin: 0 0 8px;
    }
    @media (max-width: 600px) {
      mat-form-field {
        width: 100%;
      }
    }
  `,
  template: `
    <mat-form-field>
      <mat-label>From (UTC day)</mat-label>
      <input
        matInput
        type="date"
        [max]="end() ?? ''"
        [ngModel]="start() ?? ''"
        (ngModelChange)="set({ start: $event || null })"
        [errorStateMatcher]="invertedMatcher"
        [aria-describedby]="inverted() ? errorId : ''"
      />
    </mat-form-field>
    <mat-form-field>
      <mat-label>To (UTC day)</mat-label>
      <input
        matInput
        type="date"
        [min]="start() ?? ''"
        [ngModel]="end() ?? ''"
        (ngModelChange)="set({ end: $event || null })"
        [errorStateMatcher]="invertedMatcher"
        [aria-describedby]="inverted() ? errorId : ''"
      />
    </mat-form-field>
    @if (inverted()) {
      <p class="warning" role="alert" [id]="errorId" data-testid="date-range-error">
        "From" is after "To": pick a start on or before the end.
      </p>
    }
  `,
})
export class DateRangeComponent {
  /** The range in force (from the page: its filters or its URL). */
  readonly value = input<DateRange>({ start: null, end: null });
  /** The group's accessible name, e.g. "Requests between". */
  readonly label = input('Date range');
  readonly rangeChange = output<DateRange>();

  /** What the fields hold: the page's range until the user edits one. */
  protected readonly start = linkedSignal(() => this.value().start);
  protected readonly end = linkedSignal(() => this.value().end);
  protected readonly inverted = signal(false);
  protected readonly errorId = `gh-date-range-error-${nextId++}`;
  /** Both fields show the error state (red, aria-invalid) while the range is inverted. */
  protected readonly invertedMatcher: ErrorStateMatcher = { isErrorState: () => this.inverted() };

  protected set(change: Partial<DateRange>): void {
    if ('start' in change) this.start.set(change.start ?? null);
    if ('end' in change) this.end.set(change.end ?? null);
    const range: DateRange = { start: this.start(), end: this.end() };
    // YYYY-MM-DD strings compare as the days they name.
    const inverted = range.start !== null && range.end !== null && range.start > range.end;
    this.inverted.set(inverted);
    if (!inverted) this.rangeChange.emit(range);
  }
}
