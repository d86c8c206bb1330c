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
  templateUrl: './user-create-dialog.component.html',
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
