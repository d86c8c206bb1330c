import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  type OnInit,
  signal,
  viewChild,
} from '@angular/core';
import { FormBuilder, FormGroupDirective, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { ModelResponse, NewModelRequest, TestModelResponse } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { ModelsService } from '../../data-access/models.service';
import { SessionService } from '../../data-access/session.service';
import { ActionRunner } from '../../shared/action-runner';
import {
  CellDirective,
  DataTableComponent,
  type DataColumn,
  type RowAction,
} from '../../shared/data-table/data-table.component';
import { HistoryLinkComponent } from '../../shared/history-link.component';
import { pageOf, TableState } from '../../shared/table-state';
import { ModelEditDialogComponent } from './model-edit-dialog.component';

/** A row's test: running, or the API's answer. */
export type TestState = 'testing' | TestModelResponse;

const PRICE_SOURCES: Readonly<Record<ModelResponse['model_info']['price_source'], string>> = {
  model_info: 'set here',
  catalogue: 'price list',
  none: 'no price',
};

export function perMillion(cost: number): string {
  return `$${(cost * 1_000_000).toFixed(2)}`;
}

export function priceSource(model: ModelResponse): string {
  return PRICE_SOURCES[model.model_info.price_source];
}

@Component({
  selector: 'gh-models',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    DataTableComponent,
    CellDirective,
    HistoryLinkComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './models.component.html',
  styles: `
    .second {
      display: block;
      overflow-wrap: anywhere;
      color: var(--mat-sys-on-surface-variant);
      font-size: 0.85em;
    }
  `,
})
export class ModelsComponent implements OnInit {
  private readonly modelsApi = inject(ModelsService);
  private readonly session = inject(SessionService);
  private readonly notify = inject(NotifyService);
  private readonly actions = inject(ActionRunner);
  private readonly dialog = inject(MatDialog);
  protected readonly perMillion = perMillion;
  protected readonly priceSource = priceSource;
  protected readonly table = new TableState<ModelResponse>(
    async (page, size) => pageOf(await this.modelsApi.list(), page, size),
    (error) => this.notify.error(error, 'Could not load models'),
  );
  protected readonly busy = signal(false);
  /** The last test of each model (by id) since the page opened. */
  protected readonly tests = signal<ReadonlyMap<string, TestState>>(new Map());
  /** Resetting through the directive also clears `submitted`, so no field shows an error. */
  private readonly formDirective = viewChild(FormGroupDirective);
  protected readonly canWrite = computed(
    () => this.session.me() !== null && this.session.can('model.write'),
  );
  /** Only `model.write` gets the (masked) upstream key (others get null) and the test. */
  protected readonly columns = computed<DataColumn<ModelResponse>[]>(() => [
    { id: 'name', header: 'Model', value: (m) => m.model_name },
    // The upstream model with its API base under it, and the price with its source under it:
    // ten columns and three actions did not fit 1280 px beside the navigation.
    { id: 'upstream', header: 'Upstream' },
    ...(this.canWrite() ? [{ id: 'key', header: 'API key' }] : []),
    { id: 'cost', header: 'Per 1M tokens (in / out)' },
    {
      id: 'cache',
      header: 'Cache',
      value: (m) => (m.model_info.cache ? cacheLabel(m.model_info.cache_ttl_seconds) : 'Off'),
    },
    {
      id: 'source',
      header: 'Source',
      value: (m) => (m.model_info.db_model ? 'Added here' : 'Config file'),
    },
    ...(this.canWrite() ? [{ id: 'test', header: 'Last test' }] : []),
    ...(this.session.me() !== null && this.session.can('audit.read')
      ? [{ id: 'history', header: 'History' }]
      : []),
  ]);
  protected readonly rowActions = computed<RowAction<ModelResponse>[]>(() => {
    if (!this.canWrite()) return [];
    const dbModel = (m: ModelResponse) => m.model_info.db_model;
    return [
      {
        text: () => 'Test',
        label: (m) => `Test ${m.model_name} (${m.model_info.id})`,
        run: (m) => this.test(m),
      },
      {
        text: () => 'Edit',
        label: (m) => `Edit ${m.model_name} (${m.model_info.id})`,
        run: (m) => this.edit(m),
        show: dbModel,
      },
      {
        text: () => 'Delete',
        label: (m) => `Delete ${m.model_name} (${m.model_info.id})`,
        run: (m) => this.remove(m),
        show: dbModel,
      },
    ];
  });
  protected readonly form = inject(FormBuilder).nonNullable.group({
    model_name: ['', Validators.required],
    model: ['', Validators.required],
    api_base: [''],
    api_key: [''],
    input_cost: [null as number | null, Validators.min(0)],
    output_cost: [null as number | null, Validators.min(0)],
    cache: [false],
  });

  ngOnInit(): void {
    void this.table.load();
  }

  protected testText(result: TestState): string {
    if (result === 'testing') return 'Testing…';
    if (result.ok) return `OK in ${result.latency_ms} ms`;
    return `Failed after ${result.latency_ms} ms: ${result.error ?? 'no answer'}`;
  }

  protected async create(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const v = this.form.getRawValue();
    const request: NewModelRequest = {
      model_name: v.model_name.trim(),
      litellm_params: {
        model: v.model.trim(),
        ...(v.api_base ? { api_base: v.api_base.trim() } : {}),
        ...(v.api_key ? { api_key: v.api_key } : {}),
      },
      model_info: {
        ...(v.input_cost !== null ? { input_cost_per_token: Number(v.input_cost) } : {}),
        ...(v.output_cost !== null ? { output_cost_per_token: Number(v.output_cost) } : {}),
        ...(v.cache ? { cache: true } : {}),
      },
    };
    this.busy.set(true);
    try {
      await this.modelsApi.create(request);
      const directive = this.formDirective();
      if (directive) directive.resetForm();
      else this.form.reset();
      this.notify.success('Model added');
      await this.table.load();
    } catch (error) {
      this.notify.error(error, 'Could not add the model');
    } finally {
      this.busy.set(false);
    }
  }

  protected async test(model: ModelResponse): Promise<void> {
    const id = model.model_info.id;
    this.setTest(id, 'testing');
    try {
      this.setTest(id, await this.modelsApi.test(id));
    } catch (error) {
      this.setTest(id, null);
      this.notify.error(error, `Could not test ${model.model_name}`);
    }
  }

  private setTest(id: string, state: TestState | null): void {
    this.tests.update((tests) => {
      const next = new Map(tests);
      if (state === null) next.delete(id);
      else next.set(id, state);
      return next;
    });
  }

  protected edit(model: ModelResponse): void {
    this.dialog
      .open<ModelEditDialogComponent, ModelResponse, ModelResponse>(ModelEditDialogComponent, {
        data: model,
        width: '640px',
        maxWidth: '95vw',
      })
      .afterClosed()
      .subscribe((updated) => {
        if (updated) void this.table.load();
      });
  }

  protected remove(model: ModelResponse): Promise<boolean> {
    return this.actions.run({
      confirm: {
        title: 'Delete model?',
        message: `${model.model_name} (${model.model_info.id}) is removed; calls naming it stop at once.`,
        confirm: 'Delete',
        danger: true,
      },
      run: () => this.modelsApi.delete(model.model_info.id),
      success: 'Model deleted',
      failure: 'Could not delete the model',
      after: () => this.table.load(),
    });
  }
}

function cacheLabel(ttlSeconds: number | null): string {
  return ttlSeconds === null ? 'On' : `On (${ttlSeconds} s)`;
}
