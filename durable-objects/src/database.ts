import { DurableObject } from 'cloudflare:workers';
import {
  type SqlBatchResult,
  type SqlFailure,
  type SqlParam,
  SqlParamError,
  type SqlResult,
  type SqlRow,
  type SqlStatement,
  toWireParams,
  WIRE_TYPES,
} from '@sokoul/contracts';
import postgres from 'postgres';
import { type Bindings, databaseUrl } from './bindings.js';
import { createLogger, errorMessage } from './log.js';

export type { SqlBatchResult, SqlParam, SqlResult, SqlRow, SqlStatement };

/** What `unsafe` takes; `toWireParams` guarantees the values are of these kinds. */
type Values = postgres.ParameterOrJSON<never>[];
const wire = (params: readonly SqlParam[]) => toWireParams(params) as Values;

/** Connections in the pool. */
const POOL_SIZE = 10;
/** A call holding a connection this long is wedged: its pool is replaced. */
const CALL_TIMEOUT_MS = 60_000;
/** Once a replaced pool's last call is done, how long its connections have to close cleanly. */
const CLOSE_SECONDS = 1;

/** SQLSTATEs of a database that is down or refusing connections, not of a statement it refused. */
const OUTAGE_SQLSTATE = /^(08|57P0|53300|57014)/;
/** postgres.js's own codes for a connection that failed, ended or could not be opened. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/**
 * How a call failed, which decides what happens to its connection: `server` (PostgreSQL answered
 * with an error and the connection is ready for the next statement: it goes back to the pool),
 * `connection` (the connection is gone: the database is unavailable) or `client` (the driver threw
 * by itself, the connection's protocol state is unknown: it is never reused).
 */
type FailureKind = 'server' | 'connection' | 'client';

function kindOf(error: unknown): FailureKind {
  if (error instanceof postgres.PostgresError) {
    return error.severity === 'ERROR' && !OUTAGE_SQLSTATE.test(error.code) ? 'server' : 'connection';
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^E[A-Z]+$/.test(code))) return 'connection';
  // JavaScript's own errors (an invalid date, a bad type) and postgres.js's generic refusals come
  // from the client; a socket failing on workerd is a plain Error.
  if (
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof SyntaxError ||
    error instanceof ReferenceError ||
    typeof code === 'string'
  ) {
    return 'client';
  }
  return 'connection';
}

class CallTimeout extends Error {
  readonly code = 'TIMEOUT';
}

/**
 * Owns the PostgreSQL pool. Stateless handlers cannot keep sockets between requests on workerd, and
 * a connection per request caps near 400 req/s; one object holding a pool and called over RPC keeps
 * backend connections warm (measured ~3,600 req/s).
 *
 * Every call is isolated from the others. Its parameters are checked before the driver sees them,
 * with serialisers that cannot throw on what passed (`toWireParams`, `WIRE_TYPES`), and it runs on a connection reserved for it
 * alone, never pipelined behind another caller's statement. A failure that leaves a connection in
 * an unknown state (the driver throwing by itself, a call that never settles) retires the whole
 * pool instead of returning that connection to it: an answer can only ever reach its own caller.
 * (postgres.js, when a parameter's serialiser throws while a connection carries pipelined
 * statements, rejects the statement being answered instead of the one that failed and leaves the
 * failed one queued without its messages: replies then reach the wrong queries.)
 */
export class Database extends DurableObject<Bindings> {
  #sql: postgres.Sql | undefined;
  /** Calls running (or waiting for a connection) per pool, current or replaced. */
  readonly #inFlight = new Map<postgres.Sql, number>();
  readonly #retired = new Set<postgres.Sql>();
  readonly #log = createLogger('warn', { component: 'database' });

  private get sql(): postgres.Sql {
    if (!this.#sql) {
      const url = databaseUrl(this.env);
      if (url === undefined) throw new Error('DATABASE_URL is not set (nor a HYPERDRIVE binding)');
      this.#sql = postgres(url, {
        max: POOL_SIZE,
        idle_timeout: 120,
        connect_timeout: 5,
        // postgres.js hands a fresh connection to a waiting `reserve()` only once it has fetched
        // the array types: without them, reserving a connection that has to be opened never ends.
        fetch_types: true,
        types: WIRE_TYPES,
        onnotice: () => {},
        connection: { application_name: 'sokoul-api' },
      });
    }
    return this.#sql;
  }

  async query(text: string, params: readonly SqlParam[] = []): Promise<SqlResult> {
    let values: Values;
    try {
      values = wire(params);
    } catch (error) {
      return this.refused(error);
    }
    return this.exclusive(async (connection) => {
      const result = await connection.unsafe(text, values, { prepare: true });
      return { ok: true, rows: Array.from(result) as SqlRow[], count: result.count ?? result.length };
    });
  }

  /** Runs the statements in one transaction, in order; any failure rolls all of them back. */
  async transaction(statements: readonly SqlStatement[]): Promise<SqlBatchResult> {
    let batch: { text: string; values: Values }[];
    try {
      batch = statements.map((s) => ({ text: s.text, values: wire(s.params ?? []) }));
    } catch (error) {
      return this.refused(error);
    }
    return this.exclusive(async (connection) => {
      const results: { rows: SqlRow[]; count: number }[] = [];
      await connection.unsafe('BEGIN');
      try {
        for (const statement of batch) {
          const result = await connection.unsafe(statement.text, statement.values, { prepare: true });
          results.push({ rows: Array.from(result) as SqlRow[], count: result.count ?? result.length });
        }
        await connection.unsafe('COMMIT');
      } catch (error) {
        // Only a statement the server refused leaves the connection usable for the rollback.
        if (kindOf(error) === 'server') await connection.unsafe('ROLLBACK');
        throw error;
      }
      return { ok: true, results };
    });
  }

  async ping(): Promise<SqlResult> {
    return this.query('SELECT 1 AS ok');
  }

  /**
   * Runs `work` on a connection no other call uses meanwhile. It goes back to the pool after a
   * success or a statement the server refused; after anything else the pool is replaced.
   */
  private async exclusive<T>(
    work: (connection: postgres.ReservedSql) => Promise<T>,
  ): Promise<T | SqlFailure> {
    const pool = this.sql;
    this.#inFlight.set(pool, (this.#inFlight.get(pool) ?? 0) + 1);
    try {
      return await this.reserved(pool, work);
    } finally {
      const left = (this.#inFlight.get(pool) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(pool, left);
      else {
        this.#inFlight.delete(pool);
        if (this.#retired.delete(pool)) this.close(pool);
      }
    }
  }

  private async reserved<T>(
    pool: postgres.Sql,
    work: (connection: postgres.ReservedSql) => Promise<T>,
  ): Promise<T | SqlFailure> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CallTimeout('The database call did not finish')), CALL_TIMEOUT_MS);
    });
    const reserving = pool.reserve();
    let connection: postgres.ReservedSql;
    try {
      connection = await Promise.race([reserving, deadline]);
    } catch (error) {
      clearTimeout(timer);
      // A connection granted after the deadline goes straight back.
      if (error instanceof CallTimeout)
        reserving.then(
          (late) => late.release(),
          () => undefined,
        );
      return this.failure(error, error instanceof CallTimeout ? 'connection' : kindOf(error));
    }
    try {
      const result = await Promise.race([work(connection), deadline]);
      connection.release();
      return result;
    } catch (error) {
      const kind = error instanceof CallTimeout ? 'connection' : kindOf(error);
      if (kind === 'server') connection.release();
      else this.retire(pool, error, kind);
      return this.failure(error, kind);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Replaces the pool (once per pool). The calls already on it (running, or waiting for one of its
   * connections, which only healthy connections serve: the suspect one is never released) finish;
   * then it closes every connection, the suspect one included. Ending it earlier would leave its
   * waiting calls waiting: postgres.js does not fail them when an ending pool runs out of work.
   */
  private retire(pool: postgres.Sql, error: unknown, kind: FailureKind): void {
    if (this.#sql !== pool) return;
    this.#sql = undefined;
    this.#retired.add(pool);
    this.#log.warn('database pool replaced', { kind, error: errorMessage(error) });
  }

  private close(pool: postgres.Sql): void {
    pool.end({ timeout: CLOSE_SECONDS }).catch(() => undefined);
  }

  /** A parameter refused before anything was sent: the caller's bug, not the database's state. */
  private refused(error: unknown): SqlFailure {
    if (!(error instanceof SqlParamError)) throw error;
    return { ok: false, code: error.code, message: error.message, outage: false };
  }

  private failure(error: unknown, kind: FailureKind): SqlFailure {
    const pg = error as { code?: unknown; constraint_name?: unknown };
    const outage = kind === 'connection';
    const code =
      error instanceof postgres.PostgresError
        ? error.code
        : error instanceof CallTimeout
          ? error.code
          : outage
            ? 'CONNECTION'
            : 'CLIENT';
    if (outage) this.#log.warn('database unavailable', { code, error: errorMessage(error) });
    else if (kind === 'client') this.#log.warn('database client error', { error: errorMessage(error) });
    return {
      ok: false,
      code,
      message: errorMessage(error),
      outage,
      ...(typeof pg.constraint_name === 'string' ? { constraint: pg.constraint_name } : {}),
    };
  }
}
