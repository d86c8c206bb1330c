import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { ActivatedRoute, RouterLink } from '@angular/router';
import type { TeamMemberResponse, TeamResponse, TeamRole } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { apiErrorMessage } from '../../data-access/api-error';
import { SessionService } from '../../data-access/session.service';
import { TeamsService } from '../../data-access/teams.service';
import { ActionRunner } from '../../shared/action-runner';
import {
  DataTableComponent,
  type DataColumn,
  type RowAction,
} from '../../shared/data-table/data-table.component';
import { usd } from '../../shared/format';
import { pageOf, TableState } from '../../shared/table-state';

/** `/ui/teams/:team_id`: the team's budget and spend, its members with roles, add and remove. */
@Component({
  selector: 'gh-team-page',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    DataTableComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './team-page.component.html',
  styles: `
    dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 8px 24px;
    }
    dt {
      font-weight: 500;
    }
    dd {
      margin: 0;
    }
    form {
      display: flex;
      flex-wrap: wrap;
      gap: 0 16px;
      align-items: baseline;
    }
    .error {
      color: var(--mat-sys-error);
    }
  `,
})
export class TeamPageComponent {
  private readonly teamsApi = inject(TeamsService);
  private readonly session = inject(SessionService);
  private readonly notify = inject(NotifyService);
  private readonly actions = inject(ActionRunner);
  private readonly teamId = inject(ActivatedRoute).snapshot.paramMap.get('team_id') ?? '';

  protected readonly usd = usd;
  protected readonly team = signal<TeamResponse | null>(null);
  protected readonly loadError = signal<string | null>(null);
  protected readonly addError = signal<string | null>(null);
  protected readonly adding = signal(false);
  protected readonly canEdit = computed(
    () => this.session.me() !== null && this.session.can('team.update'),
  );
  /** Share of the budget spent, 0..100 (null: no budget). */
  protected readonly spentPercent = computed(() => {
    const team = this.team();
    if (!team || team.max_budget === null || team.max_budget <= 0) return null;
    return Math.min(100, Math.round((team.spend / team.max_budget) * 100));
  });
  protected readonly members = new TableState<TeamMemberResponse>(
    (page, size) => Promise.resolve(pageOf(this.team()?.members_with_roles ?? [], page, size)),
    () => undefined,
  );
  protected readonly columns: DataColumn<TeamMemberResponse>[] = [
    { id: 'email', header: 'Member', value: (m) => m.user_email ?? m.user_id },
    {
      id: 'role',
      header: 'Team role',
      value: (m) => (m.role === 'admin' ? 'Team admin' : 'Member'),
    },
  ];
  protected readonly memberActions = computed<RowAction<TeamMemberResponse>[]>(() =>
    this.canEdit()
      ? [
          {
            text: () => 'Remove',
            label: (m) => `Remove ${m.user_email ?? m.user_id} from the team`,
            run: (m) => this.removeMember(m),
          },
        ]
      : [],
  );
  private readonly fb = inject(FormBuilder).nonNullable;
  protected readonly form = this.fb.group({
    user_email: ['', [Validators.required, Validators.email]],
    role: this.fb.control<TeamRole>('user'),
  });

  constructor() {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loadError.set(null);
    try {
      this.show(await this.teamsApi.info(this.teamId));
    } catch (error) {
      this.loadError.set(apiErrorMessage(error));
    }
  }

  private show(team: TeamResponse): void {
    this.team.set(team);
    void this.members.load();
  }

  protected async addMember(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { user_email, role } = this.form.getRawValue();
    this.adding.set(true);
    this.addError.set(null);
    try {
      this.show(await this.teamsApi.addMember(this.teamId, user_email.trim(), role));
      this.form.reset({ user_email: '', role: 'user' });
      this.notify.success('Member added');
    } catch (error) {
      this.addError.set(apiErrorMessage(error));
    } finally {
      this.adding.set(false);
    }
  }

  protected removeMember(member: TeamMemberResponse): Promise<boolean> {
    const name = member.user_email ?? member.user_id;
    return this.actions.run({
      confirm: {
        title: 'Remove member?',
        message: `${name} leaves the team; their account and personal keys stay.`,
        confirm: 'Remove',
        danger: true,
      },
      run: () => this.teamsApi.removeMember(this.teamId, member.user_id),
      success: 'Member removed',
      failure: 'Could not remove the member',
      after: () => this.load(),
    });
  }
}
