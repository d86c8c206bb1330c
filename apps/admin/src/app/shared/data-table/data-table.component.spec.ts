import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { TableState, type TableRows, type TableSort } from '../table-state';
import {
  CellDirective,
  DataTableComponent,
  type DataColumn,
  type RowAction,
} from './data-table.component';

interface Fruit {
  name: string;
  price: number;
}

const aFruit = (name: string, price = 1): Fruit => ({ name, price });

@Component({
  imports: [DataTableComponent, CellDirective],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <gh-data-table
      [state]="state"
      [columns]="columns"
      label="Fruits"
      noun="fruits"
      testId="fruits"
      emptyText="No fruit."
      [actions]="actions()"
      [clickable]="true"
      [rowLabel]="rowLabel"
      (rowClick)="opened.push($event)"
    >
      <ng-template ghCell="price" let-fruit>
        <strong>{{ fruit.price }} €</strong>
      </ng-template>
    </gh-data-table>
  `,
})
class HostComponent {
  fetch = jest.fn<Promise<TableRows<Fruit>>, [number, number, TableSort | null]>();
  onError = jest.fn<void, [unknown]>();
  state = new TableState<Fruit>((...args) => this.fetch(...args), this.onError, 10);
  columns: DataColumn<Fruit>[] = [
    { id: 'name', header: 'Name', value: (f) => f.name, sortable: true },
    { id: 'price', header: 'Price' },
  ];
  removed: Fruit[] = [];
  opened: Fruit[] = [];
  actions = signal<RowAction<Fruit>[]>([
    {
      text: () => 'Delete',
      label: (f) => `Delete ${f.name}`,
      run: (f) => this.removed.push(f),
      show: (f) => f.name !== 'kiwi',
    },
  ]);
  rowLabel = (f: Fruit) => `Open ${f.name}`;
}

describe('DataTableComponent', () => {
  let fixture: ComponentFixture<HostComponent>;
  let host: HostComponent;
  let root: HTMLElement;

  async function setUp(answer: Promise<TableRows<Fruit>>): Promise<void> {
    TestBed.configureTestingModule({
      imports: [HostComponent],
    });
    fixture = TestBed.createComponent(HostComponent);
    host = fixture.componentInstance;
    root = fixture.nativeElement as HTMLElement;
    host.fetch.mockReturnValue(answer);
    await host.state.load();
    fixture.detectChanges();
    await fixture.whenStable();
  }

  const rows = () => Array.from(root.querySelectorAll('tr[mat-row]'));
  const text = (element: Element | null | undefined) => element?.textContent?.trim() ?? '';

  it('renders value cells, template cells and the actions a row has', async () => {
    await setUp(Promise.resolve({ rows: [aFruit('apple', 2), aFruit('kiwi', 3)], total: 2 }));
    expect(root.querySelector('table')?.getAttribute('aria-label')).toBe('Fruits');
    expect(rows().map((row) => text(row.querySelector('td')))).toEqual(['apple', 'kiwi']);
    expect(text(rows()[0].querySelector('strong'))).toBe('2 €');
    expect(root.querySelector('button[aria-label="Delete apple"]')).toBeTruthy();
    expect(root.querySelector('button[aria-label="Delete kiwi"]')).toBeNull();
  });

  it('runs an action without also opening the row', async () => {
    await setUp(Promise.resolve({ rows: [aFruit('apple')], total: 1 }));
    root.querySelector<HTMLButtonElement>('button[aria-label="Delete apple"]')?.click();
    expect(host.removed).toEqual([aFruit('apple')]);
    expect(host.opened).toEqual([]);
  });

  it('opens a row on click and on Enter, and names it for screen readers', async () => {
    await setUp(Promise.resolve({ rows: [aFruit('apple')], total: 1 }));
    const row = rows()[0] as HTMLElement;
    expect(row.getAttribute('tabindex')).toBe('0');
    expect(row.getAttribute('aria-label')).toBe('Open apple');
    row.querySelector('td')?.click();
    row.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(host.opened).toEqual([aFruit('apple'), aFruit('apple')]);
  });

  it('shows the empty state with its text', async () => {
    await setUp(Promise.resolve({ rows: [], total: 0 }));
    expect(text(root.querySelector('[data-testid="fruits-empty"]'))).toBe('No fruit.');
    expect(root.querySelector('[data-testid="fruits-error"]')).toBeNull();
  });

  it('shows the error state, and Retry loads again', async () => {
    await setUp(Promise.reject(new Error('down')));
    const error = root.querySelector('[data-testid="fruits-error"]');
    expect(error?.getAttribute('role')).toBe('alert');
    expect(root.querySelector('[data-testid="fruits-empty"]')).toBeNull();
    host.fetch.mockResolvedValue({ rows: [aFruit('pear')], total: 1 });
    error?.querySelector('button')?.click();
    await Promise.resolve();
    expect(host.fetch).toHaveBeenCalledTimes(2);
  });

  it('sorts on the server when a sortable header is clicked; others do not sort', async () => {
    await setUp(Promise.resolve({ rows: [aFruit('apple')], total: 1 }));
    host.fetch.mockResolvedValue({ rows: [], total: 0 });
    const headers = Array.from(root.querySelectorAll<HTMLElement>('th[mat-header-cell]'));
    headers[1].click();
    expect(host.fetch).toHaveBeenCalledTimes(1);
    headers[0].click();
    expect(host.fetch).toHaveBeenLastCalledWith(1, 10, { active: 'name', direction: 'asc' });
  });

  it('pages on the server', async () => {
    await setUp(Promise.resolve({ rows: [aFruit('apple')], total: 30 }));
    host.fetch.mockResolvedValue({ rows: [], total: 30 });
    root.querySelector<HTMLButtonElement>('button[aria-label="Next page"]')?.click();
    expect(host.fetch).toHaveBeenLastCalledWith(2, 10, null);
    expect(root.querySelector('mat-paginator')?.getAttribute('aria-label')).toBe('Fruits pages');
  });
});
