import { textIssue } from './values.js';

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

/**
 * A failed statement. `code` is PostgreSQL's SQLSTATE when the server refused it, `INVALID_PARAMETER`
 * when a parameter was refused before anything was sent, `CONNECTION` or `TIMEOUT` when the database
 * could not be reached. `outage` is true only for the last kind: the database is down, not the input
 * or the code at fault.
 */
export interface SqlFailure {
  ok: false;
  code: string;
  message: string;
  constraint?: string;
  outage?: boolean;
}

/** Postgres errors keep their SQLSTATE so callers can map them. */
export type SqlResult = { ok: true; rows: SqlRow[]; count: number } | SqlFailure;
export type SqlBatchResult = { ok: true; results: { rows: SqlRow[]; count: number }[] } | SqlFailure;

/**
 * A parameter as it goes to the driver, checked so that nothing the driver does with it can throw
 * (its own serialisers throw on bad input, an invalid date, in the middle of writing the
 * extended-protocol messages): text, a finite number, a boolean, null, or an object known to
 * serialise as JSON (for `$n::jsonb`; a string given for a JSON parameter is a JSON string, as
 * postgres.js has always sent it).
 */
export type WireParam = string | number | boolean | null | Record<string, unknown>;

export class SqlParamError extends Error {
  readonly code = 'INVALID_PARAMETER';
  constructor(index: number, reason: string) {
    super(`Parameter $${index + 1} ${reason}`);
    this.name = 'SqlParamError';
  }
}

/** The protocol counts parameters in 16 bits (postgres.js stops at 65534). */
const MAX_PARAMETERS = 65_534;

function wire(value: unknown, index: number): WireParam {
  if (value === null) return null;
  switch (typeof value) {
    case 'string': {
      const issue = textIssue(value);
      if (issue) throw new SqlParamError(index, issue);
      return value;
    }
    case 'number':
      if (!Number.isFinite(value)) throw new SqlParamError(index, 'is not a finite number');
      return value;
    case 'boolean':
      return value;
    case 'object': {
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new SqlParamError(index, 'is an invalid date');
        return value.toISOString();
      }
      if (Array.isArray(value)) throw new SqlParamError(index, 'is an array (pass it inside an object)');
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch (error) {
        throw new SqlParamError(
          index,
          `cannot be written as JSON (${error instanceof Error ? error.message : error})`,
        );
      }
      if (json === undefined) throw new SqlParamError(index, 'cannot be written as JSON');
      // Written again by the driver's JSON serialiser, which now cannot throw.
      return value as Record<string, unknown>;
    }
    default:
      throw new SqlParamError(index, `has an unsupported type (${typeof value})`);
  }
}

/**
 * Checks every parameter before any of them reaches the driver; throws `SqlParamError` naming the
 * first bad one. Strings must be storable text (no NUL, no lone surrogate), numbers finite, dates
 * valid (they become ISO text), objects serialisable as JSON.
 */
export function toWireParams(params: readonly unknown[]): WireParam[] {
  if (params.length > MAX_PARAMETERS) throw new SqlParamError(MAX_PARAMETERS, 'is one too many');
  return params.map(wire);
}

/**
 * postgres.js `types` for parameters `toWireParams` checked: no serialiser can throw on them
 * (`String` on text, numbers and booleans; `JSON.stringify` on what already serialised once), so
 * the driver never throws half-way through a query's messages, and timestamps go as given, to the
 * microsecond (its own date serialiser rounds to milliseconds, and throws on a string that is not
 * a date). Results are parsed as postgres.js does by default.
 */
const json = (x: unknown) => JSON.stringify(x);
export const WIRE_TYPES = {
  number: { to: 0, from: [21, 23, 26, 700, 701], serialize: String, parse: (x: string) => +x },
  json: { to: 114, from: [114, 3802], serialize: json, parse: (x: string): unknown => JSON.parse(x) },
  boolean: { to: 16, from: [16], serialize: String, parse: (x: string) => x === 't' },
  date: { to: 1184, from: [1082, 1114, 1184], serialize: String, parse: (x: string) => new Date(x) },
};
