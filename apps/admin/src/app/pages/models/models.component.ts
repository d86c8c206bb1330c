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
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import type { ModelResponse, NewModelRequest } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { ModelsService } from '../../data-access/models.service';
import { SessionService } from '../../data-access/session.service';
import { TableState } from '../../shared/table-state';

@Component({
  selector: 'gh-models',
  imports: [
    ReactiveFormsModule,
    MatTableModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <div class="page-header"><h1>Models</h1></div>
      @if (canCreate()) {
        <form [formGroup]="form" (ngSubmit)="create()" aria-label="Add a model">
          <div class="form-grid">
            <mat-form-field>
              <mat-label>Public model name</mat-label>
              <input matInput formControlName="model_name" required />
            </mat-form-field>
            <mat-form-field>
              <mat-label>Upstream model</mat-label>
              <input matInput formControlName="model" required placeholder="openai/gpt-4o" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>API base URL</mat-label>
              <input matInput formControlName="api_base" placeholder="https://api.openai.com/v1" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>API key</mat-label>
              <input matInput type="password" formControlName="api_key" autocomplete="off" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>Input cost per token (USD)</mat-label>
              <input matInput type="number" min="0" formControlName="input_cost" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>Output cost per token (USD)</mat-label>
              <input matInput type="number" min="0" formControlName="output_cost" />
            </mat-form-field>
            <mat-checkbox formControlName="cache">Cache responses (exact match)</mat-checkbox>
          </div>
          <button mat-flat-button type="submit" [disabled]="busy()">+ Add Model</button>
        </form>
      }
      @if (table.loading()) {
        <mat-progress-bar mode="indeterminate" aria-label="Loading models" />
      }
      <div class="table-scroll">
        <table mat-table [dataSource]="table.rows()" aria-label="Models">
          <ng-container matColumnDef="name">
            <th mat-header-cell *matHeaderCellDef>Model</th>
            <td mat-cell *matCellDef="let m">{{ m.model_name }}</td>
          </ng-container>
          <ng-container matColumnDef="upstream">
            <th mat-header-cell *matHeaderCellDef>Upstream</th>
            <td mat-cell *matCellDef="let m">
              <code>{{ m.litellm_params.model }}</code>
            </td>
          </ng-container>
          <ng-container matColumnDef="base">
            <th mat-header-cell *matHeaderCellDef>API base</th>
            <td mat-cell *matCellDef="let m">{{ m.litellm_params.api_base ?? '—' }}</td>
          </ng-container>
          <ng-container matColumnDef="key">
            <th mat-header-cell *matHeaderCellDef>API key</th>
            <td mat-cell *matCellDef="let m">
              <code>{{ m.litellm_params.api_key ?? '—' }}</code>
            </td>
          </ng-container>
          <ng-container matColumnDef="cost">
            <th mat-header-cell *matHeaderCellDef>Cost in / out per 1M tokens</th>
            <td mat-cell *matCellDef="let m">
              {{ perMillion(m.model_info.input_cost_per_token) }} /
              {{ perMillion(m.model_info.output_cost_per_token) }}
            </td>
          </ng-container>
          <ng-container matColumnDef="cache">
            <th mat-header-cell *matHeaderCellDef>Cache</th>
            <td mat-cell *matCellDef="let m">
              {{ m.model_info.cache ? cacheLabel(m.model_info.cache_ttl_seconds) : 'Off' }}
            </td>
          </ng-container>
          <ng-container matColumnDef="source">
            <th mat-header-cell *matHeaderCellDef>Source</th>
            <td mat-cell *matCellDef="let m">
              {{ m.model_info.db_model ? 'Added here' : 'Config file' }}
            </td>
          </ng-container>
          <tr mat-header-row *matHeaderRowDef="columns()"></tr>
          <tr mat-row *matRowDef="let row; columns: columns()"></tr>
        </table>
      </div>
      @if (!table.loading() && table.rows().length === 0) {
        <p class="empty">No models configured.</p>
      }
    </section>
  `,
})
export class ModelsComponent implements OnInit {
  private readonly modelsApi = inject(ModelsService);
  private readonly session = inject(SessionService);
  private readonly notify = inject(NotifyService);
  protected readonly table = new TableState<ModelResponse>(
    async () => ({ rows: await this.modelsApi.list() }),
    (error) => this.notify.error(error, 'Could not load models'),
  );
  protected readonly busy = signal(false);
  /** Resetting through the directive also clears `submitted`, so no field shows an error. */
  private readonly formDirective = viewChild(FormGroupDirective);
  protected readonly canCreate = computed(
    () => this.session.me() !== null && this.session.can('model.write'),
  );
  /** Only admins get the (masked) upstream key; everybody else gets null. */
  protected readonly columns = computed(() =>
    this.session.isAdmin()
      ? ['name', 'upstream', 'base', 'key', 'cost', 'cache', 'source']
      : ['name', 'upstream', 'base', 'cost', 'cache', 'source'],
  );
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

  protected perMillion(cost: number): string {
    return `$${(cost * 1_000_000).toFixed(2)}`;
  }

  protected cacheLabel(ttlSeconds: number | null): string {
    return ttlSeconds === null ? 'On' : `On (${ttlSeconds} s)`;
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
}
