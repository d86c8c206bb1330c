import { provideHttpClient } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
  type TestRequest,
} from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { Role } from '@gatehouse/shared/auth';
import type { AuditLogEntry, AuditLogList, UserListResponse } from '@gatehouse/shared/dto';
import { aMe, anAuditEntry, aUser } from '../../../testing/factories';
import { SessionService } from '../../data-access/session.service';
import { downloadText } from '../../shared/download';
import { AuditComponent } from './audit.component';

jest.mock('../../shared/download', () => ({ downloadText: jest.fn() }));
const download = jest.mocked(downloadText);

function list(rows: AuditLogEntry[], total = rows.length, page = 1, pageSize = 25): AuditLogList {
  return {
    audit_logs: rows,
    total,
    page,
    page_size: pageSize,
    total_pages: Math.ceil(total / pageSize),
  };
}

function users(...people: [string, string][]): UserListResponse {
  return {
    users: people.map(([user_id, user_email]) => aUser({ user_id, user_email })),
    total: people.length,
    page: 1,
    page_size: 100,
    total_pages: 1,
  };
}

describe('AuditComponent', () => {
  let harness: RouterTestingHarness;
  let http: HttpTestingController;
  let root: HTMLElement;

  /** Opens `/audit…` as `role`; answers the users list (the names of the Who column). */
  async function render(role: Role, url = '/audit'): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([{ path: 'audit', component: AuditComponent }]),
      ],
    });
    TestBed.inject(SessionService).me.set(aMe(role));
    http = TestBed.inject(HttpTestingController);
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url, AuditComponent);
    root = harness.routeNativeElement as HTMLElement;
    http
      .expectOne((r) => r.url === '/user/list')
      .flush(users(['u-admin', 'admin@example.test'], ['u-owner', 'owner@example.test']));
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    harness.detectChanges();
    await harness.fixture.whenStable();
  }

  const audits = (): TestRequest[] => http.match((r) => r.url === '/audit');

  function lastAudit(): TestRequest {
    const requests = audits();
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests.slice(0, -1)) request.flush(list([]));
    return requests[requests.length - 1];
  }

  function input(label: string): HTMLInputElement {
    const field = Array.from(root.querySelectorAll('mat-form-field')).find(
      (f) => f.querySelector('mat-label')?.textContent?.trim() === label,
    );
    const element = field?.querySelector('input');
    if (!element) throw new Error(`no input labelled ${label}`);
    return element;
  }

  /** Types `value` and commits it (the browser's `change`: Enter, or leaving the field). */
  async function typeAndCommit(label: string, value: string): Promise<void> {
    const element = input(label);
    element.value = value;
    element.dispatchEvent(new Event('input'));
    element.dispatchEvent(new Event('change'));
    await settle();
  }

  function button(text: string): HTMLButtonElement {
    const found = Array.from(root.querySelectorAll('button')).find(
      (b) => b.textContent?.trim() === text,
    );
    if (!found) throw new Error(`no button ${text}`);
    return found;
  }

  afterEach(() => {
    http.verify();
    download.mockReset();
  });

  it('reads its filters from the URL and asks for the first page with them', async () => {
    await render('proxy_admin_viewer', '/audit?table_name=key&object_id=tok-1&action=bogus');
    const request = lastAudit();
    const sent = request.request.params;
    expect(Object.fromEntries(sent.keys().map((name) => [name, sent.get(name)]))).toEqual({
      table_name: 'key',
      object_id: 'tok-1',
      page: '1',
      page_size: '25',
    });
    request.flush(list([anAuditEntry({ changed_by: 'u-owner' })]));
    await settle();
    expect(input('Object id').value).toBe('tok-1');
    const row = root.querySelector('tr[mat-row]');
    expect(row?.textContent).toContain('owner@example.test');
    expect(row?.textContent).toContain('via console session');
    expect(row?.textContent).toContain('Updated');
    expect(row?.textContent).toContain('max_budget');
    expect(row?.getAttribute('aria-label')).toContain('Open Updated of Key ffff');
  });

  it('looks up an actor the users list lacked, once, and keeps the id of a deleted one', async () => {
    await render('proxy_admin_viewer');
    lastAudit().flush(
      list([
        anAuditEntry({ id: 'a-1', changed_by: 'u-late' }),
        anAuditEntry({ id: 'a-2', changed_by: 'u-late' }),
        anAuditEntry({ id: 'a-3', changed_by: 'u-gone' }),
        anAuditEntry({ id: 'a-4', changed_by: 'system', auth_method: 'system' }),
        anAuditEntry({
          id: 'a-5',
          changed_by: null,
          action: 'login_failed',
          table_name: 'session',
        }),
      ]),
    );
    await settle();
    const late = http.expectOne('/user/info?user_id=u-late');
    late.flush({ user_id: 'u-late', user_info: users(['u-late', 'late@example.test']).users[0] });
    http
      .expectOne('/user/info?user_id=u-gone')
      .flush({ error: { message: 'not found' } }, { status: 404, statusText: 'Not Found' });
    await settle();
    const cells = Array.from(root.querySelectorAll('tr[mat-row]')).map((row) =>
      row.querySelectorAll('td')[1]?.textContent?.trim(),
    );
    expect(cells).toEqual([
      'late@example.test via console session',
      'late@example.test via console session',
      'u-gone via console session',
      'Gatehouse (system) via Gatehouse itself',
      'nobody signed in via console session',
    ]);
    // Another view naming the same actors looks nothing up again (http.verify would say).
    await harness.navigateByUrl('/audit?action=updated');
    lastAudit().flush(
      list([anAuditEntry({ changed_by: 'u-late' }), anAuditEntry({ changed_by: 'u-gone' })]),
    );
    await settle();
    expect(root.querySelector('tr[mat-row]')?.textContent).toContain('late@example.test');
  });

  it('never asks a viewer for the chain status (verify is proxy_admin only)', async () => {
    await render('proxy_admin_viewer');
    lastAudit().flush(list([]));
    await settle();
    expect(http.match((r) => r.url === '/audit/verify')).toHaveLength(0);
    expect(root.querySelector('[data-testid="audit-chain"]')).toBeNull();
    expect(root.querySelector('[data-testid="audit-empty"]')).toBeTruthy();
  });

  it('shows an admin that the chain holds', async () => {
    await render('proxy_admin');
    lastAudit().flush(list([]));
    http.expectOne('/audit/verify').flush({ ok: true, rows: 42, first_bad_id: null });
    await settle();
    const chain = root.querySelector('[data-testid="audit-chain"]');
    expect(chain?.getAttribute('role')).toBe('status');
    expect(chain?.textContent).toContain('Chain intact');
    expect(chain?.textContent).toContain('all 42 rows verify');
  });

  it('names the first row that breaks the chain and opens it', async () => {
    await render('proxy_admin');
    lastAudit().flush(list([]));
    http.expectOne('/audit/verify').flush({ ok: false, rows: 9, first_bad_id: 'a-7' });
    await settle();
    expect(root.querySelector('[data-testid="audit-chain"]')?.textContent).toContain(
      'Chain broken',
    );
    button('Open that row').click();
    http.expectOne('/audit/a-7').flush(anAuditEntry({ id: 'a-7', changed_by: 'admin' }));
    await settle();
    const panel = document.querySelector('[data-testid="audit-detail"]');
    expect(panel?.textContent).toContain('a-7');
    expect(panel?.querySelector('[data-testid="audit-actor"]')?.textContent).toBe(
      'admin (master key)',
    );
  });

  it('puts a typed filter into the URL and reloads from page 1', async () => {
    await render('proxy_admin_viewer');
    lastAudit().flush(list([anAuditEntry()], 120));
    await settle();
    await typeAndCommit('Object id', 'team-9');
    const request = lastAudit();
    expect(request.request.params.get('object_id')).toBe('team-9');
    expect(request.request.params.get('page')).toBe('1');
    request.flush(list([]));
    await settle();
    expect(TestBed.inject(Router).url).toBe('/audit?object_id=team-9');

    button('Clear filters').click();
    await settle();
    expect(lastAudit().request.params.has('object_id')).toBe(false);
    expect(TestBed.inject(Router).url).toBe('/audit');
  });

  it('keeps the date range in the URL as start_date and end_date, beside the other filters', async () => {
    await render('proxy_admin_viewer', '/audit?table_name=key&end_date=2026-11-30');
    lastAudit().flush(list([]));
    await settle();
    expect(input('To (UTC day)').value).toBe('2026-11-30');
    await typeAndCommit('From (UTC day)', '2026-11-01');
    const request = lastAudit();
    expect(
      ['table_name', 'start_date', 'end_date', 'page'].map((p) => request.request.params.get(p)),
    ).toEqual(['key', '2026-11-01', '2026-11-30', '1']);
    request.flush(list([]));
    await settle();
    expect(TestBed.inject(Router).url).toBe(
      '/audit?table_name=key&start_date=2026-11-01&end_date=2026-11-30',
    );

    await typeAndCommit('To (UTC day)', '');
    lastAudit().flush(list([]));
    await settle();
    expect(TestBed.inject(Router).url).toBe('/audit?table_name=key&start_date=2026-11-01');
  });

  it('looks an email up to its user id for "Changed by"', async () => {
    await render('proxy_admin_viewer');
    lastAudit().flush(list([]));
    await typeAndCommit('Changed by', 'Owner@Example.test');
    const lookup = http.expectOne((r) => r.url === '/user/list');
    expect(lookup.request.params.get('user_email')).toBe('Owner@Example.test');
    lookup.flush(users(['u-owner', 'owner@example.test']));
    await settle();
    const request = lastAudit();
    expect(request.request.params.get('changed_by')).toBe('u-owner');
    request.flush(list([]));
    await settle();
    expect(input('Changed by').value).toBe('owner@example.test');
  });

  it('drops an email lookup that a later filter change overtook', async () => {
    await render('proxy_admin_viewer', '/audit?table_name=key');
    lastAudit().flush(list([]));
    await settle();
    await typeAndCommit('Changed by', 'owner@example.test');
    const lookup = http.expectOne((r) => r.url === '/user/list');
    button('Clear filters').click();
    await settle();
    lastAudit().flush(list([]));
    lookup.flush(users(['u-owner', 'owner@example.test']));
    await settle();
    expect(audits()).toHaveLength(0);
    expect(TestBed.inject(Router).url).toBe('/audit');
  });

  it('says so when no user has the typed email, and does not filter', async () => {
    await render('proxy_admin_viewer');
    lastAudit().flush(list([]));
    await typeAndCommit('Changed by', 'nobody@example.test');
    http.expectOne((r) => r.url === '/user/list').flush(users());
    await settle();
    expect(audits()).toHaveLength(0);
    const error = root.querySelector('[data-testid="audit-who-error"]');
    expect(error?.getAttribute('role')).toBe('alert');
    expect(error?.textContent).toContain('nobody@example.test');
  });

  it('opens a row from the keyboard (Enter) in a panel with its before → after diff', async () => {
    await render('proxy_admin_viewer');
    lastAudit().flush(
      list([
        anAuditEntry({
          changed_by: 'u-admin',
          before_value: { max_budget: 5, key_alias: 'laptop' },
          updated_values: { max_budget: 5000, key_alias: 'laptop' },
        }),
      ]),
    );
    await settle();
    const row = root.querySelector<HTMLElement>('tr[mat-row]');
    row?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await settle();
    const diff = document.querySelector('[data-testid="audit-diff"]');
    const line = (field: string) =>
      Array.from(
        diff?.querySelector(`tr[data-field="${field}"]`)?.querySelectorAll('td') ?? [],
      ).map((td) => td.textContent?.trim());
    expect(line('max_budget')).toEqual(['5', '5000']);
    expect(diff?.querySelector('tr[data-field="max_budget"]')?.classList).toContain('changed');
    expect(diff?.querySelector('tr[data-field="key_alias"]')?.classList).not.toContain('changed');
    expect(document.querySelector('[data-testid="audit-actor"]')?.textContent).toBe(
      'admin@example.test',
    );
    const history = Array.from(document.querySelectorAll('mat-dialog-content a')).find((a) =>
      a.textContent?.includes('All changes to this key'),
    );
    expect(history?.getAttribute('href')).toBe(`/audit?table_name=key&object_id=${'f'.repeat(64)}`);
  });

  it('exports every page of the current filter as one CSV, each row once', async () => {
    await render('proxy_admin_viewer', '/audit?table_name=key');
    lastAudit().flush(list([anAuditEntry()], 1500));
    await settle();
    button('Export CSV').click();
    await settle();
    const first = http.expectOne((r) => r.url === '/audit' && r.params.get('page') === '1');
    expect(first.request.params.get('page_size')).toBe('1000');
    expect(first.request.params.get('table_name')).toBe('key');
    const rows = Array.from({ length: 1000 }, (_, i) => anAuditEntry({ id: `a-${i}` }));
    first.flush(list(rows, 1500, 1, 1000));
    await settle();
    expect(root.querySelector('[data-testid="audit-export-progress"]')?.textContent).toContain(
      'Exporting 1000 of 1500 rows',
    );
    // A row written meanwhile pushed a-999 onto page 2: it is exported once.
    const tail = Array.from({ length: 500 }, (_, i) => anAuditEntry({ id: `a-${999 + i}` }));
    http
      .expectOne((r) => r.url === '/audit' && r.params.get('page') === '2')
      .flush(list(tail, 1501, 2, 1000));
    await settle();
    expect(download).toHaveBeenCalledTimes(1);
    const [name, csv] = download.mock.calls[0];
    expect(name).toMatch(/^gatehouse-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 1499);
    expect(lines[0].startsWith('id,updated_at,changed_by,')).toBe(true);
    expect(root.querySelector('[data-testid="audit-export-progress"]')).toBeNull();
  });

  it('stops an export when cancelled, and downloads nothing', async () => {
    await render('proxy_admin_viewer');
    lastAudit().flush(list([anAuditEntry()], 5000));
    await settle();
    button('Export CSV').click();
    await settle();
    button('Cancel export').click();
    const rows = Array.from({ length: 1000 }, (_, i) => anAuditEntry({ id: `a-${i}` }));
    http
      .expectOne((r) => r.url === '/audit' && r.params.get('page') === '1')
      .flush(list(rows, 5000, 1, 1000));
    await settle();
    expect(audits()).toHaveLength(0);
    expect(download).not.toHaveBeenCalled();
    expect(button('Export CSV')).toBeTruthy();
  });

  it('shows an error state with Retry when the API fails', async () => {
    await render('proxy_admin_viewer');
    lastAudit().flush({ error: { message: 'down' } }, { status: 500, statusText: 'Server Error' });
    await settle();
    const error = root.querySelector('[data-testid="audit-error"]');
    expect(error?.getAttribute('role')).toBe('alert');
    error?.querySelector('button')?.click();
    lastAudit().flush(list([]));
  });
});
