import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { DeleteTeamsResponse, NewTeamRequest, TeamResponse } from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';

@Injectable({ providedIn: 'root' })
export class TeamsService {
  private readonly http = inject(HttpClient);

  list(): Promise<TeamResponse[]> {
    return firstValueFrom(this.http.get<TeamResponse[]>('/team/list'));
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
