import type { SpendGroup, SpendStatus } from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type SelectQueryBuilder } from 'typeorm';
import { DailySpendEntity } from './daily-spend.entity';
import { SpendLogEntity } from './spend-log.entity';

export interface LogFilter {
  userId: string | null;
  keyToken: string | null;
  model: string | null;
  teamId: string | null;
  status: SpendStatus | null;
  cacheHit: boolean | null;
  startMs: number | null;
  endMs: number | null;
}

/** Names shown beside a page of logs: key aliases by token, emails by user id. */
export interface LogNames {
  keyAliases: Map<string, string>;
  userEmails: Map<string, string>;
}

/** Who and when a rollup read covers: userId null = everybody. Dates are YYYY-MM-DD. */
export interface RollupScope {
  userId: string | null;
  startDate: string;
  endDate: string;
}

/** Summed rollup counters; money in nano-dollars. */
export interface RollupTotals {
  requests: number;
  successes: number;
  failures: number;
  promptTokens: number;
  completionTokens: number;
  cacheHits: number;
  cachedTokens: number;
  spend: number;
  savedSpend: number;
}

export interface RollupGroup extends RollupTotals {
  date: string;
  model: string;
  keyToken: string;
}

const SUMS: readonly [keyof RollupTotals, string][] = [
  ['requests', 'requests'],
  ['successes', 'successes'],
  ['failures', 'failures'],
  ['promptTokens', 'prompt_tokens'],
  ['completionTokens', 'completion_tokens'],
  ['cacheHits', 'cache_hits'],
  ['cachedTokens', 'cached_tokens'],
  ['spend', 'spend'],
  ['savedSpend', 'saved_spend'],
];

const GROUP_COLUMNS: Readonly<Record<SpendGroup, string>> = {
  user: 'd.user_id',
  key: 'd.key_token',
  model: 'd.model',
  team: 'd.team_id',
};

function totalsOf(raw: Record<string, unknown>): RollupTotals {
  return Object.fromEntries(SUMS.map(([k]) => [k, Number(raw[k] ?? 0)])) as unknown as RollupTotals;
}

@Injectable()
export class SpendRepository {
  constructor(
    @InjectRepository(SpendLogEntity) private readonly logs: Repository<SpendLogEntity>,
    @InjectRepository(DailySpendEntity) private readonly daily: Repository<DailySpendEntity>,
  ) {}

  /**
   * One page, newest first, and the total. The total is a plain COUNT(*): TypeORM's
   * getManyAndCount counts DISTINCT primary keys, which over a million rows costs ~10× more
   * (a temporary B-tree of every request_id) for the same number.
   */
  async listLogs(
    filter: LogFilter,
    page: number,
    pageSize: number,
  ): Promise<[SpendLogEntity[], number]> {
    const qb = this.logs.createQueryBuilder('l');
    if (filter.userId !== null) qb.andWhere('l.user_id = :userId', { userId: filter.userId });
    if (filter.keyToken !== null) qb.andWhere('l.key_token = :key', { key: filter.keyToken });
    if (filter.model !== null) qb.andWhere('l.model = :model', { model: filter.model });
    if (filter.teamId !== null) qb.andWhere('l.team_id = :teamId', { teamId: filter.teamId });
    if (filter.status !== null) qb.andWhere('l.status = :status', { status: filter.status });
    if (filter.cacheHit !== null) qb.andWhere('l.cache_hit = :hit', { hit: filter.cacheHit });
    if (filter.startMs !== null) qb.andWhere('l.start_time >= :start', { start: filter.startMs });
    if (filter.endMs !== null) qb.andWhere('l.start_time < :end', { end: filter.endMs });
    const counted = await qb.clone().select('COUNT(*)', 'n').getRawOne<{ n: number | string }>();
    const rows = await qb
      .orderBy('l.startTime', 'DESC')
      .addOrderBy('l.requestId', 'ASC')
      .offset((page - 1) * pageSize)
      .limit(pageSize)
      .getMany();
    return [rows, Number(counted?.n ?? 0)];
  }

  /**
   * The aliases and emails a page of logs names: two lookups by primary key of at most a page
   * of ids each (read only; the keys and users modules own those tables).
   */
  async namesFor(logs: SpendLogEntity[]): Promise<LogNames> {
    const tokens = [...new Set(logs.map((l) => l.keyToken).filter((t): t is string => !!t))];
    const userIds = [...new Set(logs.map((l) => l.userId))];
    const [keyAliases, userEmails] = await Promise.all([
      this.namesById('keys', 'token', 'key_alias', tokens),
      this.namesById('users', 'user_id', 'user_email', userIds),
    ]);
    return { keyAliases, userEmails };
  }

  /** `name` by `id` from `table`, for the rows named (those without a name are left out). */
  private async namesById(
    table: string,
    id: string,
    name: string,
    ids: string[],
  ): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.logs.manager
      .createQueryBuilder()
      .select(`t.${id}`, 'id')
      .addSelect(`t.${name}`, 'name')
      .from(table, 't')
      .where(`t.${id} IN (:...ids)`, { ids })
      .getRawMany<{ id: string; name: string | null }>();
    return new Map(rows.flatMap((r) => (r.name === null ? [] : [[r.id, r.name] as const])));
  }

  private scoped(scope: RollupScope): SelectQueryBuilder<DailySpendEntity> {
    const qb = this.daily
      .createQueryBuilder('d')
      .where('d.date >= :start AND d.date <= :end', { start: scope.startDate, end: scope.endDate });
    if (scope.userId !== null) qb.andWhere('d.user_id = :userId', { userId: scope.userId });
    return qb;
  }

  private selectSums(
    qb: SelectQueryBuilder<DailySpendEntity>,
  ): SelectQueryBuilder<DailySpendEntity> {
    qb.select([]);
    for (const [alias, column] of SUMS) qb.addSelect(`SUM(d.${column})`, alias);
    return qb;
  }

  /**
   * The rollup rows in scope, by day (the caller sums them per day, model and key). No
   * GROUP BY: the rows already are the finest grain, and SQL grouping them again cost two
   * temporary B-trees over every row in the range (the primary key's order serves ORDER BY).
   * Several rows share a day × model × key only when a key changed owner or team.
   */
  async rollupRows(scope: RollupScope): Promise<RollupGroup[]> {
    const qb = this.scoped(scope).select([]);
    for (const [alias, column] of SUMS) qb.addSelect(`d.${column}`, alias);
    const raw = await qb
      .addSelect('d.date', 'date')
      .addSelect('d.model', 'model')
      .addSelect('d.key_token', 'keyToken')
      .orderBy('d.date', 'ASC')
      .getRawMany<Record<string, unknown>>();
    return raw.map((r) => ({
      requests: Number(r['requests']),
      successes: Number(r['successes']),
      failures: Number(r['failures']),
      promptTokens: Number(r['promptTokens']),
      completionTokens: Number(r['completionTokens']),
      cacheHits: Number(r['cacheHits']),
      cachedTokens: Number(r['cachedTokens']),
      spend: Number(r['spend']),
      savedSpend: Number(r['savedSpend']),
      date: String(r['date']),
      model: String(r['model']),
      keyToken: String(r['keyToken']),
    }));
  }

  async byDay(scope: RollupScope): Promise<(RollupTotals & { date: string })[]> {
    const qb = this.selectSums(this.scoped(scope))
      .addSelect('d.date', 'date')
      .groupBy('d.date')
      .orderBy('d.date', 'ASC');
    const raw = await qb.getRawMany<Record<string, unknown>>();
    return raw.map((r) => ({ ...totalsOf(r), date: String(r['date']) }));
  }

  /**
   * The top `limit` groups by spend (ties by value), plus the spend and number of every group
   * in scope, so a share can be shown without reading all groups (500k keys are 500k groups).
   */
  async byGroup(
    scope: RollupScope,
    group: SpendGroup,
    limit: number,
  ): Promise<{ rows: (RollupTotals & { value: string })[]; totalSpend: number; groups: number }> {
    const column = GROUP_COLUMNS[group];
    const raw = await this.selectSums(this.scoped(scope))
      .addSelect(column, 'value')
      .groupBy(column)
      .orderBy('SUM(d.spend)', 'DESC')
      .addOrderBy(column, 'ASC')
      .limit(limit)
      .getRawMany<Record<string, unknown>>();
    const all = await this.scoped(scope)
      .select('COALESCE(SUM(d.spend), 0)', 'spend')
      .addSelect(`COUNT(DISTINCT ${column})`, 'groups')
      .getRawOne<{ spend: number | string; groups: number | string }>();
    return {
      rows: raw.map((r) => ({ ...totalsOf(r), value: String(r['value']) })),
      totalSpend: Number(all?.spend ?? 0),
      groups: Number(all?.groups ?? 0),
    };
  }
}
