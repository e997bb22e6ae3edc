import type { SqlParam, SqlStatement } from '@sokoul/contracts';

export type { SqlParam, SqlStatement };

/**
 * The database as the modules of this package see it: the API reaches it through the Database
 * Durable Object, torrent-node through its postgres.js pool (`@sokoul/db/postgres`). Rows are typed
 * by the module that wrote the SQL. Every statement is parameterized: values never enter the text.
 */
export interface Db {
  query<T>(text: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** Affected row count, for statements without RETURNING. */
  execute(text: string, params?: readonly SqlParam[]): Promise<number>;
  /** All statements in one transaction, in order; returns each statement's rows. */
  transaction(statements: readonly SqlStatement[]): Promise<Record<string, unknown>[][]>;
  ping(): Promise<void>;
}

/** Timestamps arrive as Date from postgres.js and as strings once they crossed an RPC boundary. */
export type Timestamp = Date | string;
export const iso = (value: Timestamp): string => new Date(value).toISOString();
export const isoOrNull = (value: Timestamp | null): string | null => (value === null ? null : iso(value));

/**
 * SQL for a `timestamptz` column as ISO 8601 text to the microsecond (`…T12:34:56.123456Z`): what
 * keyset cursors carry, so that they compare exactly as PostgreSQL stored the value.
 */
export const timestampText = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
