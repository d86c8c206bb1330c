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
import { Router } from '@angular/router';
import type {
  GenerateKeyResponse,
  KeyResponse,
  KeySortField,
  UserResponse,
} from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { KeysService } from '../../data-access/keys.service';
import { KeyModelsService } from '../../data-access/key-models.service';
import { SessionService } from '../../data-access/session.service';
import { UsersService } from '../../data-access/users.service';
import { ActionRunner } from '../../shared/action-runner';
import { dateOnly, usd } from '../../shared/format';
import { openNewSecret } from '../../shared/secret-dialog.component';
import {
  CellDirective,
  DataTableComponent,
  type DataColumn,
  type RowAction,
} from '../../shared/data-table/data-table.component';
import { TableState } from '../../shared/table-state';
import type { KeyCreateData, KeyCreateDialogComponent } from './key-create-dialog.component';

export type KeyStatus = 'Active' | 'Blocked' | 'Expired';

export function keyStatus(key: KeyResponse, now = new Date()): KeyStatus {
  if (key.blocked) return 'Blocked';
  if (key.expires && new Date(key.expires).getTime() <= now.getTime()) return 'Expired';
  return 'Active';
}

@Component({
  selector: 'gh-keys',
  imports: [
    FormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    DataTableComponent,
    CellDirective,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './keys.component.html',
  styles: `
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 0 16px;
    }
  `,
})
export class KeysComponent implements OnInit {
  private readonly keysApi = inject(KeysService);
  private readonly keyModels = inject(KeyModelsService);
  private readonly users = inject(UsersService);
  protected readonly session = inject(SessionService);
  private readonly dialog = inject(MatDialog);
  private readonly notify = inject(NotifyService);
  private readonly actions = inject(ActionRunner);
  private readonly router = inject(Router);

  protected readonly usd = usd;
  protected readonly dateOnly = dateOnly;
  protected readonly status = keyStatus;
  /** Admins' filters: the start of the owner's email (searched by the API), an exact alias. */
  protected readonly ownerEmail = signal('');
  protected readonly alias = signal('');
  protected readonly owners = signal<UserResponse[]>([]);
  private readonly ownerEmails = computed(
    () => new Map(this.owners().map((user) => [user.user_id, user.user_email ?? user.user_id])),
  );
  protected readonly table = new TableState<KeyResponse>(
    async (page, size, sort) => {
      const me = this.session.me();
      const answer = await this.keysApi.list({
        page,
        size,
        user_id: this.session.isAdmin() ? null : (me?.user_id ?? null),
        user_email: (this.session.isAdmin() && this.ownerEmail().trim()) || null,
        key_alias: this.alias().trim() || null,
        sort_by: (sort?.active as KeySortField | undefined) ?? null,
        sort_order: sort?.direction ?? null,
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
  protected readonly columns = computed<DataColumn<KeyResponse>[]>(() => [
    { id: 'key_alias', header: 'Alias', value: (key) => key.key_alias ?? '—', sortable: true },
    { id: 'key', header: 'Key' },
    ...(this.session.isAdmin()
      ? [
          {
            id: 'user_id',
            header: 'Owner',
            value: (key: KeyResponse) => this.ownerOf(key),
            sortable: true,
          },
        ]
      : []),
    {
      id: 'models',
      header: 'Models',
      value: (key) => (key.models.length ? key.models.join(', ') : 'All models'),
    },
    { id: 'spend', header: 'Spend / budget', sortable: true },
    { id: 'expires', header: 'Expires', value: (key) => dateOnly(key.expires), sortable: true },
    { id: 'status', header: 'Status' },
  ]);
  protected readonly rowActions = computed<RowAction<KeyResponse>[]>(() =>
    this.canChange()
      ? [
          {
            text: () => 'Regenerate',
            label: (key) => `Regenerate ${this.label(key)}`,
            run: (key) => this.regenerate(key),
          },
          {
            text: (key) => (key.blocked ? 'Unblock' : 'Block'),
            label: (key) => `${key.blocked ? 'Unblock' : 'Block'} ${this.label(key)}`,
            run: (key) => this.toggleBlock(key),
          },
          {
            text: () => 'Delete',
            label: (key) => `Delete ${this.label(key)}`,
            run: (key) => this.remove(key),
          },
        ]
      : [],
  );
  protected readonly openLabel = (key: KeyResponse) => `Open key ${this.label(key)}`;

  ngOnInit(): void {
    void this.table.load();
    if (this.session.isAdmin()) void this.loadOwners();
  }

  private async loadOwners(): Promise<void> {
    try {
      this.owners.set((await this.users.list({ page_size: 100, sort_by: 'user_email' })).users);
    } catch {
      // The filter is a convenience; the column falls back to user ids.
    }
  }

  protected ownerOf(key: KeyResponse): string {
    if (key.user_id === null) return '—';
    return this.ownerEmails().get(key.user_id) ?? key.user_id;
  }

  protected open(key: KeyResponse): void {
    void this.router.navigate(['/keys', key.token]);
  }

  protected label(key: KeyResponse): string {
    return key.key_alias ?? key.key_name;
  }

  /**
   * The create dialog (its form, model picker and snippets) is fetched on the first click, not
   * with the page: the keys page is where every role lands, so its first render carries only the
   * table (BENCHMARKS.md "Console at scale").
   */
  protected async create(): Promise<void> {
    const [models, dialogChunk] = await Promise.all([
      this.keyModels.allowed(),
      import('./key-create-dialog.component'),
    ]);
    const ref = this.dialog.open<KeyCreateDialogComponent, KeyCreateData, GenerateKeyResponse>(
      dialogChunk.KeyCreateDialogComponent,
      {
        data: { models },
        width: '640px',
        maxWidth: '95vw',
        autoFocus: 'first-tabbable',
      },
    );
    ref.afterClosed().subscribe(() => void this.table.load());
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
        openNewSecret(this.dialog, this.label(key), fresh.key);
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
