import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { withoutParameters } from './safe-error';

/**
 * TypeORM's log lines, through the application's logger, without query parameters ever:
 * TypeORM's own console loggers print `-- PARAMETERS: [...]` after a failed statement, and a
 * failed INSERT of a user carried the password hash there. A failed query is logged with its
 * SQL (placeholders only) and the driver's message with any parameter value cut out; other
 * TypeORM chatter (queries, schema, migrations) is not logged, as before (`logging: ['error']`).
 */
export class DatabaseLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQuery(): void {
    // Not logged: every statement, with its parameters.
  }

  logQueryError(error: string | Error, query: string, parameters?: unknown): void {
    const message = typeof error === 'string' ? error : error.message;
    this.logger.error(
      `query failed: ${withoutParameters(message, parameters)} -- ${withoutParameters(query, parameters)}`,
    );
  }

  logQuerySlow(time: number, query: string, parameters?: unknown): void {
    this.logger.warn(`slow query (${time} ms): ${withoutParameters(query, parameters)}`);
  }

  logSchemaBuild(): void {
    // Not logged (synchronize is off; migrations run at start).
  }

  logMigration(): void {
    // Not logged, as before.
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}
