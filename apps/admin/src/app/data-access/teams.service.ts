import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type {
  DeleteTeamsResponse,
  NewTeamRequest,
  TeamResponse,
  TeamRole,
} from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';

@Injectable({ providedIn: 'root' })
export class TeamsService {
  private readonly http = inject(HttpClient);

  list(): Promise<TeamResponse[]> {
    return firstValueFrom(this.http.get<TeamResponse[]>('/team/list'));
  }

  info(teamId: string): Promise<TeamResponse> {
    return firstValueFrom(
      this.http.get<TeamResponse>('/team/info', { params: { team_id: teamId } }),
    );
  }

  /** Adds one member by email (`/team/member_add`), answering the team as it is now. */
  addMember(teamId: string, userEmail: string, role: TeamRole): Promise<TeamResponse> {
    return firstValueFrom(
      this.http.post<TeamResponse>('/team/member_add', {
        team_id: teamId,
        member: { user_email: userEmail, role },
      }),
    );
  }

  removeMember(teamId: string, userId: string): Promise<TeamResponse> {
    return firstValueFrom(
      this.http.post<TeamResponse>('/team/member_delete', { team_id: teamId, user_id: userId }),
    );
  }

  create(request: NewTeamRequest): Promise<TeamResponse> {
    return firstValueFrom(this.http.post<TeamResponse>('/team/new', request));
  }

  delete(teamIds: string[]): Promise<DeleteTeamsResponse> {
    return firstValueFrom(
      this.http.post<DeleteTeamsResponse>('/team/delete', { team_ids: teamIds }),
    );
  }
}
