import { toWireParams, WIRE_TYPES } from '@sokoul/contracts';
import type postgres from 'postgres';
import type { Db, SqlParam, SqlStatement } from './db.js';

export { WIRE_TYPES };

type Params = postgres.ParameterOrJSON<never>[];
/** Checked before the driver sees them (see `toWireParams`). */
const params = (values: readonly SqlParam[] | undefined) => toWireParams(values ?? []) as Params;

/**
 * A pooled connection the server ended (a database restart, an administrator's pg_terminate_backend)
 * fails the next statement sent on it; postgres.js drops the connection but does not retry. Likewise
 * a new connection that timed out while the server was busy coming back (CONNECT_TIMEOUT). The
 * statement either never ran or was rolled back with its backend, and torrent-node's writes are
 * idempotent (conditional updates, replace-style stores), so one retry on a fresh connection is safe.
 */
const STALE_CONNECTION = new Set([
  '57P01',
  '57P02',
  '57P03',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
]);
const isStale = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  STALE_CONNECTION.has(String((error as { code?: unknown }).code));

async function once<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isStale(error)) throw error;
    return run();
  }
}

/**
 * `Db` over a postgres.js pool, for Node services (torrent-node). Statements are prepared, so
 * parameters get the types the server infers: an object passed for `$1::jsonb` is sent as JSON.
 * The pool must be created with `types: WIRE_TYPES`: the driver's own serialisers throw
 * mid-protocol on a bad date, and round timestamps to milliseconds.
 */
export function postgresDb(sql: postgres.Sql): Db {
  const serializers = (sql.options as unknown as { serializers: Record<number, unknown> }).serializers;
  if (serializers[1184] !== WIRE_TYPES.date.serialize || serializers[3802] !== WIRE_TYPES.json.serialize) {
    throw new Error('postgresDb needs a pool created with { types: WIRE_TYPES }');
  }
  return {
    query: <T>(text: string, values?: readonly SqlParam[]) =>
      once(async () => Array.from(await sql.unsafe(text, params(values), { prepare: true })) as T[]),
    execute: (text, values) =>
      once(async () => {
        const result = await sql.unsafe(text, params(values), { prepare: true });
        return result.count ?? result.length;
      }),
    transaction: (statements: readonly SqlStatement[]) =>
      once(
        async () =>
          (await sql.begin(async (tx) => {
            const out: Record<string, unknown>[][] = [];
            for (const statement of statements) {
              out.push(
                Array.from(await tx.unsafe(statement.text, params(statement.params), { prepare: true })),
              );
            }
            return out;
          })) as Record<string, unknown>[][],
      ),
    ping: () =>
      once(async () => {
        await sql`SELECT 1`;
      }),
  };
}
