import { signal, type WritableSignal } from '@angular/core';
import type { PageEvent } from '@angular/material/paginator';
import type { Sort } from '@angular/material/sort';

/** The column the server sorts by (the API's `sort_by` name) and its direction. */
export interface TableSort {
  active: string;
  direction: 'asc' | 'desc';
}

/** The rows the API answered for one page. */
export interface TableRows<T> {
  rows: T[];
  /** Rows over every page; defaults to `rows.length` for an API that does not page. */
  total?: number;
}

/**
 * A table loaded from the API: its rows, `loading` and `failed`, and for a server-paged table
 * the 1-based `page`, its `size` and the `total`. `load()` never throws: on failure the table is
 * emptied, `failed` is set and the error goes to `onError` (a toast).
 */
export class TableState<T> {
  readonly rows = signal<T[]>([]);
  readonly total = signal(0);
  readonly page = signal(1);
  readonly size: WritableSignal<number>;
  readonly loading = signal(true);
  readonly failed = signal(false);
  /** Null: the API's default order. */
  readonly sort: WritableSignal<TableSort | null>;
  private requests = 0;

  constructor(
    private readonly fetch: (
      page: number,
      size: number,
      sort: TableSort | null,
    ) => Promise<TableRows<T>>,
    private readonly onError: (error: unknown) => void,
    size = 25,
    sort: TableSort | null = null,
  ) {
    this.size = signal(size);
    this.sort = signal(sort);
  }

  async load(): Promise<void> {
    // Filters reload on every keystroke: only the latest request may fill the table.
    const request = ++this.requests;
    this.loading.set(true);
    this.failed.set(false);
    try {
      const answer = await this.fetch(this.page(), this.size(), this.sort());
      if (request !== this.requests) return;
      this.rows.set(answer.rows);
      this.total.set(answer.total ?? answer.rows.length);
    } catch (error) {
      if (request !== this.requests) return;
      this.failed.set(true);
      this.rows.set([]);
      this.onError(error);
    } finally {
      if (request === this.requests) this.loading.set(false);
    }
  }

  /** `mat-paginator`'s `(page)` event. */
  onPage(event: PageEvent): void {
    this.page.set(event.pageIndex + 1);
    this.size.set(event.pageSize);
    void this.load();
  }

  /** `mat-sort`'s `(matSortChange)`: an empty direction goes back to the API's default order. */
  onSort(event: Sort): void {
    this.sort.set(
      event.direction === '' ? null : { active: event.active, direction: event.direction },
    );
    this.firstPage();
  }

  /** A filter changed: back to the first page. */
  firstPage(): void {
    this.page.set(1);
    void this.load();
  }
}

/** One page of a list the API answers whole (teams, members): paged in the browser. */
export function pageOf<T>(all: T[], page: number, size: number): TableRows<T> {
  return { rows: all.slice((page - 1) * size, page * size), total: all.length };
}
