import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { MatAutocompleteHarness } from '@angular/material/autocomplete/testing';
import { MAT_TABS_CONFIG } from '@angular/material/tabs';
import { MatTabGroupHarness } from '@angular/material/tabs/testing';
import { permissionsOf, type Role } from '@gatehouse/shared/auth';
import type {
  ActivityMetrics,
  CacheHitsResponse,
  DailyActivityResponse,
  KeyInfoResponse,
  KeyResponse,
  UserListResponse,
} from '@gatehouse/shared/dto';
import { SessionService } from '../../data-access/session.service';
import { aUser } from '../../../testing/factories';
import { UsageComponent } from './usage.component';

const TODAY = new Date().toISOString().slice(0, 10);
const MONTH_AGO = new Date(Date.parse(`${TODAY}T00:00:00Z`) - 29 * 86_400_000)
  .toISOString()
  .slice(0, 10);

function metrics(spend: number, requests: number, tokens: number): ActivityMetrics {
  return {
    spend,
    prompt_tokens: tokens - 10,
    completion_tokens: 10,
    total_tokens: tokens,
    api_requests: requests,
    successful_requests: requests,
    failed_requests: 0,
    cache_hits: 0,
  };
}

const activity: DailyActivityResponse = {
  results: [
    {
      date: TODAY,
      metrics: metrics(0.42, 3, 90),
      breakdown: {
        models: { 'gpt-4o': metrics(0.4, 2, 60), mini: metrics(0.02, 1, 30) },
        api_keys: { 'tok-laptop': metrics(0.4, 2, 60), 'tok-gone': metrics(0.02, 1, 30) },
      },
    },
  ],
  metadata: {
    total_spend: 0.42,
    total_prompt_tokens: 60,
    total_completion_tokens: 30,
    total_tokens: 90,
    total_api_requests: 3,
    total_successful_requests: 3,
    total_failed_requests: 0,
    total_cache_hits: 1,
  },
};

const cache: CacheHitsResponse = {
  daily_data: [
    { date: TODAY, cache_hits: 1, llm_api_calls: 2, cached_tokens: 30, saved_spend: 0.02 },
  ],
  sum_cache_hits: 1,
  sum_llm_api_calls: 2,
  sum_cached_tokens: 30,
  sum_saved_spend: 0.02,
};

const laptop: KeyResponse = {
  token: 'tok-laptop',
  key_name: 'sk-...abcd',
  key_alias: 'laptop',
  user_id: 'u-internal_user',
  team_id: null,
  models: [],
  max_budget: 5,
  spend: 0.4,
  budget_duration: null,
  budget_reset_at: null,
  expires: null,
  tpm_limit: null,
  rpm_limit: null,
  max_parallel_requests: null,
  metadata: {},
  blocked: false,
  key_type: 'default',
  created_at: `${TODAY}T00:00:00.000Z`,
  created_by: 'u-internal_user',
  updated_at: `${TODAY}T00:00:00.000Z`,
  updated_by: 'u-internal_user',
};

const users: UserListResponse = {
  users: [aUser({ user_id: 'u-42', user_email: 'u42@example.test' })],
  total: 1,
  page: 1,
  page_size: 20,
  total_pages: 1,
};

describe('UsageComponent', () => {
  let fixture: ComponentFixture<UsageComponent>;
  let http: HttpTestingController;
  let root: HTMLElement;

  async function render(role: Role): Promise<void> {
    TestBed.configureTestingModule({
      imports: [UsageComponent],
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        // jsdom runs no CSS transitions: switch tabs without waiting for one.
        { provide: MAT_TABS_CONFIG, useValue: { animationDuration: '0ms' } },
      ],
    });
    TestBed.inject(SessionService).me.set({
      user_id: `u-${role}`,
      user_email: `${role}@example.test`,
      user_role: role,
      auth: 'session',
      permissions: permissionsOf(role),
      has_password: true,
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(UsageComponent);
    root = fixture.nativeElement as HTMLElement;
    // jsdom draws no canvas: chart.js is told there is no context instead of logging it.
    jest.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await fixture.whenStable();
  }

  /** Lets the awaited HTTP answers reach the signals, then renders. */
  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    fixture.detectChanges();
    await fixture.whenStable();
  }

  function text(testId: string): string {
    return root.querySelector(`[data-testid="${testId}"]`)?.textContent?.trim() ?? '';
  }

  function rows(table: string): string[][] {
    return Array.from(root.querySelectorAll(`table[aria-label="${table}"] tbody tr`)).map((tr) =>
      Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? ''),
    );
  }

  function answerAnalytics(): void {
    http.expectOne((r) => r.url === '/user/daily/activity').flush(activity);
    http.expectOne((r) => r.url === '/global/activity/cache_hits').flush(cache);
  }

  function answerKeyInfo(): void {
    const info: KeyInfoResponse = { key: 'tok-laptop', info: laptop };
    http.expectOne('/key/info?key=tok-laptop').flush(info);
    http
      .expectOne('/key/info?key=tok-gone')
      .flush(
        { error: { message: 'Key not found', type: 'not_found', param: 'key', code: '404' } },
        { status: 404, statusText: 'Not Found' },
      );
  }

  afterEach(() => {
    http.verify();
    jest.restoreAllMocks();
  });

  it('asks for the last 30 UTC days of the caller’s own data, without a user filter', async () => {
    await render('internal_user');
    const daily = http.expectOne((r) => r.url === '/user/daily/activity');
    expect(daily.request.params.keys().sort()).toEqual(['end_date', 'start_date']);
    expect(daily.request.params.get('start_date')).toBe(MONTH_AGO);
    expect(daily.request.params.get('end_date')).toBe(TODAY);
    const hits = http.expectOne((r) => r.url === '/global/activity/cache_hits');
    expect(hits.request.params.get('start_date')).toBe(MONTH_AGO);
    daily.flush(activity);
    hits.flush(cache);
    await settle();
    answerKeyInfo();
    http.expectNone((r) => r.url === '/user/list');
    expect(root.querySelector('gh-user-filter')).toBeNull();
    expect(text('own-usage')).toBe('Your own usage');
  });

  it('maps the activity into cards and top tables, naming keys by alias', async () => {
    await render('internal_user');
    answerAnalytics();
    await settle();
    answerKeyInfo();
    await settle();
    expect(text('total-spend')).toBe('$0.42');
    expect(text('total-requests')).toBe('3');
    expect(text('total-tokens')).toBe('90');
    expect(rows('Top models')).toEqual([
      ['gpt-4o', '$0.40', '60'],
      ['mini', '$0.02', '30'],
    ]);
    expect(rows('Top keys')).toEqual([
      ['laptop (sk-...abcd)', '$0.40', '2'],
      ['Deleted key', '$0.02', '1'],
    ]);
    expect(root.querySelector('[aria-label="Spend per day chart"]')).toBeTruthy();
    expect(root.querySelector('[data-testid="usage-empty"]')).toBeNull();
  });

  it('maps the cache hits into the Caching tab', async () => {
    await render('proxy_admin_viewer');
    answerAnalytics();
    await settle();
    answerKeyInfo();
    const tabs = await TestbedHarnessEnvironment.loader(fixture).getHarness(MatTabGroupHarness);
    await tabs.selectTab({ label: 'Caching' });
    await settle();
    expect(text('cache-hits')).toBe('1');
    expect(text('llm-calls')).toBe('2');
    expect(text('hit-rate')).toBe('33.3%');
    expect(text('saved-spend')).toBe('$0.02');
    expect(root.querySelector('[aria-label="Cache hits versus LLM calls chart"]')).toBeTruthy();
  });

  it('lets admin viewers pick a user, and sends it to both analytics routes', async () => {
    await render('proxy_admin_viewer');
    answerAnalytics();
    await settle();
    answerKeyInfo();
    // Users are searched when the filter is used, not fetched with the page.
    http.expectNone((r) => r.url === '/user/list');
    const filter =
      await TestbedHarnessEnvironment.loader(fixture).getHarness(MatAutocompleteHarness);
    await filter.focus();
    http.expectOne((r) => r.url === '/user/list').flush(users);
    await settle();
    await filter.selectOption({ text: 'u42@example.test' });
    const daily = http.expectOne((r) => r.url === '/user/daily/activity');
    const hits = http.expectOne((r) => r.url === '/global/activity/cache_hits');
    expect(daily.request.params.get('user_id')).toBe('u-42');
    expect(hits.request.params.get('user_id')).toBe('u-42');
    daily.flush({
      ...activity,
      results: [],
      metadata: { ...activity.metadata, total_api_requests: 0 },
    });
    hits.flush({ ...cache, daily_data: [], sum_cache_hits: 0, sum_llm_api_calls: 0 });
    await settle();
    // Keys already named are not asked for again.
    expect(text('usage-empty')).toBe('No usage in this period.');
  });

  it('says so when there is no usage, and shows zeros', async () => {
    await render('internal_user_viewer');
    http
      .expectOne((r) => r.url === '/user/daily/activity')
      .flush({
        results: [],
        metadata: {
          total_spend: 0,
          total_prompt_tokens: 0,
          total_completion_tokens: 0,
          total_tokens: 0,
          total_api_requests: 0,
          total_successful_requests: 0,
          total_failed_requests: 0,
          total_cache_hits: 0,
        },
      } satisfies DailyActivityResponse);
    http
      .expectOne((r) => r.url === '/global/activity/cache_hits')
      .flush({
        daily_data: [],
        sum_cache_hits: 0,
        sum_llm_api_calls: 0,
        sum_cached_tokens: 0,
        sum_saved_spend: 0,
      } satisfies CacheHitsResponse);
    await settle();
    expect(text('total-spend')).toBe('$0.00');
    expect(text('usage-empty')).toBe('No usage in this period.');
    expect(root.querySelector('canvas')).toBeNull();
  });
});
