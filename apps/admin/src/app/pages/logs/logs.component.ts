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
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { ActivatedRoute } from '@angular/router';
import type { SpendLogResponse, SpendStatus } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { SessionService } from '../../data-access/session.service';
import { SpendService } from '../../data-access/spend.service';
import {
  CellDirective,
  DataTableComponent,
  type DataColumn,
} from '../../shared/data-table/data-table.component';
import { DateRangeComponent, type DateRange } from '../../shared/date-range.component';
import { usd } from '../../shared/format';
import { TableState } from '../../shared/table-state';
import { UserFilterComponent } from '../../shared/user-filter.component';
import { LogDetailComponent } from './log-detail.component';
import { formatMs, latencyMs, shortKey, utcTime } from './log-view';

/**
 * Request logs from `/spend/logs`, paged on the server. The API scopes them: admins and admin
 * viewers see everybody's (and may pick a user), everybody else only their own.
 */
@Component({
  selector: 'gh-logs',
  imports: [
    FormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    DataTableComponent,
    CellDirective,
    DateRangeComponent,
    UserFilterComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './logs.component.html',
  styles: `
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 0 16px;
    }
  `,
})
export class LogsComponent implements OnInit {
  private readonly spend = inject(SpendService);
  private readonly session = inject(SessionService);
  private readonly notify = inject(NotifyService);
  private readonly dialog = inject(MatDialog);
  private readonly route = inject(ActivatedRoute);

  protected readonly startDate = signal('');
  protected readonly endDate = signal('');
  protected readonly userId = signal<string | null>(null);
  protected readonly apiKey = signal('');
  protected readonly model = signal('');
  protected readonly teamId = signal('');
  protected readonly status = signal<SpendStatus | null>(null);
  protected readonly cacheHit = signal<'true' | 'false' | null>(null);
  protected readonly seesEveryone = computed(
    () => this.session.me() !== null && this.session.can('spend.read.any'),
  );

  protected readonly table = new TableState<SpendLogResponse>(
    async (page, size) => {
      const answer = await this.spend.logs({
        page,
        page_size: size,
        start_date: this.startDate() || null,
        end_date: this.endDate() || null,
        user_id: this.seesEveryone() ? this.userId() : null,
        api_key: this.apiKey().trim() || null,
        model: this.model().trim() || null,
        team_id: this.teamId().trim() || null,
        status: this.status(),
        cache_hit: this.cacheHit(),
      });
      return { rows: answer.data, total: answer.total };
    },
    (error) => this.notify.error(error, 'Could not load logs'),
    50,
  );

  protected readonly columns = computed<DataColumn<SpendLogResponse>[]>(() => [
    { id: 'time', header: 'Time (UTC)', value: (log) => utcTime(log.startTime) },
    { id: 'status', header: 'Status' },
    { id: 'model', header: 'Model', value: (log) => log.model },
    ...(this.seesEveryone()
      ? [{ id: 'user', header: 'User', value: (log: SpendLogResponse) => this.userName(log) }]
      : []),
    { id: 'key', header: 'Key', value: (log) => log.key_alias ?? shortKey(log.api_key) },
    { id: 'tokens', header: 'Tokens', value: (log) => log.total_tokens },
    { id: 'cost', header: 'Cost', value: (log) => usd(log.spend) },
    { id: 'latency', header: 'Latency', value: (log) => formatMs(latencyMs(log)) },
    { id: 'cache', header: 'Cache hit', value: (log) => (log.cache_hit ? 'Yes' : 'No') },
  ]);
  protected readonly openLabel = (log: SpendLogResponse) =>
    `Open request ${log.request_id} (${log.model}, ${utcTime(log.startTime)})`;

  ngOnInit(): void {
    const query = this.route.snapshot.queryParamMap;
    this.apiKey.set(query.get('api_key') ?? '');
    this.model.set(query.get('model') ?? '');
    this.teamId.set(query.get('team_id') ?? '');
    void this.table.load();
  }

  /** `/spend/logs` names each row's owner; no email (e.g. the master key's `admin`): the id. */
  protected userName(log: SpendLogResponse): string {
    return log.user_email ?? log.user;
  }

  protected setRange(range: DateRange): void {
    this.startDate.set(range.start ?? '');
    this.endDate.set(range.end ?? '');
  }

  /** A filter changed: back to page 1. Dates are inclusive UTC days, as the API reads them. */
  protected filter(apply: () => void): void {
    apply();
    this.table.firstPage();
  }

  protected open(log: SpendLogResponse): void {
    this.dialog.open<LogDetailComponent, SpendLogResponse>(LogDetailComponent, {
      data: log,
      position: { top: '0', right: '0' },
      height: '100%',
      width: '440px',
      maxWidth: '100vw',
      panelClass: 'gh-drawer',
      autoFocus: 'first-tabbable',
      restoreFocus: true,
    });
  }
}
