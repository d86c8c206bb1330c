import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type {
  AuditAction,
  AuditLogEntry,
  AuditLogList,
  AuditTableName,
  AuditVerifyResponse,
} from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';
import { params } from './http-params';

/** The filters of `GET /audit` (AuditLogQuery); empty values are left out. */
export interface AuditFilters {
  action?: AuditAction | null;
  table_name?: AuditTableName | null;
  object_id?: string | null;
  /** A user_id, `admin` (the master key) or `system`. */
  changed_by?: string | null;
  /** YYYY-MM-DD, UTC days, both ends inclusive. */
  start_date?: string | null;
  end_date?: string | null;
}

export interface AuditQuery extends AuditFilters {
  page?: number;
  page_size?: number;
}

/** The largest page `GET /audit` serves (AuditLogQuery.page_size). */
export const AUDIT_MAX_PAGE_SIZE = 1000;

/** `/audit*`: the audit log, read by proxy_admin and proxy_admin_viewer (`audit.read`). */
@Injectable({ providedIn: 'root' })
export class AuditService {
  private readonly http = inject(HttpClient);

  /** One page, newest first. */
  list(query: AuditQuery): Promise<AuditLogList> {
    return firstValueFrom(this.http.get<AuditLogList>('/audit', { params: params(query) }));
  }

  get(id: string): Promise<AuditLogEntry> {
    return firstValueFrom(this.http.get<AuditLogEntry>(`/audit/${encodeURIComponent(id)}`));
  }

  /** Walks the hash chain (proxy_admin only: `audit.verify`). */
  verify(): Promise<AuditVerifyResponse> {
    return firstValueFrom(this.http.get<AuditVerifyResponse>('/audit/verify'));
  }

  /**
   * Every row of `filters`, fetched page by page (newest first). Rows written while it runs push
   * older ones onto the next page, so a row can come twice: it is kept once. `progress` hears
   * the rows so far and the total; `cancelled` stops it between pages.
   */
  async all(
    filters: AuditFilters,
    options: {
      pageSize?: number;
      progress?: (done: number, total: number) => void;
      cancelled?: () => boolean;
    } = {},
  ): Promise<AuditLogEntry[]> {
    const pageSize = options.pageSize ?? AUDIT_MAX_PAGE_SIZE;
    const rows = new Map<string, AuditLogEntry>();
    for (let page = 1; ; page += 1) {
      if (options.cancelled?.()) break;
      const answer = await this.list({ ...filters, page, page_size: pageSize });
      for (const row of answer.audit_logs) if (!rows.has(row.id)) rows.set(row.id, row);
      options.progress?.(rows.size, answer.total);
      if (answer.audit_logs.length < pageSize || page >= answer.total_pages) break;
    }
    return [...rows.values()];
  }
}
