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
import { MatPaginatorModule, type PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { ROLES, type Role } from '@gatehouse/shared/auth';
import type { UserResponse } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { InvitationsService } from '../../data-access/invitations.service';
import { ModelsService } from '../../data-access/models.service';
import { SessionService } from '../../data-access/session.service';
import { TeamsService } from '../../data-access/teams.service';
import { UsersService } from '../../data-access/users.service';
import { confirm } from '../../shared/confirm-dialog.component';
import { usd } from '../../shared/format';
import { SecretDialogComponent, type SecretData } from '../../shared/secret-dialog.component';
import {
  ROLE_TITLES,
  UserCreateDialogComponent,
  type UserCreateData,
} from './user-create-dialog.component';

@Component({
  selector: 'gh-users',
  imports: [
    FormsModule,
    MatTableModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatPaginatorModule,
    MatProgressBarModule,
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
  template: `
    <section class="page">
      <div class="page-header">
        <h1>Internal Users</h1>
        @if (canCreate()) {
          <button mat-flat-button type="button" (click)="create()">+ New User</button>
        }
      </div>
      <div class="filters">
        <mat-form-field>
          <mat-label>Search by email</mat-label>
          <input
            matInput
            [ngModel]="email()"
            (ngModelChange)="email.set($event); page.set(1); load()"
          />
        </mat-form-field>
        <mat-form-field>
          <mat-label>Role</mat-label>
          <mat-select [ngModel]="role()" (ngModelChange)="role.set($event); page.set(1); load()">
            <mat-option [value]="null">All roles</mat-option>
            @for (r of roles; track r) {
              <mat-option [value]="r">{{ titles[r] }}</mat-option>
            }
          </mat-select>
        </mat-form-field>
      </div>
      @if (loading()) {
        <mat-progress-bar mode="indeterminate" aria-label="Loading users" />
      }
      <div class="table-scroll">
        <table mat-table [dataSource]="users()" aria-label="Internal users">
          <ng-container matColumnDef="email">
            <th mat-header-cell *matHeaderCellDef>Email</th>
            <td mat-cell *matCellDef="let user">{{ user.user_email ?? user.user_id }}</td>
          </ng-container>
          <ng-container matColumnDef="role">
            <th mat-header-cell *matHeaderCellDef>Role</th>
            <td mat-cell *matCellDef="let user">
              @if (canChange()) {
                <mat-select
                  class="role-select"
                  [value]="user.user_role"
                  (selectionChange)="changeRole(user, $event.value)"
                  [aria-label]="'Role of ' + (user.user_email ?? user.user_id)"
                >
                  @for (r of roles; track r) {
                    <mat-option [value]="r">{{ titles[r] }}</mat-option>
                  }
                </mat-select>
              } @else {
                {{ titles[asRole(user.user_role)] }}
              }
            </td>
          </ng-container>
          <ng-container matColumnDef="spend">
            <th mat-header-cell *matHeaderCellDef>Spend</th>
            <td mat-cell *matCellDef="let user">
              {{ usd(user.spend)
              }}{{ user.max_budget === null ? '' : ' / ' + usd(user.max_budget) }}
            </td>
          </ng-container>
          <ng-container matColumnDef="keys">
            <th mat-header-cell *matHeaderCellDef>Keys</th>
            <td mat-cell *matCellDef="let user">{{ user.key_count }}</td>
          </ng-container>
          <ng-container matColumnDef="actions">
            <th mat-header-cell *matHeaderCellDef>
              <span class="cdk-visually-hidden">Actions</span>
            </th>
            <td mat-cell *matCellDef="let user">
              <button
                mat-button
                type="button"
                (click)="invite(user)"
                [attr.aria-label]="'Resend invitation to ' + (user.user_email ?? user.user_id)"
              >
                Resend invite
              </button>
              <button
                mat-button
                type="button"
                (click)="remove(user)"
                [attr.aria-label]="'Delete ' + (user.user_email ?? user.user_id)"
              >
                Delete
              </button>
            </td>
          </ng-container>
          <tr mat-header-row *matHeaderRowDef="columns()"></tr>
          <tr mat-row *matRowDef="let row; columns: columns()"></tr>
        </table>
      </div>
      @if (!loading() && users().length === 0) {
        <p class="empty">No users match.</p>
      }
      <mat-paginator
        [length]="total()"
        [pageIndex]="page() - 1"
        [pageSize]="pageSize()"
        [pageSizeOptions]="[10, 25, 50, 100]"
        (page)="onPage($event)"
        aria-label="User pages"
      />
    </section>
  `,
})
export class UsersComponent implements OnInit {
  private readonly usersApi = inject(UsersService);
  private readonly invitations = inject(InvitationsService);
  private readonly models = inject(ModelsService);
  private readonly teams = inject(TeamsService);
  private readonly session = inject(SessionService);
  private readonly dialog = inject(MatDialog);
  private readonly notify = inject(NotifyService);

  protected readonly usd = usd;
  protected readonly roles = ROLES;
  protected readonly titles = ROLE_TITLES;
  protected readonly users = signal<UserResponse[]>([]);
  protected readonly total = signal(0);
  protected readonly page = signal(1);
  protected readonly pageSize = signal(25);
  protected readonly email = signal('');
  protected readonly role = signal<Role | null>(null);
  protected readonly loading = signal(true);
  protected readonly canCreate = computed(
    () => this.session.me() !== null && this.session.can('user.create'),
  );
  protected readonly canChange = computed(
    () => this.session.me() !== null && this.session.can('user.update.any'),
  );
  protected readonly columns = computed(() =>
    this.canCreate()
      ? ['email', 'role', 'spend', 'keys', 'actions']
      : ['email', 'role', 'spend', 'keys'],
  );

  ngOnInit(): void {
    void this.load();
  }

  protected asRole(value: string): Role {
    return value as Role;
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    try {
      const answer = await this.usersApi.list({
        page: this.page(),
        page_size: this.pageSize(),
        role: this.role(),
        user_email: this.email().trim() || null,
        sort_by: 'created_at',
        sort_order: 'desc',
      });
      this.users.set(answer.users);
      this.total.set(answer.total);
    } catch (error) {
      this.users.set([]);
      this.notify.error(error, 'Could not load users');
    } finally {
      this.loading.set(false);
    }
  }

  protected onPage(event: PageEvent): void {
    this.page.set(event.pageIndex + 1);
    this.pageSize.set(event.pageSize);
    void this.load();
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
      .subscribe(() => void this.load());
  }

  protected async changeRole(user: UserResponse, role: Role): Promise<void> {
    try {
      await this.usersApi.update({ user_id: user.user_id, user_role: role });
      this.notify.success(`${user.user_email ?? user.user_id} is now ${ROLE_TITLES[role]}`);
    } catch (error) {
      this.notify.error(error, 'Could not change the role');
    }
    await this.load();
  }

  protected async invite(user: UserResponse): Promise<void> {
    try {
      const invitation = await this.invitations.create(user.user_id);
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
    } catch (error) {
      this.notify.error(error, 'Could not create an invitation');
    }
  }

  protected async remove(user: UserResponse): Promise<void> {
    const ok = await confirm(this.dialog, {
      title: 'Delete user?',
      message: `${user.user_email ?? user.user_id} and their sessions are removed.`,
      confirm: 'Delete',
      danger: true,
    });
    if (!ok) return;
    try {
      await this.usersApi.delete([user.user_id]);
      this.notify.success('User deleted');
      await this.load();
    } catch (error) {
      this.notify.error(error, 'Could not delete the user');
    }
  }
}
