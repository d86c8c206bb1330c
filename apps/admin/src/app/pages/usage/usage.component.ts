import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  type OnInit,
  signal,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { provideNativeDateAdapter } from '@angular/material/core';
import { MatDatepickerModule } from '@angular/material/datepicker';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTabsModule } from '@angular/material/tabs';
import type { CacheHitsResponse, DailyActivityResponse, KeyResponse } from '@gatehouse/shared/dto';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Colors,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { BaseChartDirective } from 'ng2-charts';
import { NotifyService } from '../../core/notify.service';
import { KeysService } from '../../data-access/keys.service';
import { SessionService } from '../../data-access/session.service';
import { SpendService } from '../../data-access/spend.service';
import { downloadText } from '../../shared/download';
import { isoDay, usd, utcDayForPicker } from '../../shared/format';
import { UserFilterComponent } from '../../shared/user-filter.component';
import { UsageBreakdownComponent } from './usage-breakdown.component';
import { cacheSummary, dailyRows, keyLabel, NO_KEY, toCsv, top, totals } from './usage-math';

// The one place chart.js is registered: only what these bar charts use (lazy chunk).
Chart.register(BarController, BarElement, CategoryScale, Colors, LinearScale, Tooltip, Legend);

@Component({
  selector: 'gh-usage',
  imports: [
    FormsModule,
    MatButtonModule,
    MatDatepickerModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatTabsModule,
    BaseChartDirective,
    UsageBreakdownComponent,
    UserFilterComponent,
  ],
  providers: [provideNativeDateAdapter()],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styles: `
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 0 16px;
      align-items: baseline;
    }
    .cards {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(160px, 1fr));
      gap: 12px;
      margin: 16px 0;
    }
    .card {
      padding: 12px 16px;
      border-radius: 12px;
      background: var(--mat-sys-surface-container);
    }
    .card .value {
      font: var(--mat-sys-headline-small);
    }
    .chart {
      position: relative;
      height: 280px;
    }
    .tops {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(280px, 1fr));
      gap: 16px;
    }
    table {
      width: 100%;
      border-collapse: collapse;
    }
    th,
    td {
      text-align: left;
      padding: 6px 4px;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
  `,
  template: `
    <section class="page">
      <div class="page-header">
        <h1>Usage</h1>
        <button mat-stroked-button type="button" (click)="exportCsv()" [disabled]="!hasData()">
          Export CSV
        </button>
      </div>
      <div class="filters">
        <mat-form-field>
          <mat-label>Date range</mat-label>
          <mat-date-range-input [rangePicker]="picker">
            <input
              matStartDate
              placeholder="Start date"
              [ngModel]="start()"
              (ngModelChange)="start.set($event)"
            />
            <input
              matEndDate
              placeholder="End date"
              [ngModel]="end()"
              (ngModelChange)="end.set($event); rangeChanged()"
            />
          </mat-date-range-input>
          <mat-datepicker-toggle
            matIconSuffix
            [for]="picker"
            aria-label="Open the date range calendar"
          />
          <mat-date-range-picker #picker />
        </mat-form-field>
        @if (seesEveryone()) {
          <gh-user-filter [value]="userId()" (userChange)="userId.set($event); load()" />
        } @else {
          <p class="muted" data-testid="own-usage">Your own usage</p>
        }
      </div>
      @if (loading()) {
        <mat-progress-bar mode="indeterminate" aria-label="Loading usage" />
      }
      <mat-tab-group>
        <mat-tab label="Usage">
          <div class="cards">
            <div class="card">
              <div class="muted">Spend</div>
              <div class="value" data-testid="total-spend">{{ usd(sum().spend) }}</div>
            </div>
            <div class="card">
              <div class="muted">Requests</div>
              <div class="value" data-testid="total-requests">{{ sum().requests }}</div>
              @if (sum().failedRequests) {
                <div class="muted">{{ sum().failedRequests }} failed</div>
              }
            </div>
            <div class="card">
              <div class="muted">Tokens</div>
              <div class="value" data-testid="total-tokens">{{ sum().totalTokens }}</div>
            </div>
            <div class="card">
              <div class="muted">Prompt / completion</div>
              <div class="value">{{ sum().promptTokens }} / {{ sum().completionTokens }}</div>
            </div>
          </div>
          @if (sum().requests > 0) {
            <h2>Spend per day</h2>
            <div class="chart">
              <canvas
                baseChart
                [type]="'bar'"
                [data]="spendChart()"
                [options]="options"
                aria-label="Spend per day chart"
                role="img"
              ></canvas>
            </div>
            <h2>Requests and tokens per day</h2>
            <div class="chart">
              <canvas
                baseChart
                [type]="'bar'"
                [data]="trafficChart()"
                [options]="trafficOptions"
                aria-label="Requests and tokens per day chart"
                role="img"
              ></canvas>
            </div>
            <div class="tops">
              <div>
                <h2>Top keys</h2>
                <table aria-label="Top keys">
                  <thead>
                    <tr>
                      <th>Key</th>
                      <th>Spend</th>
                      <th>Requests</th>
                    </tr>
                  </thead>
                  <tbody>
                    @for (row of topKeys(); track row.id) {
                      <tr>
                        <td>{{ row.label }}</td>
                        <td>{{ usd(row.spend) }}</td>
                        <td>{{ row.requests }}</td>
                      </tr>
                    }
                  </tbody>
                </table>
              </div>
              <div>
                <h2>Top models</h2>
                <table aria-label="Top models">
                  <thead>
                    <tr>
                      <th>Model</th>
                      <th>Spend</th>
                      <th>Tokens</th>
                    </tr>
                  </thead>
                  <tbody>
                    @for (row of topModels(); track row.id) {
                      <tr>
                        <td>{{ row.id }}</td>
                        <td>{{ usd(row.spend) }}</td>
                        <td>{{ row.tokens }}</td>
                      </tr>
                    }
                  </tbody>
                </table>
              </div>
            </div>
          } @else if (!loading()) {
            <p class="empty" data-testid="usage-empty">No usage in this period.</p>
          }
        </mat-tab>
        <mat-tab label="Caching">
          <div class="cards">
            <div class="card">
              <div class="muted">Cache hits</div>
              <div class="value" data-testid="cache-hits">{{ cache().hits }}</div>
            </div>
            <div class="card">
              <div class="muted">LLM calls</div>
              <div class="value" data-testid="llm-calls">{{ cache().calls }}</div>
            </div>
            <div class="card">
              <div class="muted">Hit rate</div>
              <div class="value" data-testid="hit-rate">
                {{ (cache().hitRate * 100).toFixed(1) }}%
              </div>
            </div>
            <div class="card">
              <div class="muted">Spend saved</div>
              <div class="value" data-testid="saved-spend">{{ usd(cache().saved) }}</div>
              <div class="muted">{{ cache().cachedTokens }} cached tokens</div>
            </div>
          </div>
          @if (cache().hits + cache().calls > 0) {
            <h2>Cache hits vs LLM calls per day</h2>
            <div class="chart">
              <canvas
                baseChart
                [type]="'bar'"
                [data]="cacheChart()"
                [options]="options"
                aria-label="Cache hits versus LLM calls chart"
                role="img"
              ></canvas>
            </div>
          } @else if (!loading()) {
            <p class="empty" data-testid="caching-empty">No caching data in this period.</p>
          }
        </mat-tab>
        <mat-tab label="Breakdown">
          <!-- Lazy: the four reports are asked for only when the tab is opened. -->
          <ng-template matTabContent>
            <gh-usage-breakdown [range]="range()" [seesEveryone]="seesEveryone()" />
          </ng-template>
        </mat-tab>
      </mat-tab-group>
    </section>
  `,
})
export class UsageComponent implements OnInit {
  private readonly spend = inject(SpendService);
  private readonly keysApi = inject(KeysService);
  private readonly session = inject(SessionService);
  private readonly notify = inject(NotifyService);

  protected readonly usd = usd;
  protected readonly start = signal<Date | null>(utcDayForPicker(new Date(), 29));
  protected readonly end = signal<Date | null>(utcDayForPicker(new Date()));
  protected readonly userId = signal<string | null>(null);
  /** The range the loaded data covers (YYYY-MM-DD). */
  protected readonly range = signal<{ start: string; end: string } | null>(null);
  protected readonly activity = signal<DailyActivityResponse | null>(null);
  protected readonly cacheData = signal<CacheHitsResponse | null>(null);
  /** `/key/info` of the top keys, by token; null = gone (or not visible any more). */
  private readonly keys = signal<ReadonlyMap<string, KeyResponse | null>>(new Map());
  protected readonly loading = signal(true);
  /** Answers to an older load (filters changed meanwhile) are dropped. */
  private loads = 0;

  protected readonly seesEveryone = computed(
    () => this.session.me() !== null && this.session.can('spend.read.any'),
  );
  protected readonly rows = computed(() => {
    const range = this.range();
    return range ? dailyRows(range, this.activity(), this.cacheData()) : [];
  });
  protected readonly sum = computed(() => totals(this.activity()));
  protected readonly topModels = computed(() => top(this.activity(), 'models'));
  protected readonly topKeys = computed(() =>
    top(this.activity(), 'api_keys').map((row) => ({
      ...row,
      label: keyLabel(row.id, this.keys().get(row.id)),
    })),
  );
  protected readonly cache = computed(() => cacheSummary(this.cacheData()));
  protected readonly hasData = computed(() => this.activity() !== null && this.rows().length > 0);
  protected readonly options: ChartConfiguration<'bar'>['options'] = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
  };
  protected readonly trafficOptions: ChartConfiguration<'bar'>['options'] = {
    ...this.options,
    scales: {
      y: { position: 'left', beginAtZero: true, title: { display: true, text: 'Requests' } },
      tokens: {
        position: 'right',
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        title: { display: true, text: 'Tokens' },
      },
    },
  };
  protected readonly spendChart = computed<ChartConfiguration<'bar'>['data']>(() => ({
    labels: this.rows().map((d) => d.date),
    datasets: [{ label: 'Spend (USD)', data: this.rows().map((d) => d.spend) }],
  }));
  protected readonly trafficChart = computed<ChartConfiguration<'bar'>['data']>(() => ({
    labels: this.rows().map((d) => d.date),
    datasets: [
      { label: 'Requests', data: this.rows().map((d) => d.requests), yAxisID: 'y' },
      { label: 'Tokens', data: this.rows().map((d) => d.totalTokens), yAxisID: 'tokens' },
    ],
  }));
  protected readonly cacheChart = computed<ChartConfiguration<'bar'>['data']>(() => ({
    labels: this.rows().map((d) => d.date),
    datasets: [
      { label: 'Cache hits', data: this.rows().map((d) => d.cacheHits) },
      { label: 'LLM calls', data: this.rows().map((d) => d.llmCalls) },
    ],
  }));

  ngOnInit(): void {
    void this.load();
  }

  protected rangeChanged(): void {
    if (this.start() && this.end()) void this.load();
  }

  protected async load(): Promise<void> {
    const start = this.start();
    const end = this.end();
    if (!start || !end) return;
    const range = { start: isoDay(start), end: isoDay(end) };
    const query = {
      start_date: range.start,
      end_date: range.end,
      // Internal users always get their own data; the API refuses anybody else's.
      user_id: this.seesEveryone() ? this.userId() : null,
    };
    const load = ++this.loads;
    this.loading.set(true);
    const [daily, cache] = await Promise.allSettled([
      this.spend.daily(query),
      this.spend.cacheHits(query),
    ]);
    if (load !== this.loads) return;
    this.range.set(range);
    this.activity.set(daily.status === 'fulfilled' ? daily.value : null);
    if (daily.status === 'rejected') this.notify.error(daily.reason, 'Could not load usage');
    this.cacheData.set(cache.status === 'fulfilled' ? cache.value : null);
    if (cache.status === 'rejected') {
      this.notify.error(cache.reason, 'Could not load caching analytics');
    }
    this.loading.set(false);
    await this.loadKeyNames();
  }

  /** Names the top keys (alias and `sk-...abcd`) with one `/key/info` each, once per key. */
  private async loadKeyNames(): Promise<void> {
    const known = this.keys();
    const missing = this.topKeys()
      .map((row) => row.id)
      .filter((id) => id !== NO_KEY && !known.has(id));
    if (!missing.length) return;
    const found = await Promise.all(
      missing.map(async (token) => {
        try {
          return [token, (await this.keysApi.info(token)).info] as const;
        } catch {
          return [token, null] as const;
        }
      }),
    );
    this.keys.update((map) => new Map([...map, ...found]));
  }

  protected exportCsv(): void {
    const range = this.range();
    downloadText(
      `gatehouse-usage-${range?.start ?? ''}-${range?.end ?? ''}.csv`,
      toCsv(this.rows()),
    );
  }
}
