import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type { CacheHitsResponse, DailyActivityResponse } from './api-types';
import { params } from './http-params';

export interface ActivityQuery {
  start_date: string;
  end_date: string;
  /** Admins and admin viewers may narrow to one user; others always see their own. */
  user_id?: string | null;
}

@Injectable({ providedIn: 'root' })
export class SpendService {
  private readonly http = inject(HttpClient);

  daily(query: ActivityQuery): Promise<DailyActivityResponse> {
    return firstValueFrom(
      this.http.get<DailyActivityResponse>('/user/daily/activity', { params: params(query) }),
    );
  }

  cacheHits(query: ActivityQuery): Promise<CacheHitsResponse> {
    return firstValueFrom(
      this.http.get<CacheHitsResponse>('/global/activity/cache_hits', { params: params(query) }),
    );
  }
}
