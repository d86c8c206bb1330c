import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type {
  CacheHitsResponse,
  DailyActivityResponse,
  SpendLogsResponse,
  SpendReportResponse,
  SpendGroup,
  SpendStatus,
} from '@gatehouse/shared/dto';
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

/** The query of `/spend/logs` (SpendLogsQuery): every filter it has today, all optional. */
export interface LogsQuery {
  start_date?: string | null;
  end_date?: string | null;
  /** Honoured for admins and admin viewers; the API answers only their own to everybody else. */
  user_id?: string | null;
  /** A key's token id (or its secret). */
  api_key?: string | null;
  model?: string | null;
  team_id?: string | null;
  status?: SpendStatus | null;
  cache_hit?: 'true' | 'false' | null;
  page?: number;
  page_size?: number;
}

/** Spend analytics, read from the daily rollups, and the request logs. */
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

  /** One page of request logs, newest first, scoped by the API to what the caller may see. */
  logs(query: LogsQuery): Promise<SpendLogsResponse> {
    return firstValueFrom(
      this.http.get<SpendLogsResponse>('/spend/logs', { params: params(query) }),
    );
  }

  /** The top `limit` groups (the API's default is 100), with the spend of all of them. */
  report(
    query: ActivityQuery & { group_by: SpendGroup; limit?: number },
  ): Promise<SpendReportResponse> {
    return firstValueFrom(
      this.http.get<SpendReportResponse>('/global/spend/report', { params: params(query) }),
    );
  }
}
