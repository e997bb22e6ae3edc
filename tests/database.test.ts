import type { SqlBatchResult, SqlParam, SqlResult, SqlStatement } from '@sokoul/contracts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../launcher/src/log.js';
import { migrate } from '../launcher/src/migrate.js';
import { prng } from './helpers/random.js';
import { createTestDatabase, dropTestDatabase, ROOT } from './helpers/stack.js';

/**
 * The Database Durable Object's class, run in Node against a database of its own (cloudflare:workers
 * is aliased in vitest.config.ts; postgres.js's Node build shares its protocol code with the workerd
 * one). Concurrent callers with valid and malformed parameters: every answer must reach its own
 * caller, and the pool must stay healthy.
 */
interface DatabaseObject {
  query(text: string, params?: readonly SqlParam[]): Promise<SqlResult>;
  transaction(statements: readonly SqlStatement[]): Promise<SqlBatchResult>;
  ping(): Promise<SqlResult>;
}
type DatabaseClass = new (ctx: unknown, env: { DATABASE_URL: string }) => DatabaseObject;

// A computed specifier keeps the tests' type check out of workerd code.
const DATABASE_MODULE = '../durable-objects/src/database.js';
const { Database } = (await import(DATABASE_MODULE)) as { Database: DatabaseClass };

/** The pool the object owns (a private getter at compile time only), to end it after the tests. */
const poolOf = (db: DatabaseObject) => (db as unknown as { sql: postgres.Sql }).sql;

const OWNERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const ROWS_PER_OWNER = 25;
const APP = 'sokoul-api';

let url: string;
let admin: postgres.Sql;
const created: DatabaseObject[] = [];

beforeAll(async () => {
  url = await createTestDatabase('sokoul_dbo');
  await migrate(ROOT, url, createLogger('silent', 'test'));
  admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin`CREATE TABLE owned (owner text NOT NULL, n int NOT NULL, at timestamptz NOT NULL DEFAULT now())`;
  await admin`INSERT INTO owned (owner, n)
    SELECT o, n FROM unnest(${OWNERS}::text[]) o, generate_series(1, ${ROWS_PER_OWNER}) n`;
});
afterAll(async () => {
  await Promise.all(
    created.map((db) =>
      poolOf(db)
        .end({ timeout: 1 })
        .catch(() => undefined),
    ),
  );
  await admin?.end();
  if (url) await dropTestDatabase(url);
});

function open(databaseUrl = url): DatabaseObject {
  const db = new Database({}, { DATABASE_URL: databaseUrl });
  created.push(db);
  return db;
}

/** Connections of the object's pool stuck in the middle of a message exchange. */
async function stuckConnections(): Promise<number> {
  const [row] = await admin<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = ${APP}
      AND state <> 'idle' AND wait_event = 'ClientRead'`;
  return row?.n ?? -1;
}

const OWN_ROWS = 'SELECT owner, n FROM owned WHERE owner = $1 AND n > $2 ORDER BY n';

describe('Database Durable Object under concurrent callers', () => {
  it('answers every caller with its own rows while malformed calls fail around them', async () => {
    const db = open();
    const random = prng(20260601);
    // What a malformed cursor or body used to send, and what the server refuses by itself.
    const malformed: { params: SqlParam[]; text: string; code: string }[] = [
      { text: 'SELECT $1::timestamptz AS t', params: ['not-a-date'], code: '22007' },
      { text: 'SELECT $1::uuid AS id', params: ['-'.repeat(36)], code: '22P02' },
      { text: 'SELECT $1::int AS n', params: [2_147_483_648], code: '22003' },
      { text: OWN_ROWS, params: ['a\u0000b', 0], code: 'INVALID_PARAMETER' },
      { text: OWN_ROWS, params: ['\ud800', 0], code: 'INVALID_PARAMETER' },
      { text: OWN_ROWS, params: ['alice', Number.NaN], code: 'INVALID_PARAMETER' },
      { text: 'SELECT $1::timestamptz AS t', params: [new Date(Number.NaN)], code: 'INVALID_PARAMETER' },
    ];
    let wrong = 0;
    let valid = 0;
    let refused = 0;
    const unexpected: string[] = [];
    for (let round = 0; round < 3; round++) {
      const calls: Promise<void>[] = [];
      for (let i = 0; i < 200; i++) {
        if (random() < 0.35) {
          const bad = malformed[Math.floor(random() * malformed.length)] as (typeof malformed)[number];
          calls.push(
            db.query(bad.text, bad.params).then((result) => {
              if (result.ok || result.code !== bad.code || result.outage !== false)
                unexpected.push(`${bad.code}: ${JSON.stringify(result).slice(0, 120)}`);
              else refused++;
            }),
          );
        } else {
          const owner = OWNERS[Math.floor(random() * OWNERS.length)] as string;
          const after = Math.floor(random() * ROWS_PER_OWNER);
          const run =
            random() < 0.2
              ? db
                  .transaction([
                    { text: OWN_ROWS, params: [owner, after] },
                    { text: 'SELECT $1::text AS echo', params: [owner] },
                  ])
                  .then((r) => (r.ok ? { ok: true as const, rows: r.results[0]?.rows ?? [] } : r))
              : db.query(OWN_ROWS, [owner, after]);
          calls.push(
            run.then((result) => {
              if (!result.ok) {
                unexpected.push(`valid call failed: ${result.code} ${result.message}`);
                return;
              }
              valid++;
              const rows = result.rows as { owner: string; n: number }[];
              if (rows.length !== ROWS_PER_OWNER - after || rows.some((r) => r.owner !== owner)) wrong++;
            }),
          );
        }
      }
      // Bounded: a wedged pool fails the test instead of hanging it.
      await Promise.race([Promise.all(calls), new Promise((r) => setTimeout(r, 8_000))]);
    }
    expect(wrong).toBe(0);
    expect(unexpected).toEqual([]);
    expect(valid + refused).toBe(600);
    expect(valid).toBeGreaterThan(300);
    expect(await db.ping()).toMatchObject({ ok: true });
    expect(await stuckConnections()).toBe(0);
  });

  it('retires a connection whose driver threw mid-message instead of handing it to the next caller', async () => {
    // A serialiser that throws after the statement's first messages were written (as postgres.js's
    // own date serialiser did on an invalid date): the failure mode behind replies reaching the
    // wrong queries. The object must keep every other caller's answers right.
    class Faulty extends (Database as DatabaseClass) {
      get sql(): postgres.Sql {
        const getter = Object.getOwnPropertyDescriptor(Database.prototype, 'sql')?.get;
        if (!getter) throw new Error('the Database has no pool getter');
        const pool = getter.call(this) as postgres.Sql;
        const serializers = (
          pool.options as unknown as { serializers: Record<number, (x: unknown) => string> }
        ).serializers;
        serializers[25] = (x) => {
          if (x === 'explode') throw new RangeError('Invalid time value');
          return String(x);
        };
        return pool;
      }
    }
    const db = new Faulty({}, { DATABASE_URL: url });
    created.push(db);
    const random = prng(7);
    let wrong = 0;
    for (let round = 0; round < 3; round++) {
      const calls: Promise<void>[] = [];
      for (let i = 0; i < 120; i++) {
        if (i % 15 === 7) {
          calls.push(
            db.query('SELECT $1::text AS v', ['explode']).then((result) => {
              // The driver's fault is not a database outage.
              expect(result).toMatchObject({ ok: false, code: 'CLIENT', outage: false });
            }),
          );
        } else {
          const owner = OWNERS[Math.floor(random() * OWNERS.length)] as string;
          calls.push(
            db.query('SELECT $1::text AS owner, pg_sleep(0.001)', [owner]).then((result) => {
              // A call on a retired pool may be cut when it closes: an outage, never another's row.
              if (result.ok) {
                if ((result.rows[0] as { owner: string }).owner !== owner) wrong++;
              } else expect(result.outage).toBe(true);
            }),
          );
        }
      }
      await Promise.all(calls);
    }
    expect(wrong).toBe(0);
    expect(await db.query('SELECT $1::text AS v', ['after'])).toMatchObject({
      ok: true,
      rows: [{ v: 'after' }],
    });
    expect(await stuckConnections()).toBe(0);
  });
});

describe('Database Durable Object parameters and failures', () => {
  it('refuses what PostgreSQL cannot take before the driver sees it, naming the parameter', async () => {
    const db = open();
    for (const bad of ['nul\u0000', 'lone \udc00', Number.POSITIVE_INFINITY, new Date('x')]) {
      const result = await db.query('SELECT $1 AS v', [bad as SqlParam]);
      expect(result).toMatchObject({ ok: false, code: 'INVALID_PARAMETER', message: /^Parameter \$1 / });
    }
    const batch = await db.transaction([
      { text: 'SELECT 1' },
      { text: 'SELECT $1::text', params: ['ok', '\u0000'] },
    ]);
    expect(batch).toMatchObject({ ok: false, code: 'INVALID_PARAMETER', message: /\$2/ });
    expect(await db.ping()).toMatchObject({ ok: true });
  });

  it('keeps timestamps to the microsecond (a millisecond cursor skips rows)', async () => {
    const db = open();
    const at = '2024-05-06T07:08:09.123456Z';
    const result = await db.query(
      `SELECT $1::timestamptz = '2024-05-06 07:08:09.123456+00'::timestamptz AS same,
              to_char($1::timestamptz AT TIME ZONE 'UTC', 'US') AS us`,
      [at],
    );
    expect(result).toMatchObject({ ok: true, rows: [{ same: true, us: '123456' }] });
  });

  it('writes booleans, numbers, JSON objects and dates as PostgreSQL reads them', async () => {
    const db = open();
    const result = await db.query(
      'SELECT $1::boolean AS b, $2::int AS i, $3::real AS r, $4::jsonb AS j, $5::timestamptz AS t',
      [true, -7, 0.6666667, { names: ['a', 'é'], n: 1 }, new Date('2024-01-02T03:04:05.678Z')],
    );
    expect(result).toMatchObject({ ok: true });
    const [row] = result.ok ? result.rows : [];
    expect(row).toMatchObject({ b: true, i: -7, j: { names: ['a', 'é'], n: 1 } });
    expect((row as { r: number }).r).toBeCloseTo(0.6666667, 6);
    expect(new Date((row as { t: Date }).t).toISOString()).toBe('2024-01-02T03:04:05.678Z');
  });

  it('tells a refused statement (not an outage, the connection kept) from an unreachable database', async () => {
    const db = open();
    const refused = await db.query('SELECT 1 / $1::int AS x', [0]);
    expect(refused).toMatchObject({ ok: false, code: '22012', outage: false });
    const rolledBack = await db.transaction([
      { text: 'INSERT INTO owned (owner, n) VALUES ($1, 1)', params: ['txn'] },
      { text: 'SELECT 1 / 0' },
    ]);
    expect(rolledBack).toMatchObject({ ok: false, code: '22012', outage: false });
    const [kept] = await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM owned WHERE owner = 'txn'`;
    expect(kept?.n).toBe(0);
    expect(await db.ping()).toMatchObject({ ok: true });

    const closedPort = new URL(url);
    closedPort.port = '1';
    const down = await open(closedPort.toString()).ping();
    expect(down).toMatchObject({ ok: false, code: 'CONNECTION', outage: true });
  });
});
