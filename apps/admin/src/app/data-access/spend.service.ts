import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { CacheHitsResponse, DailyActivityResponse } from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';
import { params } from './http-params';

/** The query of `/user/daily/activity` and `/global/activity/cache_hits` (DailyActivityQuery). */
export interface ActivityQuery {
  /** YYYY-MM-DD, UTC days, both ends inclusive. */
  start_date: string;
  end_date: string;
  /** Admins and admin viewers may narrow to one user; others always see their own. */
  user_id?: string | null;
}

/** Spend analytics, read from the daily rollups. */
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
