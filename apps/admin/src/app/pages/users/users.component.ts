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
import { ROLES, type Role } from '@gatehouse/shared/auth';
import type { UserResponse } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { InvitationsService } from '../../data-access/invitations.service';
import { ModelsService } from '../../data-access/models.service';
import { SessionService } from '../../data-access/session.service';
import { TeamsService } from '../../data-access/teams.service';
import { UsersService } from '../../data-access/users.service';
import { ActionRunner } from '../../shared/action-runner';
import { usd } from '../../shared/format';
import { HistoryLinkComponent } from '../../shared/history-link.component';
import { SecretDialogComponent, type SecretData } from '../../shared/secret-dialog.component';
import {
  CellDirective,
  DataTableComponent,
  type DataColumn,
  type RowAction,
} from '../../shared/data-table/data-table.component';
import { TableState } from '../../shared/table-state';
import {
  ROLE_TITLES,
  UserCreateDialogComponent,
  type UserCreateData,
} from './user-create-dialog.component';

@Component({
  selector: 'gh-users',
  imports: [
    FormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    DataTableComponent,
    CellDirective,
    HistoryLinkComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styles: `
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 0 16px;
    }
    .role-select {
      width: 170px;
    }
  `,
  templateUrl: './users.component.html',
})
export class UsersComponent implements OnInit {
  private readonly usersApi = inject(UsersService);
  private readonly invitations = inject(InvitationsService);
  private readonly models = inject(ModelsService);
  private readonly teams = inject(TeamsService);
  private readonly session = inject(SessionService);
  private readonly dialog = inject(MatDialog);
  private readonly notify = inject(NotifyService);
  private readonly actions = inject(ActionRunner);

  protected readonly usd = usd;
  protected readonly roles = ROLES;
  protected readonly titles = ROLE_TITLES;
  protected readonly email = signal('');
  protected readonly role = signal<Role | null>(null);
  protected readonly table = new TableState<UserResponse>(
    async (page, size) => {
      const answer = await this.usersApi.list({
        page,
        page_size: size,
        role: this.role(),
        user_email: this.email().trim() || null,
        sort_by: 'created_at',
        sort_order: 'desc',
      });
      return { rows: answer.users, total: answer.total };
    },
    (error) => this.notify.error(error, 'Could not load users'),
  );
  protected readonly canCreate = computed(
    () => this.session.me() !== null && this.session.can('user.create'),
  );
  protected readonly canChange = computed(
    () => this.session.me() !== null && this.session.can('user.update.any'),
  );
  protected readonly columns: DataColumn<UserResponse>[] = [
    { id: 'email', header: 'Email', value: (user) => this.nameOf(user) },
    { id: 'role', header: 'Role' },
    {
      id: 'spend',
      header: 'Spend',
      value: (user) =>
        usd(user.spend) + (user.max_budget === null ? '' : ' / ' + usd(user.max_budget)),
    },
    { id: 'keys', header: 'Keys', value: (user) => user.key_count },
    ...(this.session.can('audit.read') ? [{ id: 'history', header: 'History' }] : []),
  ];
  protected readonly rowActions = computed<RowAction<UserResponse>[]>(() =>
    this.canCreate()
      ? [
          {
            text: () => 'Resend invite',
            label: (user) => `Resend invitation to ${this.nameOf(user)}`,
            run: (user) => this.invite(user),
          },
          {
            text: () => 'Delete',
            label: (user) => `Delete ${this.nameOf(user)}`,
            run: (user) => this.remove(user),
          },
        ]
      : [],
  );

  protected nameOf(user: UserResponse): string {
    return user.user_email ?? user.user_id;
  }

  ngOnInit(): void {
    void this.table.load();
  }

  protected asRole(value: string): Role {
    return value as Role;
  }

  protected async create(): Promise<void> {
    const [models, teams] = await Promise.allSettled([this.models.list(), this.teams.list()]);
    const data: UserCreateData = {
      models:
        models.status === 'fulfilled' ? [...new Set(models.value.map((m) => m.model_name))] : [],
      teams: teams.status === 'fulfilled' ? teams.value : [],
    };
    this.dialog
      .open<UserCreateDialogComponent, UserCreateData, UserResponse>(UserCreateDialogComponent, {
        data,
        width: '620px',
        maxWidth: '95vw',
      })
      .afterClosed()
      .subscribe(() => void this.table.load());
  }

  /** Reloads either way, so that a refused change puts the old role back in the select. */
  protected async changeRole(user: UserResponse, role: Role): Promise<void> {
    await this.actions.run({
      run: () => this.usersApi.update({ user_id: user.user_id, user_role: role }),
      success: `${user.user_email ?? user.user_id} is now ${ROLE_TITLES[role]}`,
      failure: 'Could not change the role',
    });
    await this.table.load();
  }

  protected invite(user: UserResponse): Promise<boolean> {
    return this.actions.run({
      run: () => this.invitations.create(user.user_id),
      failure: 'Could not create an invitation',
      after: (invitation) => {
        this.dialog.open<SecretDialogComponent, SecretData>(SecretDialogComponent, {
          data: {
            title: `Invitation for ${user.user_email ?? user.user_id}`,
            message: 'Share this link. It is valid for 7 days.',
            value: invitation.invitation_link,
            label: 'invitation link',
            testId: 'invitation-link',
          },
          width: '560px',
          maxWidth: '95vw',
        });
      },
    });
  }

  protected remove(user: UserResponse): Promise<boolean> {
    return this.actions.run({
      confirm: {
        title: 'Delete user?',
        message: `${user.user_email ?? user.user_id} and their sessions are removed.`,
        confirm: 'Delete',
        danger: true,
      },
      run: () => this.usersApi.delete([user.user_id]),
      success: 'User deleted',
      failure: 'Could not delete the user',
      after: () => this.table.load(),
    });
  }
}
