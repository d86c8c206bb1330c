import type { KeySortField } from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import { In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { UserEntity } from '../users/user.entity';
import { DeletedKeyEntity, KeyEntity } from './key.entity';
import { Transactions } from '../database/transactions';
import {
  spendCounterStatements,
  type CounterDelta,
  type SqlDialect,
  type SqlStatement,
} from '../database/sql-statement';

const SORT_COLUMNS: Readonly<Record<KeySortField, string>> = {
  created_at: 'k.createdAt',
  updated_at: 'k.updatedAt',
  key_alias: 'k.keyAlias',
  spend: 'k.spend',
  max_budget: 'k.maxBudget',
  expires: 'k.expires',
  user_id: 'k.userId',
};

export interface KeyListFilter {
  page: number;
  size: number;
  userId?: string;
  teamId?: string;
  keyAlias?: string;
  /** The owner's email starts with this (lower case: emails are stored lower-cased). */
  ownerEmailPrefix?: string;
  sortBy: KeySortField;
  sortOrder: 'asc' | 'desc';
}

/** Every read and write of `keys` and `deleted_keys`; values always go in as parameters. */
@Injectable()
export class KeysRepository {
  /**
   * The statements that add a spend flush's deltas to the key `spend` counters, run by the
   * spend writer inside its flush transaction (static: the writer's transaction may run on its
   * own SQLite thread, so it takes statements, not this repository's connection).
   */
  static spendStatements(deltas: CounterDelta[], dialect: SqlDialect): SqlStatement[] {
    return spendCounterStatements(
      { table: 'keys', idColumn: 'token', resetAtColumn: 'budget_reset_at' },
      deltas,
      dialect,
    );
  }

  constructor(private readonly transactions: Transactions) {}

  private get keys(): Repository<KeyEntity> {
    return this.transactions.repository(KeyEntity);
  }

  private get deleted(): Repository<DeletedKeyEntity> {
    return this.transactions.repository(DeletedKeyEntity);
  }

  private get users(): Repository<UserEntity> {
    return this.transactions.repository(UserEntity);
  }

  findByToken(token: string): Promise<KeyEntity | null> {
    return this.keys.findOneBy({ token });
  }

  findBySecretHash(secretHash: string): Promise<KeyEntity | null> {
    return this.keys.findOneBy({ secretHash });
  }

  /** The key whose current or previous (regenerated) secret has this hash. */
  async findByAnySecretHash(secretHash: string): Promise<KeyEntity | null> {
    return (
      (await this.keys.findOneBy({ secretHash })) ??
      (await this.keys.findOneBy({ previousSecretHash: secretHash }))
    );
  }

  /** Aliases are unique per owner (UQ_keys_user_id_key_alias). */
  findByOwnerAndAlias(userId: string, keyAlias: string): Promise<KeyEntity | null> {
    return this.keys.findOneBy({ userId, keyAlias });
  }

  findByAliases(keyAliases: string[]): Promise<KeyEntity[]> {
    return this.keys.findBy({ keyAlias: In(keyAliases) });
  }

  /** Every live key of these teams. */
  findByTeams(teamIds: string[]): Promise<KeyEntity[]> {
    if (teamIds.length === 0) return Promise.resolve([]);
    return this.keys.find({ where: { teamId: In(teamIds) }, order: { token: 'ASC' } });
  }

  /** The live keys one user owns in one team. */
  findByUserAndTeam(userId: string, teamId: string): Promise<KeyEntity[]> {
    return this.keys.find({ where: { userId, teamId }, order: { token: 'ASC' } });
  }

  findByUser(userId: string): Promise<KeyEntity[]> {
    return this.keys.find({ where: { userId }, order: { createdAt: 'DESC', token: 'ASC' } });
  }

  /** One page of a user's keys, newest first, and how many they have. */
  pageByUser(userId: string, page: number, size: number): Promise<[KeyEntity[], number]> {
    return this.keys.findAndCount({
      where: { userId },
      order: { createdAt: 'DESC', token: 'ASC' },
      skip: (page - 1) * size,
      take: size,
    });
  }

  /** How many keys each of these users owns, in one grouped query (users without keys are absent). */
  async countByUsers(userIds: string[]): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.keys
      .createQueryBuilder('k')
      .select('k.user_id', 'userId')
      .addSelect('COUNT(*)', 'count')
      .where('k.user_id IN (:...userIds)', { userIds })
      .groupBy('k.user_id')
      .getRawMany<{ userId: string; count: number | string }>();
    // PostgreSQL answers COUNT(*) as a bigint string, SQLite as a number.
    return new Map(rows.map((row) => [row.userId, Number(row.count)]));
  }

  findDeletedByAnySecretHash(secretHash: string): Promise<DeletedKeyEntity | null> {
    return this.deleted.findOne({
      where: [{ secretHash }, { previousSecretHash: secretHash }],
    });
  }

  findOwner(userId: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ userId });
  }

  async insert(key: KeyEntity): Promise<void> {
    await this.keys.insert(key as QueryDeepPartialEntity<KeyEntity>);
  }

  save(key: KeyEntity): Promise<KeyEntity> {
    return this.keys.save(key);
  }

  /** Moves keys to the archive in one transaction. */
  async archive(keys: KeyEntity[], deletedAt: Date, deletedBy: string): Promise<void> {
    if (keys.length === 0) return;
    await this.transactions.run(async (manager) => {
      const rows = keys.map((key) =>
        Object.assign(new DeletedKeyEntity(), key, { deletedAt, deletedBy }),
      );
      // A token deleted before (then re-created with the same id cannot happen: ids are hashes
      // of fresh secrets), but stay idempotent anyway.
      await manager.delete(DeletedKeyEntity, { token: In(keys.map((k) => k.token)) });
      await manager.insert(DeletedKeyEntity, rows as QueryDeepPartialEntity<DeletedKeyEntity>[]);
      await manager.delete(KeyEntity, { token: In(keys.map((k) => k.token)) });
    });
  }

  /**
   * One page and the total. The owner filter is a subquery over users, not a join: joined,
   * SQLite counted by walking every key and looking its owner up; as `user_id IN (…)` the page
   * and the count both read IDX_keys_user_id. The total is a plain COUNT(*), not TypeORM's
   * COUNT(DISTINCT token) (BENCHMARKS.md, "Console at scale").
   */
  async list(filter: KeyListFilter): Promise<[KeyEntity[], number]> {
    const qb = this.keys.createQueryBuilder('k');
    if (filter.userId !== undefined) qb.andWhere('k.user_id = :userId', { userId: filter.userId });
    if (filter.teamId !== undefined) qb.andWhere('k.team_id = :teamId', { teamId: filter.teamId });
    if (filter.keyAlias !== undefined) {
      qb.andWhere('k.key_alias = :keyAlias', { keyAlias: filter.keyAlias });
    }
    if (filter.ownerEmailPrefix !== undefined) {
      // The prefix's own % and _ are escaped: they match themselves, not anything.
      const pattern = `${filter.ownerEmailPrefix.replace(/[\\%_]/g, '\\$&')}%`;
      const owners = qb
        .subQuery()
        .select('owner.user_id')
        .from(UserEntity, 'owner')
        .where("owner.user_email LIKE :pattern ESCAPE '\\'")
        .getQuery();
      qb.andWhere(`k.user_id IN ${owners}`, { pattern });
    }
    const counted = await qb.clone().select('COUNT(*)', 'n').getRawOne<{ n: number | string }>();
    // Ties go by token in the same direction: one (column, token) index reads either order.
    const direction = filter.sortOrder === 'asc' ? 'ASC' : 'DESC';
    const rows = await qb
      .orderBy(SORT_COLUMNS[filter.sortBy], direction)
      .addOrderBy('k.token', direction)
      .offset((filter.page - 1) * filter.size)
      .limit(filter.size)
      .getMany();
    // PostgreSQL answers COUNT(*) as a bigint string, SQLite as a number.
    return [rows, Number(counted?.n ?? 0)];
  }

  listDeleted(filter: KeyListFilter): Promise<[DeletedKeyEntity[], number]> {
    const qb = this.deleted.createQueryBuilder('k');
    if (filter.userId !== undefined) qb.andWhere('k.user_id = :userId', { userId: filter.userId });
    if (filter.teamId !== undefined) qb.andWhere('k.team_id = :teamId', { teamId: filter.teamId });
    if (filter.keyAlias !== undefined) {
      qb.andWhere('k.key_alias = :keyAlias', { keyAlias: filter.keyAlias });
    }
    return qb
      .orderBy('k.deletedAt', filter.sortOrder === 'asc' ? 'ASC' : 'DESC')
      .addOrderBy('k.token', 'ASC')
      .skip((filter.page - 1) * filter.size)
      .take(filter.size)
      .getManyAndCount();
  }
}
