import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatRadioModule } from '@angular/material/radio';
import { MatSelectModule } from '@angular/material/select';
import { ROLE_DESCRIPTIONS, ROLES, type Role } from '@gatehouse/shared/auth';
import type { NewUserRequest, TeamResponse, UserResponse } from '@gatehouse/shared/dto';
import { apiErrorMessage } from '../../data-access/api-error';
import { InvitationsService } from '../../data-access/invitations.service';
import { UsersService } from '../../data-access/users.service';
import { CopyBoxComponent } from '../../shared/copy-box.component';
import { ROLE_TITLES } from '../../core/role-labels';
import { FormSubmission } from '../../shared/form-submission';

export interface UserCreateData {
  models: string[];
  teams: TeamResponse[];
}

export { ROLE_TITLES };

/** + New User: creates the user, then an invitation, and ends on the link to share. */
@Component({
  selector: 'gh-user-create-dialog',
  imports: [
    ReactiveFormsModule,
    MatDialogModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatRadioModule,
    MatSelectModule,
    CopyBoxComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styles: `
    mat-radio-group {
      display: flex;
      flex-direction: column;
      gap: 4px;
      margin-bottom: 12px;
    }
    .role-label {
      font: var(--mat-sys-title-small);
      margin: 4px 0;
    }
    .role-description {
      display: block;
      font: var(--mat-sys-body-small);
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  template: `
    @if (user(); as user) {
      <h2 mat-dialog-title>Invite {{ user.user_email }}</h2>
      <mat-dialog-content>
        @if (link(); as link) {
          <p>Share this invitation link. It is valid for 7 days.</p>
          <gh-copy-box [value]="link" label="invitation link" testId="invitation-link" />
        } @else {
          <p class="warning" role="alert">
            The user was created, but no invitation could be made: {{ submission.error() }}
          </p>
        }
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-flat-button type="button" [mat-dialog-close]="user">Done</button>
      </mat-dialog-actions>
    } @else {
      <h2 mat-dialog-title>New user</h2>
      <form [formGroup]="form" (ngSubmit)="submit()">
        <mat-dialog-content>
          <mat-form-field class="full">
            <mat-label>Email</mat-label>
            <input matInput type="email" formControlName="user_email" required autocomplete="off" />
          </mat-form-field>
          <div id="role-label" class="role-label">Role</div>
          <mat-radio-group formControlName="user_role" aria-labelledby="role-label">
            @for (role of roles; track role) {
              <mat-radio-button [value]="role">
                <strong>{{ titles[role] }}</strong>&nbsp;<code>{{ role }}</code>
                <span class="role-description">{{ descriptions[role] }}</span>
              </mat-radio-button>
            }
          </mat-radio-group>
          <mat-form-field class="full">
            <mat-label>Models</mat-label>
            @if (data.models.length) {
              <mat-select formControlName="models" multiple>
                @for (model of data.models; track model) {
                  <mat-option [value]="model">{{ model }}</mat-option>
                }
              </mat-select>
            } @else {
              <input matInput formControlName="modelsText" placeholder="gpt-4o, claude-3" />
            }
            <mat-hint>Empty: every model</mat-hint>
          </mat-form-field>
          <div class="form-grid">
            <mat-form-field>
              <mat-label>Max budget (USD)</mat-label>
              <input matInput type="number" min="0" step="0.01" formControlName="max_budget" />
            </mat-form-field>
            @if (data.teams.length) {
              <mat-form-field>
                <mat-label>Teams</mat-label>
                <mat-select formControlName="teams" multiple>
                  @for (team of data.teams; track team.team_id) {
                    <mat-option [value]="team.team_id">{{
                      team.team_alias ?? team.team_id
                    }}</mat-option>
                  }
                </mat-select>
              </mat-form-field>
            }
          </div>
          @if (submission.error(); as error) {
            <p class="warning" role="alert">{{ error }}</p>
          }
        </mat-dialog-content>
        <mat-dialog-actions align="end">
          <button mat-button type="button" mat-dialog-close>Cancel</button>
          <button mat-flat-button type="submit" [disabled]="submission.busy()">Create user</button>
        </mat-dialog-actions>
      </form>
    }
  `,
})
export class UserCreateDialogComponent {
  private readonly users = inject(UsersService);
  private readonly invitations = inject(InvitationsService);
  private readonly ref =
    inject<MatDialogRef<UserCreateDialogComponent, UserResponse>>(MatDialogRef);
  protected readonly data = inject<UserCreateData>(MAT_DIALOG_DATA);
  protected readonly roles = ROLES;
  protected readonly titles = ROLE_TITLES;
  protected readonly descriptions = ROLE_DESCRIPTIONS;
  protected readonly submission = new FormSubmission();
  protected readonly user = signal<UserResponse | null>(null);
  protected readonly link = signal<string | null>(null);
  protected readonly form = inject(FormBuilder).nonNullable.group({
    user_email: ['', [Validators.required, Validators.email]],
    user_role: ['internal_user' as Role, Validators.required],
    models: [[] as string[]],
    modelsText: [''],
    max_budget: [null as number | null, Validators.min(0)],
    teams: [[] as string[]],
  });

  private request(): NewUserRequest {
    const value = this.form.getRawValue();
    const models = value.models.length
      ? value.models
      : value.modelsText
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean);
    const request: NewUserRequest = {
      user_email: value.user_email.trim(),
      user_role: value.user_role,
    };
    if (models.length) request.models = models;
    if (value.max_budget !== null) request.max_budget = Number(value.max_budget);
    if (value.teams.length) request.teams = value.teams;
    return request;
  }

  protected submit(): Promise<void> {
    return this.submission.submit(this.form, 'Enter a valid email and pick a role.', async () => {
      const user = await this.users.create(this.request());
      this.ref.disableClose = true;
      try {
        this.link.set((await this.invitations.create(user.user_id)).invitation_link);
      } catch (error) {
        // The user exists: the dialog ends on this message instead of the link.
        this.submission.error.set(apiErrorMessage(error));
      }
      this.user.set(user);
    });
  }
}
