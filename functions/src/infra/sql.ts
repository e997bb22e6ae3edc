import type { SqlParam, SqlStatement } from '@sokoul/contracts';

/**
 * The database as domain code sees it. Rows are typed by the repository that wrote the SQL. Kept
 * apart from the Durable Object client so repositories (and the benchmarks) need no workerd types.
 */
export interface Db {
  query<T>(text: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** Affected row count, for statements without RETURNING. */
  execute(text: string, params?: readonly SqlParam[]): Promise<number>;
  /** All statements in one transaction; returns each statement's rows. */
  transaction(statements: readonly SqlStatement[]): Promise<Record<string, unknown>[][]>;
  ping(): Promise<void>;
}
