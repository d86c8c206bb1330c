import type {
  AuditAction,
  AuditLogEntry,
  AuditLogList,
  AuditLogQuery,
  AuditTableName,
  AuditVerifyResponse,
} from '@gatehouse/shared/dto';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import {
  AuditActorContext,
  NO_ORIGIN,
  SYSTEM_IDENTITY,
  type AuditIdentity,
  type AuditOrigin,
} from './audit-actor';
import { chainHash, GENESIS_HASH, walkChain, type ChainCheck } from './audit-chain';
import { withoutSecrets } from './audit-diff';
import type { AuditLogEntity } from './audit-log.entity';
import { AuditRepository } from './audit.repository';

const DAY_MS = 86_400_000;
/** Rows read per query while verifying the chain. */
const VERIFY_BATCH = 1000;

/** What a service says about its change; the actor comes from the request (or is given). */
export interface AuditEntry {
  action: AuditAction;
  table_name: AuditTableName;
  object_id: string | null;
  before_value?: Record<string, unknown> | null;
  updated_values?: Record<string, unknown> | null;
}

export function toAuditLogEntry(row: AuditLogEntity): AuditLogEntry {
  return {
    id: row.id,
    updated_at: row.updatedAt.toISOString(),
    changed_by: row.changedBy,
    changed_by_api_key: row.changedByApiKey,
    auth_method: row.authMethod,
    action: row.action,
    table_name: row.tableName,
    object_id: row.objectId,
    before_value: row.beforeValue,
    updated_values: row.updatedValues,
    ip: row.ip,
    user_agent: row.userAgent,
    request_id: row.requestId,
    hash: row.hash,
  };
}

const asObject = (value: unknown): Record<string, unknown> | null =>
  value && typeof value === 'object' ? (value as Record<string, unknown>) : null;

@Injectable()
export class AuditService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly rows: AuditRepository,
    private readonly transactions: Transactions,
    private readonly context: AuditActorContext,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /**
   * Appends the audit row of a change, in the change's own transaction: call it inside
   * `Transactions.run`, after the change's writes. Who acted is the current request's caller
   * unless given (login, onboarding, the retention job); where from is the current request's
   * unless given.
   */
  async record(
    entry: AuditEntry,
    identity: AuditIdentity | null = this.context.identity(),
    origin: AuditOrigin = this.context.origin(),
  ): Promise<void> {
    if (!this.transactions.active) {
      throw new Error('audit rows are written inside Transactions.run, with their change');
    }
    if (!identity) {
      throw new Error(`no actor for the audit row of ${entry.table_name} ${entry.action}`);
    }
    await this.rows.lockChain();
    const previousHash = (await this.rows.newestHash()) ?? GENESIS_HASH;
    const row: Omit<AuditLogEntry, 'hash'> = {
      id: randomUUID(),
      updated_at: this.clock.now().toISOString(),
      ...identity,
      ...origin,
      action: entry.action,
      table_name: entry.table_name,
      object_id: entry.object_id,
      before_value: asObject(withoutSecrets(entry.before_value ?? null)),
      updated_values: asObject(withoutSecrets(entry.updated_values ?? null)),
    };
    const hash = chainHash(previousHash, row);
    await this.rows.insert({
      id: row.id,
      updatedAt: new Date(row.updated_at),
      changedBy: row.changed_by,
      changedByApiKey: row.changed_by_api_key,
      authMethod: row.auth_method,
      action: row.action,
      tableName: row.table_name,
      objectId: row.object_id,
      beforeValue: row.before_value,
      updatedValues: row.updated_values,
      ip: row.ip,
      userAgent: row.user_agent,
      requestId: row.request_id,
      hash,
    });
  }

  async list(query: AuditLogQuery): Promise<AuditLogList> {
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 50;
    const [rows, total] = await this.rows.list({ ...query, page, page_size: pageSize });
    return {
      audit_logs: rows.map(toAuditLogEntry),
      total,
      page,
      page_size: pageSize,
      total_pages: Math.ceil(total / pageSize),
    };
  }

  async get(id: string): Promise<AuditLogEntry> {
    const row = await this.rows.findById(id);
    if (!row) throw AppError.notFound('Audit log entry', 'id');
    return toAuditLogEntry(row);
  }

  /** Walks the whole chain, oldest first, from the anchor the newest purge recorded. */
  async verify(): Promise<AuditVerifyResponse> {
    const purge = await this.rows.newestPurge();
    const anchor = purge?.updatedValues?.['first_kept_prev_hash'];
    let check: ChainCheck = {
      rows: 0,
      previousHash: typeof anchor === 'string' ? anchor : GENESIS_HASH,
      firstBadId: null,
    };
    let afterSeq = 0;
    for (;;) {
      const batch = await this.rows.batchAfter(afterSeq, VERIFY_BATCH);
      if (batch.length === 0) break;
      check = walkChain(check, batch.map(toAuditLogEntry));
      if (check.firstBadId) break;
      afterSeq = batch[batch.length - 1].seq;
    }
    return { ok: check.firstBadId === null, rows: check.rows, first_bad_id: check.firstBadId };
  }

  /**
   * Retention: deletes the rows older than AUDIT_RETENTION_DAYS and leaves a `system` row that
   * names the hash the first kept row is chained to, so `verify` still walks from there.
   * Answers how many rows went (nothing is written when none did).
   */
  async purge(retentionDays = this.config.auditRetentionDays): Promise<number> {
    if (retentionDays <= 0) return 0;
    return this.transactions.run(async () => {
      await this.rows.lockChain();
      const cutoff = new Date(this.clock.nowMs() - retentionDays * DAY_MS);
      const last = await this.rows.lastBefore(cutoff);
      if (!last) return 0;
      const purged = await this.rows.deleteThrough(last.seq);
      await this.record(
        {
          action: 'deleted',
          table_name: 'audit',
          object_id: null,
          updated_values: {
            purged_rows: purged,
            retention_days: retentionDays,
            cutoff: cutoff.toISOString(),
            first_kept_prev_hash: last.hash,
          },
        },
        SYSTEM_IDENTITY,
        NO_ORIGIN,
      );
      return purged;
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.auditRetentionDays <= 0) return;
    const run = (): void => {
      this.purge().catch((error: unknown) =>
        this.logger.error(`Audit retention purge failed: ${String(error)}`),
      );
    };
    this.timer = setInterval(run, DAY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
