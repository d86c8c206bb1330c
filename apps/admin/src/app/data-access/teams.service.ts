import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type { NewTeamRequest, TeamResponse } from './api-types';

@Injectable({ providedIn: 'root' })
export class TeamsService {
  private readonly http = inject(HttpClient);

  async list(): Promise<TeamResponse[]> {
    const answer = await firstValueFrom(
      this.http.get<TeamResponse[] | { teams: TeamResponse[] }>('/team/list'),
    );
    return Array.isArray(answer) ? answer : answer.teams;
  }

  create(request: NewTeamRequest): Promise<TeamResponse> {
    return firstValueFrom(this.http.post<TeamResponse>('/team/new', request));
  }

  delete(teamIds: string[]): Promise<unknown> {
    return firstValueFrom(this.http.post('/team/delete', { team_ids: teamIds }));
  }
}
