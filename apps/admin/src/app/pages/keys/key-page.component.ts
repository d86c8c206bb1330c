import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
  type OnInit,
  signal,
} from '@angular/core';
import { FormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { Router, RouterLink } from '@angular/router';
import type { KeyResponse, SpendLogResponse } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { apiErrorMessage, apiErrorParam } from '../../data-access/api-error';
import { KeyModelsService } from '../../data-access/key-models.service';
import { KeysService } from '../../data-access/keys.service';
import { SessionService } from '../../data-access/session.service';
import { SpendService } from '../../data-access/spend.service';
import { ActionRunner } from '../../shared/action-runner';
import { DataTableComponent, type DataColumn } from '../../shared/data-table/data-table.component';
import { dateOnly, usd } from '../../shared/format';
import { HistoryLinkComponent } from '../../shared/history-link.component';
import { openNewSecret } from '../../shared/secret-dialog.component';
import { TableState } from '../../shared/table-state';
import { formatMs, latencyMs, utcTime } from '../logs/log-view';
import { EDITABLE_FIELDS, formValueOf, updateRequest, type EditableField } from './key-form';
import { keyStatus } from './keys.component';

export const GRACE_PERIODS: readonly { value: string; label: string }[] = [
  { value: '', label: 'None: the old secret stops at once' },
  { value: '10m', label: '10 minutes' },
  { value: '1h', label: '1 hour' },
  { value: '24h', label: '24 hours' },
  { value: '7d', label: '7 days' },
];

/** `/ui/keys/:token`: one key's settings, edit, regenerate, block, delete and recent logs. */
@Component({
  selector: 'gh-key-page',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatProgressBarModule,
    DataTableComponent,
    HistoryLinkComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './key-page.component.html',
  styles: `
    .settings {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
      gap: 12px 24px;
      margin: 0 0 24px;
    }
    .settings dt {
      color: var(--mat-sys-on-surface-variant);
    }
    .settings dd {
      margin: 0;
      word-break: break-word;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
      align-items: center;
      margin: 8px 0 24px;
    }
    .grace {
      width: 320px;
      max-width: 100%;
    }
    section + section {
      margin-top: 24px;
    }
  `,
})
export class KeyPageComponent implements OnInit {
  /** The route's `:token` (component input binding). */
  readonly token = input.required<string>();

  private readonly keysApi = inject(KeysService);
  private readonly spend = inject(SpendService);
  private readonly keyModels = inject(KeyModelsService);
  private readonly session = inject(SessionService);
  private readonly dialog = inject(MatDialog);
  private readonly notify = inject(NotifyService);
  private readonly actions = inject(ActionRunner);
  private readonly router = inject(Router);

  protected readonly usd = usd;
  protected readonly dateOnly = dateOnly;
  protected readonly graces = GRACE_PERIODS;
  protected readonly key = signal<KeyResponse | null>(null);
  protected readonly loading = signal(true);
  protected readonly loadError = signal<string | null>(null);
  protected readonly models = signal<string[]>([]);
  protected readonly saving = signal(false);
  protected readonly formError = signal<string | null>(null);
  protected readonly grace = signal('');
  protected readonly status = computed(() => {
    const key = this.key();
    return key ? keyStatus(key) : null;
  });
  protected readonly title = computed(() => {
    const key = this.key();
    return key ? (key.key_alias ?? key.key_name) : 'Key';
  });
  protected readonly canChange = computed(
    () =>
      this.session.me() !== null &&
      (this.session.can('key.update.self') || this.session.can('key.update.any')),
  );
  protected readonly canUnblock = computed(
    () => this.session.me() !== null && this.session.can('key.update.any'),
  );
  protected readonly canDelete = computed(
    () =>
      this.session.me() !== null &&
      (this.session.can('key.delete.self') || this.session.can('key.delete.any')),
  );

  protected readonly form = inject(FormBuilder).nonNullable.group({
    key_alias: ['', Validators.maxLength(256)],
    models: [[] as string[]],
    max_budget: [null as number | null, Validators.min(0)],
    budget_duration: [''],
    tpm_limit: [null as number | null, Validators.min(0)],
    rpm_limit: [null as number | null, Validators.min(0)],
    max_parallel_requests: [null as number | null, Validators.min(0)],
  });

  protected readonly logs = new TableState<SpendLogResponse>(
    async (page, size) => {
      const answer = await this.spend.logs({ api_key: this.token(), page, page_size: size });
      return { rows: answer.data, total: answer.total };
    },
    (error) => this.notify.error(error, 'Could not load the logs of this key'),
    10,
  );
  protected readonly logColumns: DataColumn<SpendLogResponse>[] = [
    { id: 'time', header: 'Time (UTC)', value: (log) => utcTime(log.startTime) },
    { id: 'status', header: 'Status', value: (log) => log.status },
    { id: 'model', header: 'Model', value: (log) => log.model },
    { id: 'tokens', header: 'Tokens', value: (log) => log.total_tokens },
    { id: 'cost', header: 'Cost', value: (log) => usd(log.spend) },
    { id: 'latency', header: 'Latency', value: (log) => formatMs(latencyMs(log)) },
    { id: 'cache', header: 'Cache hit', value: (log) => (log.cache_hit ? 'Yes' : 'No') },
  ];

  ngOnInit(): void {
    void this.load();
    void this.logs.load();
    if (this.canChange()) void this.loadModels();
  }

  private async loadModels(): Promise<void> {
    const allowed = await this.keyModels.allowed();
    this.models.update((models) => [...new Set([...allowed, ...models])]);
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    this.loadError.set(null);
    try {
      const answer = await this.keysApi.info(this.token());
      this.show(answer.info);
    } catch (error) {
      this.loadError.set(apiErrorMessage(error));
    } finally {
      this.loading.set(false);
    }
  }

  private show(key: KeyResponse): void {
    this.key.set(key);
    this.form.reset(formValueOf(key));
    // Models the key has but the caller's list lacks stay selectable (and visible).
    this.models.update((models) => [...new Set([...models, ...key.models])]);
  }

  /** The API's error goes next to the field it names (`error.param`), else above the buttons. */
  protected async save(): Promise<void> {
    const key = this.key();
    if (!key) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.formError.set('Numbers must be 0 or more.');
      return;
    }
    this.saving.set(true);
    this.formError.set(null);
    try {
      const updated = await this.keysApi.update(updateRequest(key, this.form.getRawValue()));
      this.show(updated);
      this.notify.success('Key saved');
    } catch (error) {
      const param = apiErrorParam(error);
      const control = this.isEditable(param) ? this.form.controls[param] : null;
      if (control) {
        control.setErrors({ api: apiErrorMessage(error) });
        control.markAsTouched();
      } else {
        this.formError.set(apiErrorMessage(error));
      }
    } finally {
      this.saving.set(false);
    }
  }

  private isEditable(param: string | null): param is EditableField {
    return (EDITABLE_FIELDS as readonly (string | null)[]).includes(param);
  }

  protected apiError(field: EditableField): string | null {
    const errors = this.form.controls[field].errors as { api?: string } | null;
    return errors?.api ?? null;
  }

  protected regenerate(): Promise<boolean> {
    const grace = this.grace();
    return this.actions.run({
      confirm: {
        title: 'Regenerate key?',
        message: grace
          ? `The current secret of "${this.title()}" keeps working for ${grace}, then stops.`
          : `The current secret of "${this.title()}" stops working now.`,
        confirm: 'Regenerate',
        danger: true,
      },
      run: () => this.keysApi.regenerate(this.token(), grace || undefined),
      failure: 'Could not regenerate the key',
      after: (fresh) => {
        openNewSecret(
          this.dialog,
          this.title(),
          fresh.key,
          grace ? `(the old one works for ${grace} more)` : '',
        );
        this.show(fresh);
      },
    });
  }

  protected toggleBlock(): Promise<boolean> {
    const key = this.key();
    if (!key) return Promise.resolve(false);
    const blocking = !key.blocked;
    return this.actions.run({
      confirm: blocking
        ? {
            title: 'Block key?',
            message: `Requests with "${this.title()}" are refused until an admin unblocks it.`,
            confirm: 'Block',
            danger: true,
          }
        : undefined,
      run: () => (blocking ? this.keysApi.block(key.token) : this.keysApi.unblock(key.token)),
      success: blocking ? 'Key blocked' : 'Key unblocked',
      failure: blocking ? 'Could not block the key' : 'Could not unblock the key',
      after: (updated) => this.show(updated),
    });
  }

  protected remove(): Promise<boolean> {
    const key = this.key();
    if (!key) return Promise.resolve(false);
    return this.actions.run({
      confirm: {
        title: 'Delete key?',
        message: `"${this.title()}" (${key.key_name}) is deleted for good.`,
        confirm: 'Delete',
        danger: true,
      },
      run: () => this.keysApi.delete([key.token]),
      success: 'Key deleted',
      failure: 'Could not delete the key',
      after: () => this.router.navigate(['/keys']),
    });
  }
}
