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
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import type { TeamResponse } from '@gatehouse/shared/dto';
import { NotifyService } from '../../core/notify.service';
import { SessionService } from '../../data-access/session.service';
import { TeamsService } from '../../data-access/teams.service';
import { ActionRunner } from '../../shared/action-runner';
import { usd } from '../../shared/format';
import { HistoryLinkComponent } from '../../shared/history-link.component';
import { TableState } from '../../shared/table-state';

@Component({
  selector: 'gh-teams',
  imports: [
    ReactiveFormsModule,
    MatTableModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
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
  template: `
    <section class="page">
      <div class="page-header"><h1>Teams</h1></div>
      @if (canCreate()) {
        <form [formGroup]="form" (ngSubmit)="create()" aria-label="New team">
          <mat-form-field>
            <mat-label>Team name</mat-label>
            <input matInput formControlName="team_alias" required />
          </mat-form-field>
          <mat-form-field>
            <mat-label>Models (comma separated)</mat-label>
            <input matInput formControlName="models" />
          </mat-form-field>
          <mat-form-field>
            <mat-label>Max budget (USD)</mat-label>
            <input matInput type="number" min="0" formControlName="max_budget" />
          </mat-form-field>
          <button mat-flat-button type="submit" [disabled]="busy()">+ Create Team</button>
        </form>
      }
      @if (table.loading()) {
        <mat-progress-bar mode="indeterminate" aria-label="Loading teams" />
      }
      <div class="table-scroll">
        <table mat-table [dataSource]="table.rows()" aria-label="Teams">
          <ng-container matColumnDef="name">
            <th mat-header-cell *matHeaderCellDef>Team</th>
            <td mat-cell *matCellDef="let team">{{ team.team_alias ?? team.team_id }}</td>
          </ng-container>
          <ng-container matColumnDef="members">
            <th mat-header-cell *matHeaderCellDef>Members</th>
            <td mat-cell *matCellDef="let team">{{ team.members_with_roles?.length ?? 0 }}</td>
          </ng-container>
          <ng-container matColumnDef="models">
            <th mat-header-cell *matHeaderCellDef>Models</th>
            <td mat-cell *matCellDef="let team">
              {{ team.models?.length ? team.models.join(', ') : 'All models' }}
            </td>
          </ng-container>
          <ng-container matColumnDef="spend">
            <th mat-header-cell *matHeaderCellDef>Spend / budget</th>
            <td mat-cell *matCellDef="let team">
              {{ usd(team.spend) }} /
              {{ team.max_budget === null ? 'no limit' : usd(team.max_budget) }}
            </td>
          </ng-container>
          <ng-container matColumnDef="history">
            <th mat-header-cell *matHeaderCellDef>History</th>
            <td mat-cell *matCellDef="let team">
              <gh-history-link
                table="team"
                [objectId]="team.team_id"
                [name]="team.team_alias ?? team.team_id"
              />
            </td>
          </ng-container>
          <ng-container matColumnDef="actions">
            <th mat-header-cell *matHeaderCellDef>
              <span class="cdk-visually-hidden">Actions</span>
            </th>
            <td mat-cell *matCellDef="let team">
              <button
                mat-button
                type="button"
                (click)="remove(team)"
                [attr.aria-label]="'Delete team ' + (team.team_alias ?? team.team_id)"
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
        <p class="empty">No teams yet.</p>
      }
    </section>
  `,
})
export class TeamsComponent implements OnInit {
  private readonly teamsApi = inject(TeamsService);
  private readonly session = inject(SessionService);
  private readonly notify = inject(NotifyService);
  private readonly actions = inject(ActionRunner);
  protected readonly usd = usd;
  protected readonly table = new TableState<TeamResponse>(
    async () => ({ rows: await this.teamsApi.list() }),
    (error) => this.notify.error(error, 'Could not load teams'),
  );
  protected readonly busy = signal(false);
  protected readonly canCreate = computed(
    () => this.session.me() !== null && this.session.can('team.create'),
  );
  protected readonly columns = computed(() => [
    'name',
    'members',
    'models',
    'spend',
    ...(this.session.me() !== null && this.session.can('audit.read') ? ['history'] : []),
    ...(this.canCreate() ? ['actions'] : []),
  ]);
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
