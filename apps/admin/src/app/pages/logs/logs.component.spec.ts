import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { MatAutocompleteHarness } from '@angular/material/autocomplete/testing';
import { provideRouter } from '@angular/router';
import type { Role } from '@gatehouse/shared/auth';
import type { SpendLogResponse, SpendLogsResponse, UserListResponse } from '@gatehouse/shared/dto';
import { SessionService } from '../../data-access/session.service';
import { aLog, aMe, aUser } from '../../../testing/factories';
import { LogsComponent } from './logs.component';

function page(data: SpendLogResponse[], total = data.length): SpendLogsResponse {
  return { data, total, page: 1, page_size: 50, total_pages: Math.ceil(total / 50) };
}

const owners: UserListResponse = {
  users: [aUser({ user_id: 'u-owner', user_email: 'owner@example.test', key_count: 1 })],
  total: 1,
  page: 1,
  page_size: 100,
  total_pages: 1,
};

describe('LogsComponent', () => {
  let fixture: ComponentFixture<LogsComponent>;
  let http: HttpTestingController;
  let root: HTMLElement;

  async function render(role: Role): Promise<void> {
    TestBed.configureTestingModule({
      imports: [LogsComponent],
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    TestBed.inject(SessionService).me.set(aMe(role));
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(LogsComponent);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    fixture.detectChanges();
    await fixture.whenStable();
  }

  const headers = () =>
    Array.from(root.querySelectorAll('th[mat-header-cell]')).map((th) => th.textContent?.trim());

  function field(label: string): HTMLInputElement {
    const found = Array.from(root.querySelectorAll('mat-form-field')).find((f) =>
      f.querySelector('mat-label')?.textContent?.includes(label),
    );
    const input = found?.querySelector('input');
    if (!input) throw new Error(`no input labelled ${label}`);
    return input;
  }

  afterEach(() => http.verify());

  it('asks an internal user for the first page only, with no user filter or column', async () => {
    await render('internal_user');
    const request = http.expectOne((r) => r.url === '/spend/logs');
    expect(request.request.params.keys().sort()).toEqual(['page', 'page_size']);
    expect(request.request.params.get('page_size')).toBe('50');
    request.flush(page([aLog()]));
    await settle();
    expect(root.querySelector('[data-testid="own-logs"]')).toBeTruthy();
    expect(headers()).not.toContain('User');
    expect(root.textContent).toContain('1.25 s');
  });

  it('shows admins every user, by email, and sends the filters from page 1', async () => {
    await render('proxy_admin');
    // No user list with the page: the User filter searches when it is used.
    http.expectNone((r) => r.url === '/user/list');
    http
      .expectOne((r) => r.url === '/spend/logs')
      .flush(
        page(
          [
            aLog({ user_email: 'owner@example.test' }),
            aLog({ request_id: 'r-admin', user: 'admin', user_email: null }),
          ],
          120,
        ),
      );
    await settle();
    expect(headers()).toContain('User');
    const rows = root.querySelectorAll('tr[mat-row]');
    expect(rows[0]?.textContent).toContain('owner@example.test');
    // No email to show (the master key's `admin`): the user id.
    expect(rows[1]?.textContent).toContain('admin');

    const model = field('Model');
    model.value = 'gpt-4o';
    model.dispatchEvent(new Event('input'));
    model.dispatchEvent(new Event('blur'));
    const from = field('From (UTC day)');
    from.value = '2026-11-01';
    from.dispatchEvent(new Event('input'));
    const requests = http.match((r) => r.url === '/spend/logs');
    const last = requests[requests.length - 1].request.params;
    expect([last.get('model'), last.get('start_date'), last.get('page')]).toEqual([
      'gpt-4o',
      '2026-11-01',
      '1',
    ]);
    for (const request of requests) request.flush(page([]));
    await settle();
    expect(root.querySelector('[data-testid="logs-empty"]')).toBeTruthy();
  });

  it('filters by a user found by email, from page 1', async () => {
    await render('proxy_admin');
    http.expectOne((r) => r.url === '/spend/logs').flush(page([aLog()], 120));
    await settle();
    const filter =
      await TestbedHarnessEnvironment.loader(fixture).getHarness(MatAutocompleteHarness);
    await filter.focus();
    http.expectOne((r) => r.url === '/user/list').flush(owners);
    await settle();
    await filter.selectOption({ text: 'owner@example.test' });
    const request = http.expectOne((r) => r.url === '/spend/logs');
    expect([request.request.params.get('user_id'), request.request.params.get('page')]).toEqual([
      'u-owner',
      '1',
    ]);
    request.flush(page([]));
  });

  it('opens a row in a side panel with tokens, cost, latency, cache hit and status', async () => {
    await render('internal_user');
    http
      .expectOne((r) => r.url === '/spend/logs')
      .flush(
        page([
          aLog({
            cache_hit: true,
            status: 'failure',
            error_type: 'rate_limit_error',
            key_alias: 'laptop',
            user_email: 'owner@example.test',
          }),
        ]),
      );
    await settle();
    root.querySelector<HTMLElement>('tr[mat-row] td')?.click();
    await settle();
    const panel = document.querySelector('[data-testid="log-detail"]');
    const value = (id: string) =>
      panel?.querySelector(`[data-testid="${id}"]`)?.textContent?.trim();
    expect(value('log-total-tokens')).toBe('17');
    expect(value('log-prompt-tokens')).toBe('12');
    expect(value('log-cost')).toBe('$0.0003');
    expect(value('log-latency')).toBe('1.25 s');
    expect(value('log-cache-hit')).toBe('Yes');
    expect(value('log-status')).toBe('failure');
    expect(value('log-error')).toBe('rate_limit_error');
    expect(value('log-user')).toBe('owner@example.test');
    expect(value('log-key')).toBe('Open the key laptop');
  });

  it('sends the team, status and cache filters, and names keys by alias', async () => {
    await render('internal_user');
    http.expectOne((r) => r.url === '/spend/logs').flush(page([aLog({ key_alias: 'laptop' })]));
    await settle();
    expect(root.querySelector('tr[mat-row]')?.textContent).toContain('laptop');
    const team = field('Team (id)');
    team.value = 't-1';
    team.dispatchEvent(new Event('input'));
    team.dispatchEvent(new Event('blur'));
    const requests = http.match((r) => r.url === '/spend/logs');
    expect(requests[requests.length - 1].request.params.get('team_id')).toBe('t-1');
    for (const request of requests) request.flush(page([]));
  });

  it('shows an error state with Retry when the API fails', async () => {
    await render('internal_user');
    http
      .expectOne((r) => r.url === '/spend/logs')
      .flush({ error: { message: 'down' } }, { status: 500, statusText: 'Server Error' });
    await settle();
    const error = root.querySelector('[data-testid="logs-error"]');
    expect(error?.getAttribute('role')).toBe('alert');
    error?.querySelector('button')?.click();
    http.expectOne((r) => r.url === '/spend/logs').flush(page([]));
  });
});
