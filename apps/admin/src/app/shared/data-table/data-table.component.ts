import { NgTemplateOutlet } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  contentChildren,
  Directive,
  inject,
  input,
  output,
  TemplateRef,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatPaginatorModule } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSortModule } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import type { TableState } from '../table-state';

/** One column: a plain text cell from `value`, or the `ghCell` template of the same `id`. */
export interface DataColumn<T> {
  id: string;
  header: string;
  value?: (row: T) => string | number;
  /** Sortable on the server; `id` is then the API's `sort_by` name. */
  sortable?: boolean;
}

/** A button at the end of each row; its accessible name is `label(row)` ("Delete laptop"). */
export interface RowAction<T> {
  text: (row: T) => string;
  label: (row: T) => string;
  run: (row: T) => unknown;
  /** Absent: on every row. */
  show?: (row: T) => boolean;
}

/** `<ng-template ghCell="status" let-key>…</ng-template>`: the cells of one column. */
@Directive({ selector: 'ng-template[ghCell]' })
export class CellDirective {
  readonly ghCell = input.required<string>();
  readonly template = inject<TemplateRef<{ $implicit: unknown }>>(TemplateRef);
}

/** Clicks on a control inside a row are that control's, not the row's. */
const INTERACTIVE = 'button, a, input, select, textarea, mat-select, [role="combobox"]';

/**
 * The console's one table: rows of a {@link TableState} (server-side paging and sorting),
 * loading bar, empty and error states (with Retry), row actions and an optional row click
 * (also Enter on a focused row, so it works from the keyboard).
 */
@Component({
  selector: 'gh-data-table',
  imports: [
    NgTemplateOutlet,
    MatTableModule,
    MatSortModule,
    MatPaginatorModule,
    MatProgressBarModule,
    MatButtonModule,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './data-table.component.html',
  styles: `
    tr.clickable {
      cursor: pointer;
    }
    tr.clickable:hover,
    tr.clickable:focus-visible {
      background: var(--mat-sys-surface-container);
      outline: none;
    }
    td.actions {
      white-space: nowrap;
    }
  `,
})
export class DataTableComponent<T> {
  readonly state = input.required<TableState<T>>();
  readonly columns = input.required<readonly DataColumn<T>[]>();
  /** The table's accessible name ("Virtual keys"). */
  readonly label = input.required<string>();
  /** Plural noun for the loading bar and paginator ("keys"). */
  readonly noun = input('rows');
  readonly actions = input<readonly RowAction<T>[]>([]);
  readonly emptyText = input('Nothing here yet.');
  readonly errorText = input('This table could not be loaded.');
  /** Prefix of the empty/error states' test ids (`keys` -> `keys-empty`, `keys-error`). */
  readonly testId = input('table');
  readonly pageSizeOptions = input<number[]>([10, 25, 50]);
  /** Rows open something (a page, a drawer). */
  readonly clickable = input(false);
  /** The accessible name of a clickable row ("Open laptop"). */
  readonly rowLabel = input<((row: T) => string) | null>(null);
  readonly rowClick = output<T>();

  private readonly cells = contentChildren(CellDirective);
  protected readonly templates = computed(
    () => new Map(this.cells().map((cell) => [cell.ghCell(), cell.template])),
  );
  protected readonly columnIds = computed(() => {
    const ids = this.columns().map((column) => column.id);
    return this.actions().length ? [...ids, 'actions'] : ids;
  });
  protected readonly sortActive = computed(() => this.state().sort()?.active ?? '');
  protected readonly sortDirection = computed(() => this.state().sort()?.direction ?? '');

  protected visibleActions(row: T): readonly RowAction<T>[] {
    return this.actions().filter((action) => action.show?.(row) ?? true);
  }

  protected ariaLabelOf(row: T): string | null {
    const label = this.rowLabel();
    return this.clickable() && label ? label(row) : null;
  }

  protected open(row: T, event: Event): void {
    if (!this.clickable()) return;
    const target = event.target as HTMLElement | null;
    if (target?.closest(INTERACTIVE)) return;
    this.rowClick.emit(row);
  }

  protected capitalized(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
}
