import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { DateRangeComponent, type DateRange } from './date-range.component';

/** A page that holds a range and hears every change, as the logs and audit pages do. */
@Component({
  imports: [DateRangeComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<gh-date-range
    label="Requests between"
    [value]="range()"
    (rangeChange)="changes.push($event)"
  />`,
})
class HostComponent {
  readonly range = signal<DateRange>({ start: null, end: null });
  readonly changes: DateRange[] = [];
}

describe('DateRangeComponent', () => {
  let fixture: ComponentFixture<HostComponent>;
  let sut: HTMLElement;

  async function render(range: DateRange = { start: null, end: null }): Promise<void> {
    fixture = TestBed.createComponent(HostComponent);
    fixture.componentInstance.range.set(range);
    sut = (fixture.nativeElement as HTMLElement).querySelector('gh-date-range') as HTMLElement;
    await fixture.whenStable();
  }

  /** The input of the field labelled `label`, found through its label as a reader would. */
  function field(label: string): HTMLInputElement {
    const labelled = Array.from(sut.querySelectorAll('label')).find(
      (l) => l.textContent?.trim() === label,
    );
    const input = labelled ? sut.querySelector<HTMLInputElement>(`#${labelled.htmlFor}`) : null;
    if (!input) throw new Error(`no input labelled ${label}`);
    return input;
  }

  async function type(label: string, value: string): Promise<void> {
    const input = field(label);
    input.value = value;
    input.dispatchEvent(new Event('input'));
    await fixture.whenStable();
  }

  const changes = () => fixture.componentInstance.changes;
  const error = () => sut.querySelector('[data-testid="date-range-error"]');

  it('is one named group of two labelled native date fields', async () => {
    await render();
    expect(sut.getAttribute('role')).toBe('group');
    expect(sut.getAttribute('aria-label')).toBe('Requests between');
    expect([field('From (UTC day)').type, field('To (UTC day)').type]).toEqual(['date', 'date']);
  });

  it("shows the page's range, and follows it when the page changes it", async () => {
    await render({ start: '2026-11-01', end: '2026-11-30' });
    expect([field('From (UTC day)').value, field('To (UTC day)').value]).toEqual([
      '2026-11-01',
      '2026-11-30',
    ]);
    // The native picker offers no end before the start, and no start after the end.
    expect([field('From (UTC day)').max, field('To (UTC day)').min]).toEqual([
      '2026-11-30',
      '2026-11-01',
    ]);
    fixture.componentInstance.range.set({ start: null, end: null });
    await fixture.whenStable();
    expect([field('From (UTC day)').value, field('To (UTC day)').value]).toEqual(['', '']);
  });

  it('emits the whole range on each change, and null for a cleared side', async () => {
    await render({ start: null, end: '2026-11-30' });
    await type('From (UTC day)', '2026-11-01');
    await type('To (UTC day)', '');
    expect(changes()).toEqual([
      { start: '2026-11-01', end: '2026-11-30' },
      { start: '2026-11-01', end: null },
    ]);
    expect(error()).toBeNull();
  });

  it('emits a one-day range (both ends are inclusive)', async () => {
    await render({ start: '2026-11-05', end: null });
    await type('To (UTC day)', '2026-11-05');
    expect(changes()).toEqual([{ start: '2026-11-05', end: '2026-11-05' }]);
  });

  it('names a start after the end in an alert tied to both fields, and emits nothing', async () => {
    await render({ start: '2026-11-10', end: null });
    await type('To (UTC day)', '2026-11-01');
    expect(changes()).toEqual([]);
    expect(error()?.getAttribute('role')).toBe('alert');
    for (const label of ['From (UTC day)', 'To (UTC day)']) {
      expect(field(label).getAttribute('aria-invalid')).toBe('true');
      expect(field(label).getAttribute('aria-describedby')).toContain(error()?.id);
    }

    await type('From (UTC day)', '2026-10-25');
    expect(changes()).toEqual([{ start: '2026-10-25', end: '2026-11-01' }]);
    expect(error()).toBeNull();
    expect(field('To (UTC day)').getAttribute('aria-invalid')).toBe('false');
    expect(field('To (UTC day)').getAttribute('aria-describedby') ?? '').not.toContain(
      'gh-date-range-error',
    );
  });
});
