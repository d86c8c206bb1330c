import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import type { SpendGroup, SpendReportResponse } from '@gatehouse/shared/dto';
import { UsageBreakdownComponent } from './usage-breakdown.component';

function report(group: SpendGroup, rows: [string | null, number][]): SpendReportResponse {
  return {
    group_by: group,
    data: rows.map(([value, spend]) => ({
      group_by: group,
      value,
      spend,
      api_requests: 2,
      prompt_tokens: 20,
      completion_tokens: 10,
      total_tokens: 30,
    })),
    total_spend: rows.reduce((sum, [, spend]) => sum + spend, 0),
    total_groups: rows.length,
  };
}

describe('UsageBreakdownComponent', () => {
  let fixture: ComponentFixture<UsageBreakdownComponent>;
  let http: HttpTestingController;
  let root: HTMLElement;

  async function render(seesEveryone: boolean): Promise<void> {
    TestBed.configureTestingModule({
      imports: [UsageBreakdownComponent],
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(UsageBreakdownComponent);
    fixture.componentRef.setInput('range', { start: '2026-11-01', end: '2026-11-30' });
    fixture.componentRef.setInput('seesEveryone', seesEveryone);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    fixture.detectChanges();
    await fixture.whenStable();
  }

  const rows = (label: string) =>
    Array.from(root.querySelectorAll(`table[aria-label="${label}"] tbody tr`)).map((tr) =>
      Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim()),
    );

  afterEach(() => http.verify());

  it('asks an internal user for model, key and team (not user) over the period', async () => {
    await render(false);
    const asked = http.match((r) => r.url === '/global/spend/report');
    expect(asked.map((r) => r.request.params.get('group_by'))).toEqual(['model', 'key', 'team']);
    expect(asked[0].request.params.get('start_date')).toBe('2026-11-01');
    expect(asked.map((r) => r.request.params.get('limit'))).toEqual(['10', '10', '10']);
    asked[0].flush(
      report('model', [
        ['mini', 1],
        ['gpt-4o', 3],
      ]),
    );
    asked[1].flush(report('key', [[null, 4]]));
    asked[2].flush(report('team', []));
    await settle();
    expect(rows('Spend by model')).toEqual([
      ['gpt-4o', '$3.00', '2', '30', '75.0%'],
      ['mini', '$1.00', '2', '30', '25.0%'],
    ]);
    expect(rows('Spend by key')[0][0]).toBe('No key (session or master key)');
    expect(root.textContent).toContain('No spend in this period.');
  });

  it('adds the user breakdown for admins, and says which one failed', async () => {
    await render(true);
    const asked = http.match((r) => r.url === '/global/spend/report');
    expect(asked.map((r) => r.request.params.get('group_by'))).toEqual([
      'model',
      'key',
      'user',
      'team',
    ]);
    asked[0].flush(report('model', []));
    asked[1].flush(report('key', []));
    asked[2].flush(report('user', [['u-1', 1]]));
    asked[3].flush({ error: { message: 'down' } }, { status: 500, statusText: 'x' });
    await settle();
    expect(rows('Spend by user')).toEqual([['u-1', '$1.00', '2', '30', '100.0%']]);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain('could not be loaded');
  });
});
