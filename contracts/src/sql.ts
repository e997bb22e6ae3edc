/**
 * What crosses the RPC boundary to the Database Durable Object. Arrays are not parameters: the
 * driver would send them as PostgreSQL arrays without types, so they travel inside a JSON object.
 */
export type SqlParam = string | number | boolean | null | Date | Record<string, unknown>;
export type SqlRow = Record<string, unknown>;
export interface SqlStatement {
  text: string;
  params?: readonly SqlParam[];
}

/** Postgres errors keep their SQLSTATE so callers can map them. */
export type SqlResult =
  | { ok: true; rows: SqlRow[]; count: number }
  | { ok: false; code: string; message: string; constraint?: string };
export type SqlBatchResult =
  | { ok: true; results: { rows: SqlRow[]; count: number }[] }
  | { ok: false; code: string; message: string; constraint?: string };
