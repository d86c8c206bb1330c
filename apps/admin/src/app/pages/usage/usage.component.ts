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
import { MatSelectModule } from '@angular/material/select';
import { MatTabsModule } from '@angular/material/tabs';
import type { UserResponse } from '@gatehouse/shared/dto';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { BaseChartDirective } from 'ng2-charts';
import { NotifyService } from '../../core/notify.service';
import type { CacheHitsResponse, DailyActivity } from '../../data-access/api-types';
import { SessionService } from '../../data-access/session.service';
import { SpendService } from '../../data-access/spend.service';
import { UsersService } from '../../data-access/users.service';
import { isoDay, usd } from '../../shared/format';
import { cacheSummary, toCsv, top, totals } from './usage-math';

// The one place chart.js is registered: only what these bar charts use (lazy chunk).
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const DAY_MS = 24 * 60 * 60 * 1000;

@Component({
  selector: 'gh-usage',
  imports: [
    FormsModule,
    MatButtonModule,
    MatDatepickerModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    MatTabsModule,
    BaseChartDirective,
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
          <mat-form-field>
            <mat-label>User</mat-label>
            <mat-select [ngModel]="userId()" (ngModelChange)="userId.set($event); load()">
              <mat-option [value]="null">All users</mat-option>
              @for (user of users(); track user.user_id) {
                <mat-option [value]="user.user_id">{{
                  user.user_email ?? user.user_id
                }}</mat-option>
              }
            </mat-select>
          </mat-form-field>
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
              <div class="value">{{ sum().requests }}</div>
            </div>
            <div class="card">
              <div class="muted">Tokens</div>
              <div class="value">{{ sum().totalTokens }}</div>
            </div>
            <div class="card">
              <div class="muted">Prompt / completion</div>
              <div class="value">{{ sum().promptTokens }} / {{ sum().completionTokens }}</div>
            </div>
          </div>
          @if (days().length) {
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
                    @for (row of topKeys(); track row.name) {
                      <tr>
                        <td>{{ row.name }}</td>
                        <td>{{ usd(row.spend) }}</td>
                        <td>{{ row.requests }}</td>
                      </tr>
                    } @empty {
                      <tr>
                        <td colspan="3" class="muted">No key usage</td>
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
                    @for (row of topModels(); track row.name) {
                      <tr>
                        <td>{{ row.name }}</td>
                        <td>{{ usd(row.spend) }}</td>
                        <td>{{ row.tokens }}</td>
                      </tr>
                    } @empty {
                      <tr>
                        <td colspan="3" class="muted">No model usage</td>
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
              <div class="value">{{ cache().hits }}</div>
            </div>
            <div class="card">
              <div class="muted">LLM calls</div>
              <div class="value">{{ cache().calls }}</div>
            </div>
            <div class="card">
              <div class="muted">Hit rate</div>
              <div class="value" data-testid="hit-rate">
                {{ (cache().hitRate * 100).toFixed(1) }}%
              </div>
            </div>
            <div class="card">
              <div class="muted">Spend saved</div>
              <div class="value">{{ usd(cache().saved) }}</div>
            </div>
          </div>
          @if (cacheDays().length) {
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
            <p class="empty">No caching data in this period.</p>
          }
        </mat-tab>
      </mat-tab-group>
    </section>
  `,
})
export class UsageComponent implements OnInit {
  private readonly spend = inject(SpendService);
  private readonly usersApi = inject(UsersService);
  private readonly session = inject(SessionService);
  private readonly notify = inject(NotifyService);

  protected readonly usd = usd;
  protected readonly start = signal<Date | null>(new Date(Date.now() - 29 * DAY_MS));
  protected readonly end = signal<Date | null>(new Date());
  protected readonly userId = signal<string | null>(null);
  protected readonly users = signal<UserResponse[]>([]);
  protected readonly days = signal<DailyActivity[]>([]);
  protected readonly cacheData = signal<CacheHitsResponse | null>(null);
  protected readonly loading = signal(true);
  protected readonly seesEveryone = computed(
    () => this.session.me() !== null && this.session.can('spend.read.any'),
  );
  protected readonly sum = computed(() => totals(this.days()));
  protected readonly topKeys = computed(() => top(this.days(), 'api_keys'));
  protected readonly topModels = computed(() => top(this.days(), 'models'));
  protected readonly cache = computed(() => cacheSummary(this.cacheData()));
  protected readonly cacheDays = computed(() => this.cacheData()?.daily_data ?? []);
  protected readonly hasData = computed(
    () => this.days().length > 0 || this.cacheDays().length > 0,
  );
  protected readonly options: ChartConfiguration<'bar'>['options'] = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
  };
  protected readonly spendChart = computed<ChartConfiguration<'bar'>['data']>(() => ({
    labels: this.days().map((d) => d.date),
    datasets: [{ label: 'Spend (USD)', data: this.days().map((d) => d.metrics.spend ?? 0) }],
  }));
  protected readonly cacheChart = computed<ChartConfiguration<'bar'>['data']>(() => ({
    labels: this.cacheDays().map((d) => d.date),
    datasets: [
      { label: 'Cache hits', data: this.cacheDays().map((d) => d.cache_hits ?? 0) },
      { label: 'LLM calls', data: this.cacheDays().map((d) => d.llm_api_calls ?? 0) },
    ],
  }));

  ngOnInit(): void {
    if (this.seesEveryone()) void this.loadUsers();
    void this.load();
  }

  protected rangeChanged(): void {
    if (this.start() && this.end()) void this.load();
  }

  private async loadUsers(): Promise<void> {
    try {
      this.users.set((await this.usersApi.list({ page_size: 100, sort_by: 'user_email' })).users);
    } catch (error) {
      this.notify.error(error, 'Could not load users');
    }
  }

  protected async load(): Promise<void> {
    const start = this.start();
    const end = this.end();
    if (!start || !end) return;
    const query = {
      start_date: isoDay(start),
      end_date: isoDay(end),
      user_id: this.seesEveryone() ? this.userId() : null,
    };
    this.loading.set(true);
    const [daily, cache] = await Promise.allSettled([
      this.spend.daily(query),
      this.spend.cacheHits(query),
    ]);
    if (daily.status === 'fulfilled') {
      this.days.set(daily.value.results ?? []);
    } else {
      this.days.set([]);
      this.notify.error(daily.reason, 'Could not load usage');
    }
    this.cacheData.set(cache.status === 'fulfilled' ? cache.value : null);
    this.loading.set(false);
  }

  protected exportCsv(): void {
    const blob = new Blob([toCsv(this.days(), this.cacheData())], { type: 'text/csv' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    const start = this.start();
    const end = this.end();
    link.href = url;
    link.download = `gatehouse-usage-${start ? isoDay(start) : ''}-${end ? isoDay(end) : ''}.csv`;
    link.click();
    URL.revokeObjectURL(url);
  }
}
