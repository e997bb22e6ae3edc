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

/** SQLSTATE classes that mean the database itself is unreachable or shutting down. */
const isOutage = (code: string) => code === 'CONNECTION' || code.startsWith('08') || code.startsWith('57');

export class DbError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly constraint?: string,
  ) {
    super(message);
  }
}

type Failure = { ok: false; code: string; message: string; constraint?: string };

function fail(result: Failure): never {
  if (isOutage(result.code)) throw unavailable('The database');
  throw new DbError(result.code, result.message, result.constraint);
}

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
      if (error instanceof ApiError || error instanceof DbError) throw error;
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
