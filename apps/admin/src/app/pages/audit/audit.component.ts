import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  inject,
  type OnInit,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { ActivatedRoute, Router } from '@angular/router';
import type { AuditLogEntry, UserResponse } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { apiErrorMessage } from '../../data-access/api-error';
import { AuditService, type AuditFilters } from '../../data-access/audit.service';
import { SessionService } from '../../data-access/session.service';
import { UsersService } from '../../data-access/users.service';
import {
  CellDirective,
  DataTableComponent,
  type DataColumn,
} from '../../shared/data-table/data-table.component';
import { DateRangeComponent, type DateRange } from '../../shared/date-range.component';
import { downloadText } from '../../shared/download';
import { TableState } from '../../shared/table-state';
import { utcTime } from '../logs/log-view';
import { AuditDiffComponent, type AuditDiffData } from './audit-diff.component';
import {
  ACTION_LABELS,
  ACTIONS,
  AUTH_METHOD_LABELS,
  changedFields,
  filtersFromQuery,
  queryOfFilters,
  TABLE_LABELS,
  TABLES,
  toAuditCsv,
} from './audit-view';

/** What `/audit/verify` said of the hash chain (admins only). */
export type ChainStatus =
  | { state: 'checking' }
  | { state: 'ok'; rows: number }
  | { state: 'broken'; rows: number; firstBadId: string | null }
  | { state: 'failed'; message: string };

/** A filter chosen from a list (its `any` option is "no filter"). */
interface FilterSelect {
  name: 'action' | 'table_name';
  label: string;
  any: string;
  options: readonly { value: string; label: string }[];
}

/** Actors that are not users: the master key and the server's own jobs. */
const NON_USER_ACTORS: Readonly<Record<string, string>> = {
  admin: 'admin (master key)',
  system: 'Gatehouse (system)',
};

/** An object id this long (a key's 64-hex token) is cut in the table; the panel shows it whole. */
const LONG_ID = 24;

/**
 * `/ui/audit`: every change on the management plane, newest first, paged on the server. The URL
 * holds the filters (`?table_name=key&object_id=…` from a key, user or team page), so a filter
 * change is a navigation and a shared link opens the same view. Admins also see whether the
 * hash chain holds (`/audit/verify` is proxy_admin only, so viewers never call it).
 */
@Component({
  selector: 'gh-audit',
  imports: [
    FormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    DataTableComponent,
    CellDirective,
    DateRangeComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './audit.component.html',
  styles: `
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 0 16px;
      align-items: baseline;
    }
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      gap: 8px 16px;
      align-items: center;
      margin-bottom: 8px;
    }
    .chain {
      margin: 0 0 16px;
    }
    @media (max-width: 600px) {
      .filters mat-form-field {
        width: 100%;
      }
    }
    .via {
      display: block;
      font: var(--mat-sys-body-small);
    }
  `,
})
export class AuditComponent implements OnInit {
  private readonly audit = inject(AuditService);
  private readonly usersApi = inject(UsersService);
  private readonly session = inject(SessionService);
  private readonly notify = inject(NotifyService);
  private readonly dialog = inject(MatDialog);
  private readonly route = inject(ActivatedRoute);
  private readonly router = inject(Router);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly actionLabels = ACTION_LABELS;
  protected readonly tableLabels = TABLE_LABELS;
  /** The filters picked from a fixed list: one shape, one template loop. */
  protected readonly selects: readonly FilterSelect[] = [
    {
      name: 'action',
      label: 'Action',
      any: 'All actions',
      options: ACTIONS.map((value) => ({ value, label: ACTION_LABELS[value] })),
    },
    {
      name: 'table_name',
      label: 'Object type',
      any: 'All types',
      options: TABLES.map((value) => ({ value, label: TABLE_LABELS[value] })),
    },
  ];

  /** The filters in force: always those of the URL. */
  protected readonly filters = signal<AuditFilters>({});
  protected readonly hasFilters = computed(() =>
    Object.values(queryOfFilters(this.filters())).some((value) => value !== null),
  );
  /** An email typed in "Changed by" that matches no user. */
  protected readonly whoError = signal<string | null>(null);
  private whoLookups = 0;
  protected readonly canVerify = computed(
    () => this.session.me() !== null && this.session.can('audit.verify'),
  );
  protected readonly chain = signal<ChainStatus | null>(null);
  protected readonly chainRows = computed(() => {
    const chain = this.chain();
    return chain && 'rows' in chain ? chain.rows : 0;
  });
  protected readonly chainBadId = computed(() => {
    const chain = this.chain();
    return chain?.state === 'broken' ? chain.firstBadId : null;
  });
  protected readonly chainError = computed(() => {
    const chain = this.chain();
    return chain?.state === 'failed' ? chain.message : null;
  });
  protected readonly exporting = signal<{ done: number; total: number } | null>(null);
  private exportCancelled = false;

  /** user_id -> email, for the "Who" column; unknown ids are looked up once. */
  private readonly names = signal(new Map<string, string>());
  private readonly lookedUp = new Set<string>();

  protected readonly table = new TableState<AuditLogEntry>(
    async (page, size) => {
      const answer = await this.audit.list({ ...this.filters(), page, page_size: size });
      void this.resolveActors(answer.audit_logs);
      return { rows: answer.audit_logs, total: answer.total };
    },
    (error) => this.notify.error(error, 'Could not load the audit log'),
    25,
  );

  protected readonly columns: DataColumn<AuditLogEntry>[] = [
    { id: 'time', header: 'Time (UTC)', value: (row) => utcTime(row.updated_at) },
    { id: 'who', header: 'Who' },
    { id: 'action', header: 'Action', value: (row) => this.actionLabels[row.action] ?? row.action },
    { id: 'object', header: 'Object', value: (row) => this.objectLabel(row, true) },
    { id: 'fields', header: 'Changes', value: (row) => changedFields(row) },
  ];
  protected readonly openLabel = (row: AuditLogEntry) =>
    `Open ${this.actionLabels[row.action] ?? row.action} of ${this.objectLabel(row, false)} ` +
    `by ${this.actorName(row)} at ${utcTime(row.updated_at)}`;

  /** The "Who" filter's text: the email of the user it names, where the page knows it. */
  protected readonly whoText = computed(() => {
    const who = this.filters().changed_by ?? '';
    return this.names().get(who) ?? who;
  });

  ngOnInit(): void {
    this.route.queryParamMap.pipe(takeUntilDestroyed(this.destroyRef)).subscribe((query) => {
      this.filters.set(filtersFromQuery(query));
      this.table.firstPage();
    });
    void this.loadUsers();
    if (this.canVerify()) void this.verify();
  }

  /** Emails for the first 100 users (by email); others are looked up as rows name them. */
  private async loadUsers(): Promise<void> {
    try {
      const answer = await this.usersApi.list({ page_size: 100, sort_by: 'user_email' });
      this.remember(answer.users);
    } catch {
      // Names are a convenience: the column falls back to user ids.
    }
  }

  private remember(users: readonly UserResponse[]): void {
    this.names.update((names) => {
      const next = new Map(names);
      for (const user of users) {
        this.lookedUp.add(user.user_id);
        if (user.user_email) next.set(user.user_id, user.user_email);
      }
      return next;
    });
  }

  private async resolveActors(rows: readonly AuditLogEntry[]): Promise<void> {
    const missing = [
      ...new Set(rows.map((row) => row.changed_by).filter((id): id is string => id !== null)),
    ].filter((id) => !(id in NON_USER_ACTORS) && !this.lookedUp.has(id));
    for (const id of missing) this.lookedUp.add(id);
    const found = await Promise.all(
      missing.map(async (id) => {
        try {
          return (await this.usersApi.info(id)).user_info;
        } catch {
          return null; // a deleted user keeps its id
        }
      }),
    );
    this.remember(found.filter((user): user is UserResponse => user !== null));
  }

  protected actorName(row: Pick<AuditLogEntry, 'changed_by'>): string {
    const who = row.changed_by;
    if (who === null) return 'nobody signed in';
    return NON_USER_ACTORS[who] ?? this.names().get(who) ?? who;
  }

  protected via(row: AuditLogEntry): string {
    return `via ${AUTH_METHOD_LABELS[row.auth_method] ?? row.auth_method}`;
  }

  private objectLabel(row: AuditLogEntry, short: boolean): string {
    const table = this.tableLabels[row.table_name] ?? row.table_name;
    const id = row.object_id;
    if (id === null) return table;
    return `${table} ${short && id.length > LONG_ID ? `${id.slice(0, 8)}…` : id}`;
  }

  /** A filter changed: the URL changes, and the URL's filters load from page 1. */
  protected setFilter<K extends keyof AuditFilters>(name: K, value: AuditFilters[K]): void {
    void this.navigate({ ...this.filters(), [name]: value });
  }

  protected setRange(range: DateRange): void {
    void this.navigate({ ...this.filters(), start_date: range.start, end_date: range.end });
  }

  protected clearFilters(): void {
    this.whoError.set(null);
    void this.navigate({});
  }

  private navigate(filters: AuditFilters): Promise<boolean> {
    this.whoLookups += 1;
    return this.router.navigate([], {
      relativeTo: this.route,
      queryParams: queryOfFilters(filters),
      replaceUrl: true,
    });
  }

  /**
   * "Changed by" takes a user id, `admin`, `system`, or an email (looked up to its user id). A
   * lookup that another filter change overtook is dropped, so it cannot bring back old filters.
   */
  protected async setWho(text: string): Promise<void> {
    const value = text.trim();
    const lookup = ++this.whoLookups;
    this.whoError.set(null);
    if (!value.includes('@')) {
      this.setFilter('changed_by', value || null);
      return;
    }
    try {
      const answer = await this.usersApi.list({ user_email: value, page_size: 25 });
      if (lookup !== this.whoLookups) return;
      const user = answer.users.find((u) => u.user_email?.toLowerCase() === value.toLowerCase());
      if (!user) {
        this.whoError.set(`No user has the email ${value}.`);
        return;
      }
      this.remember([user]);
      this.setFilter('changed_by', user.user_id);
    } catch (error) {
      if (lookup === this.whoLookups) this.whoError.set(apiErrorMessage(error));
    }
  }

  protected async verify(): Promise<void> {
    this.chain.set({ state: 'checking' });
    try {
      const answer = await this.audit.verify();
      this.chain.set(
        answer.ok
          ? { state: 'ok', rows: answer.rows }
          : { state: 'broken', rows: answer.rows, firstBadId: answer.first_bad_id },
      );
    } catch (error) {
      this.chain.set({ state: 'failed', message: apiErrorMessage(error) });
    }
  }

  /** The row `/audit/verify` names, in the panel (it may be on any page). */
  protected async openRow(id: string): Promise<void> {
    try {
      this.open(await this.audit.get(id));
    } catch (error) {
      this.notify.error(error, 'Could not load that row');
    }
  }

  protected open(entry: AuditLogEntry): void {
    this.dialog.open<AuditDiffComponent, AuditDiffData>(AuditDiffComponent, {
      data: { entry, actor: this.actorName(entry) },
      position: { top: '0', right: '0' },
      height: '100%',
      width: '560px',
      maxWidth: '100vw',
      panelClass: 'gh-drawer',
      autoFocus: 'first-tabbable',
      restoreFocus: true,
    });
  }

  /** Every row of the current filters, page by page, as one CSV file. */
  protected async exportCsv(): Promise<void> {
    if (this.exporting()) return;
    this.exportCancelled = false;
    this.exporting.set({ done: 0, total: this.table.total() });
    try {
      const rows = await this.audit.all(this.filters(), {
        progress: (done, total) => this.exporting.set({ done, total }),
        cancelled: () => this.exportCancelled,
      });
      if (this.exportCancelled) return;
      const day = new Date().toISOString().slice(0, 10);
      downloadText(`gatehouse-audit-${day}.csv`, toAuditCsv(rows));
      this.notify.success(`Exported ${rows.length} audit rows`);
    } catch (error) {
      this.notify.error(error, 'Could not export the audit log');
    } finally {
      this.exporting.set(null);
    }
  }

  protected cancelExport(): void {
    this.exportCancelled = true;
  }
}
