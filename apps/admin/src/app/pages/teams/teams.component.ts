import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  type OnInit,
  signal,
} from '@angular/core';
import { FormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router } from '@angular/router';
import type { TeamResponse } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { SessionService } from '../../data-access/session.service';
import { TeamsService } from '../../data-access/teams.service';
import { ActionRunner } from '../../shared/action-runner';
import {
  CellDirective,
  DataTableComponent,
  type DataColumn,
  type RowAction,
} from '../../shared/data-table/data-table.component';
import { usd } from '../../shared/format';
import { HistoryLinkComponent } from '../../shared/history-link.component';
import { pageOf, TableState } from '../../shared/table-state';

@Component({
  selector: 'gh-teams',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    DataTableComponent,
    CellDirective,
    HistoryLinkComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styles: `
    form {
      display: flex;
      flex-wrap: wrap;
      gap: 0 16px;
      align-items: baseline;
    }
  `,
  templateUrl: './teams.component.html',
})
export class TeamsComponent implements OnInit {
  private readonly teamsApi = inject(TeamsService);
  private readonly session = inject(SessionService);
  private readonly notify = inject(NotifyService);
  private readonly actions = inject(ActionRunner);
  protected readonly usd = usd;
  protected readonly table = new TableState<TeamResponse>(
    async (page, size) => pageOf(await this.teamsApi.list(), page, size),
    (error) => this.notify.error(error, 'Could not load teams'),
  );
  protected readonly busy = signal(false);
  protected readonly canCreate = computed(
    () => this.session.me() !== null && this.session.can('team.create'),
  );
  private readonly router = inject(Router);
  protected readonly columns = computed<DataColumn<TeamResponse>[]>(() => [
    { id: 'name', header: 'Team', value: (team) => team.team_alias ?? team.team_id },
    { id: 'members', header: 'Members', value: (team) => team.members_with_roles.length },
    {
      id: 'models',
      header: 'Models',
      value: (team) => (team.models.length ? team.models.join(', ') : 'All models'),
    },
    {
      id: 'spend',
      header: 'Spend / budget',
      value: (team) =>
        `${usd(team.spend)} / ${team.max_budget === null ? 'no limit' : usd(team.max_budget)}`,
    },
    ...(this.session.me() !== null && this.session.can('audit.read')
      ? [{ id: 'history', header: 'History' }]
      : []),
  ]);
  protected readonly rowActions = computed<RowAction<TeamResponse>[]>(() =>
    this.session.me() !== null && this.session.can('team.delete')
      ? [
          {
            text: () => 'Delete',
            label: (team) => `Delete team ${team.team_alias ?? team.team_id}`,
            run: (team) => this.remove(team),
          },
        ]
      : [],
  );
  protected readonly openLabel = (team: TeamResponse) =>
    `Open team ${team.team_alias ?? team.team_id}`;

  protected open(team: TeamResponse): void {
    void this.router.navigate(['/teams', team.team_id]);
  }
  protected readonly form = inject(FormBuilder).nonNullable.group({
    team_alias: ['', Validators.required],
    models: [''],
    max_budget: [null as number | null, Validators.min(0)],
  });

  ngOnInit(): void {
    void this.table.load();
  }

  protected async create(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const value = this.form.getRawValue();
    this.busy.set(true);
    try {
      const models = value.models
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean);
      await this.teamsApi.create({
        team_alias: value.team_alias.trim(),
        ...(models.length ? { models } : {}),
        ...(value.max_budget !== null ? { max_budget: Number(value.max_budget) } : {}),
      });
      this.form.reset();
      this.notify.success('Team created');
      await this.table.load();
    } catch (error) {
      this.notify.error(error, 'Could not create the team');
    } finally {
      this.busy.set(false);
    }
  }

  protected remove(team: TeamResponse): Promise<boolean> {
    return this.actions.run({
      confirm: {
        title: 'Delete team?',
        message: `${team.team_alias ?? team.team_id} is deleted; its members keep their accounts.`,
        confirm: 'Delete',
        danger: true,
      },
      run: () => this.teamsApi.delete([team.team_id]),
      success: 'Team deleted',
      failure: 'Could not delete the team',
      after: () => this.table.load(),
    });
  }
}
