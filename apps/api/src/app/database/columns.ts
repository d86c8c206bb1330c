import { Column, type ColumnOptions, type ValueTransformer } from 'typeorm';

/**
 * Timestamps are stored as epoch milliseconds in a BIGINT: one type, one ordering and one
 * comparison on SQLite and PostgreSQL alike (pg returns BIGINT as a string).
 */
const msDate: ValueTransformer = {
  to: (value: Date | null | undefined) =>
    value instanceof Date ? value.getTime() : (value ?? null),
  from: (value: string | number | null) =>
    value === null || value === undefined ? null : new Date(Number(value)),
};

/** Money is stored as whole nano-dollars in a BIGINT so that sums are exact everywhere. */
export const NANOS_PER_USD = 1_000_000_000;
export const usdToNanos = (usd: number): number => Math.round(usd * NANOS_PER_USD);
export const nanosToUsd = (nanos: number): number => nanos / NANOS_PER_USD;

const usd: ValueTransformer = {
  to: (value: number | null | undefined) =>
    typeof value === 'number' ? usdToNanos(value) : (value ?? null),
  from: (value: string | number | null) =>
    value === null || value === undefined ? null : nanosToUsd(Number(value)),
};

type Extra = Pick<ColumnOptions, 'name' | 'nullable' | 'default'>;

export const TimestampColumn = (options: Extra): PropertyDecorator =>
  Column({ type: 'bigint', transformer: msDate, ...options });

export const UsdColumn = (options: Extra): PropertyDecorator =>
  Column({ type: 'bigint', transformer: usd, ...options });

/** JSON kept as TEXT on both databases. */
export const JsonColumn = (options: Extra): PropertyDecorator =>
  Column({ type: 'simple-json', ...options });
