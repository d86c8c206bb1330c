import type { ListUsersQuery, UserSortField } from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import { In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { UserEntity } from './user.entity';
import { Transactions } from '../database/transactions';
import {
  spendCounterStatements,
  type CounterDelta,
  type SqlDialect,
  type SqlStatement,
} from '../database/sql-statement';

const SORT_COLUMNS: Readonly<Record<UserSortField, string>> = {
  created_at: 'u.createdAt',
  user_email: 'u.email',
  user_role: 'u.role',
  spend: 'u.spend',
  user_id: 'u.userId',
};

/** Escapes LIKE wildcards so that a filter matches literally. */
function likeLiteral(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

@Injectable()
export class UsersRepository {
  /**
   * The statements that add a spend flush's deltas to the user `spend` counters, run by the
   * spend writer inside its flush transaction (static: the writer's transaction may run on its
   * own SQLite thread, so it takes statements, not this repository's connection).
   */
  static spendStatements(deltas: CounterDelta[], dialect: SqlDialect): SqlStatement[] {
    return spendCounterStatements(
      { table: 'users', idColumn: 'user_id', resetAtColumn: 'budget_reset_at' },
      deltas,
      dialect,
    );
  }

  constructor(private readonly transactions: Transactions) {}

  private get repo(): Repository<UserEntity> {
    return this.transactions.repository(UserEntity);
  }

  findById(userId: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ userId });
  }

  findByIds(userIds: string[]): Promise<UserEntity[]> {
    return userIds.length === 0 ? Promise.resolve([]) : this.repo.findBy({ userId: In(userIds) });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ email: email.toLowerCase() });
  }

  /** The user an SSO provider's `iss` + `sub` belongs to. */
  findBySsoIdentity(issuer: string, subject: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ ssoIssuer: issuer, ssoSubject: subject });
  }

  /** The only read that carries the password hash. */
  findWithPasswordByEmail(email: string): Promise<UserEntity | null> {
    return this.repo
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.user_email = :email', { email: email.toLowerCase() })
      .getOne();
  }

  /** Whether the user can log in with a password (false for SSO-only users); no hash leaves. */
  async hasPassword(userId: string): Promise<boolean> {
    const found = await this.repo
      .createQueryBuilder('u')
      .where('u.user_id = :userId AND u.password_hash IS NOT NULL', { userId })
      .getExists();
    return found;
  }

  findWithPasswordById(userId: string): Promise<UserEntity | null> {
    return this.repo
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.user_id = :userId', { userId })
      .getOne();
  }

  async insert(user: UserEntity): Promise<void> {
    await this.repo.insert(user as QueryDeepPartialEntity<UserEntity>);
  }

  save(user: UserEntity): Promise<UserEntity> {
    return this.repo.save(user);
  }

  async setPasswordHash(
    userId: string,
    passwordHash: string,
    updatedAt: Date,
    updatedBy: string,
  ): Promise<void> {
    await this.repo.update({ userId }, { passwordHash, updatedAt, updatedBy });
  }

  async deleteByIds(userIds: string[]): Promise<void> {
    await this.repo.delete({ userId: In(userIds) });
  }

  async list(
    query: Required<Pick<ListUsersQuery, 'page' | 'page_size' | 'sort_by' | 'sort_order'>> &
      ListUsersQuery,
  ): Promise<[UserEntity[], number]> {
    const qb = this.repo.createQueryBuilder('u');
    if (query.role) qb.andWhere('u.user_role = :role', { role: query.role });
    if (query.user_email) {
      qb.andWhere("u.user_email LIKE :email ESCAPE '\\'", {
        email: `%${likeLiteral(query.user_email.toLowerCase())}%`,
      });
    }
    return qb
      .orderBy(SORT_COLUMNS[query.sort_by], query.sort_order === 'asc' ? 'ASC' : 'DESC')
      .addOrderBy('u.userId', 'ASC')
      .skip((query.page - 1) * query.page_size)
      .take(query.page_size)
      .getManyAndCount();
  }
}
