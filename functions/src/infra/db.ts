import type { SqlFailure } from '@sokoul/contracts';
import {
  databaseStub,
  type Env,
  type SqlBatchResult,
  type SqlParam,
  type SqlResult,
  type SqlStatement,
} from '@sokoul/durable-objects';
import { ApiError, unavailable } from '../errors.js';
import type { Db } from './sql.js';

export type { Db, SqlParam, SqlStatement };

export class DbError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly constraint?: string,
  ) {
    super(message);
  }
}

/**
 * Only a database that cannot be reached is an outage (503). A statement it refused is the code's
 * or the input's fault: a `DbError` the services map, else a 500 that shows none of PostgreSQL's
 * text. A row referred to that is gone (deleted meanwhile) is a 404.
 */
function fail(result: SqlFailure): never {
  if (result.outage) throw unavailable('The database');
  if (result.code === '23503') throw new ApiError(404, 'not_found', 'What this refers to no longer exists');
  throw new DbError(result.code, result.message, result.constraint);
}

/** JavaScript's own errors: a bug on this side of the RPC, not an unavailable database. */
const isProgrammingError = (error: unknown) =>
  error instanceof TypeError ||
  error instanceof RangeError ||
  error instanceof SyntaxError ||
  (error instanceof Error && error.name === 'DataCloneError');

function rowsOf(result: SqlResult) {
  return result.ok ? result : fail(result);
}

function resultsOf(result: SqlBatchResult) {
  return result.ok ? result.results : fail(result);
}

/** The Database Durable Object owns the pool; every call is one RPC. */
export function createDb(env: Env): Db {
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ApiError || error instanceof DbError || isProgrammingError(error)) throw error;
      // The Durable Object itself could not be reached (reset, overloaded, network).
      throw unavailable('The database');
    }
  };
  return {
    query: <T>(text: string, params: readonly SqlParam[] = []) =>
      call(async () => rowsOf(await databaseStub(env).query(text, params)).rows as T[]),
    execute: (text, params = []) =>
      call(async () => rowsOf(await databaseStub(env).query(text, params)).count),
    transaction: (statements) =>
      call(async () => resultsOf(await databaseStub(env).transaction(statements)).map((r) => r.rows)),
    ping: () => call(async () => void rowsOf(await databaseStub(env).ping())),
  };
}

export const isUniqueViolation = (error: unknown): error is DbError =>
  error instanceof DbError && error.code === '23505';
