import { ChangeDetectionStrategy, Component, computed, inject, type OnInit } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatPaginatorModule } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import type { GenerateKeyResponse, KeyResponse } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { KeysService } from '../../data-access/keys.service';
import { ModelsService } from '../../data-access/models.service';
import { SessionService } from '../../data-access/session.service';
import { UsersService } from '../../data-access/users.service';
import { ActionRunner } from '../../shared/action-runner';
import { dateOnly, usd } from '../../shared/format';
import { SecretDialogComponent, type SecretData } from '../../shared/secret-dialog.component';
import { TableState } from '../../shared/table-state';
import { KeyCreateDialogComponent, type KeyCreateData } from './key-create-dialog.component';

export type KeyStatus = 'Active' | 'Blocked' | 'Expired';

export function keyStatus(key: KeyResponse, now = new Date()): KeyStatus {
  if (key.blocked) return 'Blocked';
  if (key.expires && new Date(key.expires).getTime() <= now.getTime()) return 'Expired';
  return 'Active';
}

@Component({
  selector: 'gh-keys',
  imports: [
    MatTableModule,
    MatButtonModule,
    MatPaginatorModule,
    MatProgressBarModule,
    MatTooltipModule,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <div class="page-header">
        <h1>Virtual Keys</h1>
        @if (canCreate()) {
          <button mat-flat-button type="button" (click)="create()">+ Create New Key</button>
        }
      </div>
      @if (table.loading()) {
        <mat-progress-bar mode="indeterminate" aria-label="Loading keys" />
      }
      <div class="table-scroll">
        <table mat-table [dataSource]="table.rows()" aria-label="Virtual keys">
          <ng-container matColumnDef="alias">
            <th mat-header-cell *matHeaderCellDef>Alias</th>
            <td mat-cell *matCellDef="let key">{{ key.key_alias ?? '—' }}</td>
          </ng-container>
          <ng-container matColumnDef="key">
            <th mat-header-cell *matHeaderCellDef>Key</th>
            <td mat-cell *matCellDef="let key">
              <code>{{ key.key_name }}</code>
            </td>
          </ng-container>
          <ng-container matColumnDef="models">
            <th mat-header-cell *matHeaderCellDef>Models</th>
            <td mat-cell *matCellDef="let key">
              {{ key.models?.length ? key.models.join(', ') : 'All models' }}
            </td>
          </ng-container>
          <ng-container matColumnDef="spend">
            <th mat-header-cell *matHeaderCellDef>Spend / budget</th>
            <td mat-cell *matCellDef="let key">
              {{ usd(key.spend) }} /
              {{ key.max_budget === null ? 'no limit' : usd(key.max_budget) }}
            </td>
          </ng-container>
          <ng-container matColumnDef="expires">
            <th mat-header-cell *matHeaderCellDef>Expires</th>
            <td mat-cell *matCellDef="let key">{{ dateOnly(key.expires) }}</td>
          </ng-container>
          <ng-container matColumnDef="status">
            <th mat-header-cell *matHeaderCellDef>Status</th>
            <td mat-cell *matCellDef="let key">
              <span [class]="'status-' + status(key).toLowerCase()">{{ status(key) }}</span>
            </td>
          </ng-container>
          <ng-container matColumnDef="actions">
            <th mat-header-cell *matHeaderCellDef>
              <span class="cdk-visually-hidden">Actions</span>
            </th>
            <td mat-cell *matCellDef="let key">
              <button
                mat-button
                type="button"
                (click)="regenerate(key)"
                [attr.aria-label]="'Regenerate ' + label(key)"
              >
                Regenerate
              </button>
              <button
                mat-button
                type="button"
                (click)="toggleBlock(key)"
                [attr.aria-label]="(key.blocked ? 'Unblock ' : 'Block ') + label(key)"
              >
                {{ key.blocked ? 'Unblock' : 'Block' }}
              </button>
              <button
                mat-button
                type="button"
                (click)="remove(key)"
                [attr.aria-label]="'Delete ' + label(key)"
              >
                Delete
              </button>
            </td>
          </ng-container>
          <tr mat-header-row *matHeaderRowDef="columns()"></tr>
          <tr mat-row *matRowDef="let row; columns: columns()"></tr>
        </table>
      </div>
      @if (!table.loading() && table.rows().length === 0) {
        <p class="empty" data-testid="keys-empty">
          {{ table.failed() ? 'Keys could not be loaded.' : 'No keys yet.' }}
          @if (canCreate() && !table.failed()) {
            Create one to call models through Gatehouse.
          }
        </p>
      }
      <mat-paginator
        [length]="table.total()"
        [pageIndex]="table.page() - 1"
        [pageSize]="table.size()"
        [pageSizeOptions]="[10, 25, 50]"
        (page)="table.onPage($event)"
        aria-label="Keys pages"
      />
    </section>
  `,
})
export class KeysComponent implements OnInit {
  private readonly keysApi = inject(KeysService);
  private readonly models = inject(ModelsService);
  private readonly users = inject(UsersService);
  private readonly session = inject(SessionService);
  private readonly dialog = inject(MatDialog);
  private readonly notify = inject(NotifyService);
  private readonly actions = inject(ActionRunner);

  protected readonly usd = usd;
  protected readonly dateOnly = dateOnly;
  protected readonly status = keyStatus;
  protected readonly table = new TableState<KeyResponse>(
    async (page, size) => {
      const me = this.session.me();
      const answer = await this.keysApi.list({
        page,
        size,
        user_id: this.session.isAdmin() ? null : (me?.user_id ?? null),
      });
      return { rows: answer.keys, total: answer.total_count };
    },
    (error) => this.notify.error(error, 'Could not load keys'),
  );
  protected readonly canCreate = computed(
    () => this.session.me() !== null && this.session.can('key.create.self'),
  );
  protected readonly canChange = computed(
    () =>
      this.session.me() !== null &&
      (this.session.can('key.update.self') || this.session.can('key.update.any')),
  );
  protected readonly columns = computed(() => {
    const base = ['alias', 'key', 'models', 'spend', 'expires', 'status'];
    return this.canChange() ? [...base, 'actions'] : base;
  });

  ngOnInit(): void {
    void this.table.load();
  }

  protected label(key: KeyResponse): string {
    return key.key_alias ?? key.key_name;
  }

  /** The models a key may get: the caller's allow-list, or every configured model. */
  private async allowedModels(): Promise<string[]> {
    const [all, mine] = await Promise.allSettled([this.models.list(), this.users.info()]);
    const allowed = mine.status === 'fulfilled' ? mine.value.user_info.models : [];
    if (allowed.length) return allowed;
    return all.status === 'fulfilled' ? [...new Set(all.value.map((m) => m.model_name))] : [];
  }

  protected async create(): Promise<void> {
    const models =
      this.session.me()?.auth === 'master_key'
        ? await this.allModels()
        : await this.allowedModels();
    const ref = this.dialog.open<KeyCreateDialogComponent, KeyCreateData, GenerateKeyResponse>(
      KeyCreateDialogComponent,
      { data: { models }, width: '560px', maxWidth: '95vw', autoFocus: 'first-tabbable' },
    );
    ref.afterClosed().subscribe(() => void this.table.load());
  }

  private async allModels(): Promise<string[]> {
    try {
      return [...new Set((await this.models.list()).map((m) => m.model_name))];
    } catch {
      return [];
    }
  }

  protected regenerate(key: KeyResponse): Promise<boolean> {
    return this.actions.run({
      confirm: {
        title: 'Regenerate key?',
        message: `The current secret of "${this.label(key)}" stops working. A new one is shown once.`,
        confirm: 'Regenerate',
        danger: true,
      },
      run: () => this.keysApi.regenerate(key.token),
      failure: 'Could not regenerate the key',
      after: (fresh) => {
        this.dialog.open<SecretDialogComponent, SecretData>(SecretDialogComponent, {
          data: {
            title: 'New secret key',
            warning: "Copy this key now. You won't see it again.",
            message: `The new secret for "${this.label(key)}":`,
            value: fresh.key,
            label: 'secret key',
            testId: 'new-key-secret',
          },
          width: '560px',
          maxWidth: '95vw',
          disableClose: true,
        });
        return this.table.load();
      },
    });
  }

  /** Blocking asks first; unblocking (admins only) does not. */
  protected toggleBlock(key: KeyResponse): Promise<boolean> {
    const blocking = !key.blocked;
    return this.actions.run({
      confirm: blocking
        ? {
            title: 'Block key?',
            message: `Requests with "${this.label(key)}" are refused until you unblock it.`,
            confirm: 'Block',
            danger: true,
          }
        : undefined,
      run: () => (blocking ? this.keysApi.block(key.token) : this.keysApi.unblock(key.token)),
      success: blocking ? 'Key blocked' : 'Key unblocked',
      failure: blocking ? 'Could not block the key' : 'Could not unblock the key',
      after: () => this.table.load(),
    });
  }

  protected remove(key: KeyResponse): Promise<boolean> {
    return this.actions.run({
      confirm: {
        title: 'Delete key?',
        message: `"${this.label(key)}" (${key.key_name}) is deleted for good.`,
        confirm: 'Delete',
        danger: true,
      },
      run: () => this.keysApi.delete([key.token]),
      success: 'Key deleted',
      failure: 'Could not delete the key',
      after: () => this.table.load(),
    });
  }
}
