import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { Role } from '@gatehouse/shared/auth';
import type { KeyInfoResponse, KeyResponse, SpendLogsResponse } from '@gatehouse/shared/dto';
import { SessionService } from '../../data-access/session.service';
import { aKey as aKeyResponse, aMe } from '../../../testing/factories';
import { KeyPageComponent } from './key-page.component';

const TOKEN = 'c'.repeat(64);

function aKey(overrides: Partial<KeyResponse> = {}): KeyResponse {
  return aKeyResponse({
    token: TOKEN,
    user_id: 'u-internal_user',
    spend: 0.25,
    created_by: 'u-internal_user',
    updated_by: 'u-internal_user',
    ...overrides,
  });
}

const noLogs: SpendLogsResponse = { data: [], total: 0, page: 1, page_size: 10, total_pages: 0 };

describe('KeyPageComponent', () => {
  let fixture: ComponentFixture<KeyPageComponent>;
  let http: HttpTestingController;
  let root: HTMLElement;

  async function render(role: Role, key = aKey()): Promise<void> {
    TestBed.configureTestingModule({
      imports: [KeyPageComponent],
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    TestBed.inject(SessionService).me.set(aMe(role));
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(KeyPageComponent);
    fixture.componentRef.setInput('token', TOKEN);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    const info: KeyInfoResponse = { key: TOKEN, info: key };
    http.expectOne(`/key/info?key=${TOKEN}`).flush(info);
    const logs = http.expectOne((r) => r.url === '/spend/logs');
    expect(logs.request.params.get('api_key')).toBe(TOKEN);
    logs.flush(noLogs);
    for (const request of http.match((r) => r.url === '/model/info' || r.url === '/user/info')) {
      request.flush(request.request.url === '/model/info' ? { data: [] } : { error: {} }, {
        status: request.request.url === '/model/info' ? 200 : 404,
        statusText: 'x',
      });
    }
    await settle();
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    fixture.detectChanges();
    await fixture.whenStable();
  }

  function input(label: string): HTMLInputElement {
    const field = Array.from(root.querySelectorAll('mat-form-field')).find(
      (f) => f.querySelector('mat-label')?.textContent?.trim() === label,
    );
    const element = field?.querySelector('input');
    if (!element) throw new Error(`no input labelled ${label}`);
    return element;
  }

  function type(label: string, value: string): void {
    const element = input(label);
    element.value = value;
    element.dispatchEvent(new Event('input'));
  }

  async function save(): Promise<void> {
    root.querySelector('form')?.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
  }

  afterEach(() => http.verify());

  it('shows the settings, and the recent-logs empty state', async () => {
    await render('internal_user');
    expect(root.querySelector('h1')?.textContent).toContain('laptop');
    expect(root.querySelector('[data-testid="key-spend"]')?.textContent).toContain('$0.25 / $5.00');
    expect(root.querySelector('[data-testid="key-logs-empty"]')).toBeTruthy();
  });

  it('sends only the changed field and shows the saved key', async () => {
    await render('internal_user');
    type('Requests per minute', '30');
    await save();
    const request = http.expectOne('/key/update');
    expect(request.request.body).toEqual({ key: TOKEN, rpm_limit: 30 });
    request.flush(aKey({ rpm_limit: 30 }));
    await settle();
    expect(input('Requests per minute').value).toBe('30');
  });

  it("shows the API's error next to the field its param names", async () => {
    await render('internal_user');
    type('Budget reset period', 'soon');
    await save();
    http.expectOne('/key/update').flush(
      {
        error: {
          message: 'budget_duration must be a duration',
          type: 'invalid_request_error',
          param: 'budget_duration',
          code: '400',
        },
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle();
    expect(root.querySelector('[data-testid="error-budget_duration"]')?.textContent).toContain(
      'budget_duration must be a duration',
    );
    expect(root.querySelector('[data-testid="key-edit-error"]')).toBeNull();
  });

  it('shows an error without a known param above the button', async () => {
    await render('internal_user');
    type('Key alias', 'other');
    await save();
    http
      .expectOne('/key/update')
      .flush(
        { error: { message: 'Key not found', type: 'not_found', param: 'key', code: '404' } },
        { status: 404, statusText: 'Not Found' },
      );
    await settle();
    expect(root.querySelector('[data-testid="key-edit-error"]')?.textContent).toContain(
      'Key not found',
    );
  });

  it('offers a viewer no edit, regenerate, block or delete', async () => {
    await render('internal_user_viewer');
    expect(root.querySelector('form')).toBeNull();
    expect(root.textContent).not.toContain('Regenerate secret');
    expect(root.textContent).not.toContain('Block key');
  });

  it('links an admin viewer to the key in the audit log', async () => {
    await render('proxy_admin_viewer');
    const link = Array.from(root.querySelectorAll('a')).find(
      (a) => a.textContent?.trim() === 'Audit history',
    );
    expect(link?.getAttribute('href')).toBe(`/audit?table_name=key&object_id=${TOKEN}`);
  });

  it('gives an internal user no audit link (it may not read the audit log)', async () => {
    await render('internal_user');
    expect(root.textContent).not.toContain('Audit history');
  });

  it('offers unblock only to admins', async () => {
    await render('internal_user', aKey({ blocked: true }));
    expect(root.textContent).not.toContain('Unblock key');
    expect(root.querySelector('[data-testid="key-status"]')?.textContent).toContain('Blocked');
  });
});
