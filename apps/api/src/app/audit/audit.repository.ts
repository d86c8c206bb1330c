import type { AuditLogQuery } from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Transactions } from '../database/transactions';
import { AuditLogEntity } from './audit-log.entity';

const DAY_MS = 86_400_000;
const dayStartMs = (date: string): number => Date.parse(`${date}T00:00:00.000Z`);

/** The audit module's table; rows are appended and purged, never updated. */
@Injectable()
export class AuditRepository {
  constructor(private readonly transactions: Transactions) {}

  private get repo() {
    return this.transactions.repository(AuditLogEntity);
  }

  /**
   * Takes the chain's append lock for the rest of the caller's transaction (PostgreSQL: one
   * advisory lock per schema; SQLite transactions are already one at a time).
   */
  async lockChain(): Promise<void> {
    if (!this.transactions.isPostgres) return;
    await this.transactions
      .manager()
      .query(`SELECT pg_advisory_xact_lock(hashtext('gatehouse audit ' || current_schema()))`);
  }

  /** The newest row's hash, or null on an empty log. */
  async newestHash(): Promise<string | null> {
    const newest = await this.repo.findOne({
      select: { hash: true },
      where: {},
      order: { seq: 'DESC' },
    });
    return newest?.hash ?? null;
  }

  async insert(row: Omit<AuditLogEntity, 'seq'>): Promise<void> {
    await this.repo.insert(row as QueryDeepPartialEntity<AuditLogEntity>);
  }

  findById(id: string): Promise<AuditLogEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /**
   * One page, newest first, and the total. Every filter has an index ending in
   * `(updated_at, seq)` (migration 1764850000000), so the page is an index range read in order
   * and the total a plain COUNT(*) over it (not TypeORM's getManyAndCount, whose
   * COUNT(DISTINCT) is several times slower over a million rows).
   *
   * With two equality filters SQLite, which keeps no statistics unless ANALYZE ran, picks one
   * of their indexes blindly (`action` walks a sixth of the log where `changed_by` walks one
   * actor's rows). So on SQLite the most selective filter leads — object, then actor — and the
   * others are written `+column`, which SQLite reads as "not for an index". PostgreSQL has
   * statistics and plans it well itself.
   */
  async list(
    query: AuditLogQuery & { page: number; page_size: number },
  ): Promise<[AuditLogEntity[], number]> {
    const lead = query.object_id ? 'object_id' : query.changed_by ? 'changed_by' : null;
    const column = (name: string): string =>
      lead !== null && name !== lead && !this.transactions.isPostgres ? `+a.${name}` : `a.${name}`;
    const qb = this.repo.createQueryBuilder('a');
    if (query.object_id) qb.andWhere('a.object_id = :object', { object: query.object_id });
    if (query.changed_by) {
      qb.andWhere(`${column('changed_by')} = :by`, { by: query.changed_by });
    }
    if (query.action) qb.andWhere(`${column('action')} = :action`, { action: query.action });
    if (query.table_name) {
      qb.andWhere(`${column('table_name')} = :table`, { table: query.table_name });
    }
    if (query.start_date)
      qb.andWhere('a.updated_at >= :from', { from: dayStartMs(query.start_date) });
    if (query.end_date) {
      qb.andWhere('a.updated_at < :to', { to: dayStartMs(query.end_date) + DAY_MS });
    }
    const [rows, count] = await Promise.all([
      qb
        .clone()
        .orderBy('a.updated_at', 'DESC')
        .addOrderBy('a.seq', 'DESC')
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
        .getMany(),
      qb.clone().select('COUNT(*)', 'n').getRawOne<{ n: number | string }>(),
    ]);
    return [rows, Number(count?.n ?? 0)];
  }

  /** Rows in chain order after `afterSeq`, `limit` at a time. */
  batchAfter(afterSeq: number, limit: number): Promise<AuditLogEntity[]> {
    return this.repo
      .createQueryBuilder('a')
      .where('a.seq > :afterSeq', { afterSeq })
      .orderBy('a.seq', 'ASC')
      .take(limit)
      .getMany();
  }

  /** The newest retention purge row (it names the first kept row's predecessor hash). */
  newestPurge(): Promise<AuditLogEntity | null> {
    return this.repo.findOne({
      where: { tableName: 'audit', action: 'deleted', authMethod: 'system' },
      order: { seq: 'DESC' },
    });
  }

  /** The newest row written before `cutoff` (the last one a purge removes). */
  lastBefore(cutoff: Date): Promise<AuditLogEntity | null> {
    return this.repo
      .createQueryBuilder('a')
      .where('a.updated_at < :cutoff', { cutoff: cutoff.getTime() })
      .orderBy('a.seq', 'DESC')
      .getOne();
  }

  /** Deletes the chain up to and including `seq`; answers how many rows went. */
  async deleteThrough(seq: number): Promise<number> {
    const result = await this.repo
      .createQueryBuilder()
      .delete()
      .where('seq <= :seq', { seq })
      .execute();
    return result.affected ?? 0;
  }
}
