import { signal, type WritableSignal } from '@angular/core';
import type { PageEvent } from '@angular/material/paginator';

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

  constructor(
    private readonly fetch: (page: number, size: number) => Promise<TableRows<T>>,
    private readonly onError: (error: unknown) => void,
    size = 25,
  ) {
    this.size = signal(size);
  }

  async load(): Promise<void> {
    this.loading.set(true);
    this.failed.set(false);
    try {
      const answer = await this.fetch(this.page(), this.size());
      this.rows.set(answer.rows);
      this.total.set(answer.total ?? answer.rows.length);
    } catch (error) {
      this.failed.set(true);
      this.rows.set([]);
      this.onError(error);
    } finally {
      this.loading.set(false);
    }
  }

  /** `mat-paginator`'s `(page)` event. */
  onPage(event: PageEvent): void {
    this.page.set(event.pageIndex + 1);
    this.size.set(event.pageSize);
    void this.load();
  }

  /** A filter changed: back to the first page. */
  firstPage(): void {
    this.page.set(1);
    void this.load();
  }
}
