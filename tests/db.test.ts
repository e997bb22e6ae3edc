import { createConnection, createServer, type Socket } from 'node:net';
import {
  type IndexerReport,
  type RankedResult,
  SearchKey,
  searchKey,
  searchKeyPrefix,
} from '@sokoul/contracts';
import {
  completeSearch,
  createSearch,
  type Db,
  endTask,
  finishTask,
  insertTask,
  latestSearch,
  listTasks,
  purgeExpiredSearches,
  recordProgress,
  reuseRecentSearch,
  searchToFill,
  startTask,
  userSearch,
} from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../launcher/src/log.js';
import { migrate } from '../launcher/src/migrate.js';
import { createTestDatabase, dropTestDatabase, ROOT } from './helpers/stack.js';

/** @sokoul/db on a database of its own, through the postgres.js adapter torrent-node uses. */
let url: string;
let sql: postgres.Sql;
let db: Db;
let alice: string;
let bob: string;
let film: string;
let series: string;

beforeAll(async () => {
  url = await createTestDatabase('sokoul_db');
  await migrate(ROOT, url, createLogger('silent', 'test'));
  sql = postgres(url, { max: 2, types: WIRE_TYPES, onnotice: () => {} });
  db = postgresDb(sql);
  const users = await sql<{ id: string }[]>`
    INSERT INTO users (email, display_name, password_hash)
    VALUES ('alice@db.test', 'alice', 'x'), ('bob@db.test', 'bob', 'x') RETURNING id`;
  [alice, bob] = users.map((u) => u.id) as [string, string];
  const media = await sql<{ id: string }[]>`
    INSERT INTO media (media_type, title) VALUES ('movie', 'Film'), ('tv', 'Series') RETURNING id`;
  [film, series] = media.map((m) => m.id) as [string, string];
});
afterAll(async () => {
  await sql?.end();
  if (url) await dropTestDatabase(url);
});

const result = (title: string, score: number, rejected = false) =>
  ({ title, score, rejected, infoHash: null, reasons: [] }) as unknown as RankedResult;
const report = (status: IndexerReport['status'], results = 0): IndexerReport => ({
  indexer: 'Jackett',
  status,
  results,
  latencyMs: 12,
  error: status === 'ok' ? null : 'why',
});

async function completed(
  userId: string,
  mediaId: string,
  key: SearchKey,
  results: RankedResult[],
  reports = [report('ok', results.length)],
) {
  const id = crypto.randomUUID();
  await createSearch(db, { id, userId, mediaId, key, profile: 'p' });
  expect(await completeSearch(db, id, { results, reports, retentionMinutes: 60 })).toBe(true);
  return id;
}

describe('search keys', () => {
  it('are one value per title query: season, episode, text and profile, none able to fake another', () => {
    const key = searchKey({ season: 1, episode: 2, query: '  Star Wars: Episode IV ', profile: '4K HDR' });
    expect(key).toBe('1:2:star%20wars%3A%20episode%20iv:4k%20hdr');
    expect(SearchKey.parse(key)).toBe(key);
    expect(searchKey({ query: 'Heat', profile: '1080p' })).toBe('::heat:1080p');
    expect(key.startsWith(searchKeyPrefix(1, 2))).toBe(true);
    expect(key.startsWith(searchKeyPrefix(1))).toBe(false);
    expect(searchKey({ season: 1, query: 'x', profile: 'p' }).startsWith(searchKeyPrefix(1))).toBe(true);
    // A text with separators cannot pass for an episode of another season.
    expect(searchKey({ query: '3:4:x', profile: 'p' }).startsWith(searchKeyPrefix(3, 4))).toBe(false);
    expect(SearchKey.safeParse('1:2:a:b:c').success).toBe(false);
    expect(SearchKey.safeParse('free text').success).toBe(false);
  });
});

describe('searches', () => {
  it('keep their own results, read back only by their owner, best first', async () => {
    const key = searchKey({ query: 'own', profile: 'p' });
    const mine = await completed(alice, film, key, [result('B', 1), result('R', 9, true), result('A', 5)]);
    const stored = await userSearch(db, alice, mine);
    expect(stored?.results.map((r) => r.title)).toEqual(['A', 'B', 'R']);
    expect(stored).toMatchObject({ searchId: mine, mediaId: film, profile: 'p', cached: false });
    expect(stored?.reports).toEqual([report('ok', 3)]);
    expect(await userSearch(db, bob, mine)).toBeUndefined();
    expect(await searchToFill(db, mine)).toEqual({ userId: alice, mediaId: film, key });
  });

  it('reuse an identical recent search (same key, profile included) and nothing else', async () => {
    const key = searchKey({ query: 'reuse', profile: 'small' });
    const source = await completed(alice, film, key, [result('S1', 3), result('S2', 1, true)]);
    const again = crypto.randomUUID();
    await createSearch(db, { id: again, userId: bob, mediaId: film, key, profile: 'small' });
    const options = { mediaId: film, key, windowMinutes: 30, retentionMinutes: 60 };
    expect(await reuseRecentSearch(db, again, options)).toEqual({
      sourceId: source,
      results: 2,
      accepted: 1,
      reports: [report('ok', 2)],
    });
    const copy = await userSearch(db, bob, again);
    expect(copy).toMatchObject({ cached: true, reports: [report('ok', 2)] });
    expect(copy?.results.map((r) => r.title)).toEqual(['S1', 'S2']);
    // A copy is never itself a source; another profile, a closed window or an expired source neither.
    const third = crypto.randomUUID();
    await createSearch(db, { id: third, userId: bob, mediaId: film, key, profile: 'small' });
    expect((await reuseRecentSearch(db, third, options))?.sourceId).toBe(source);
    const other = searchKey({ query: 'reuse', profile: '4K HDR' });
    expect(await reuseRecentSearch(db, third, { ...options, key: other })).toBeUndefined();
    expect(await reuseRecentSearch(db, third, { ...options, windowMinutes: 0 })).toBeUndefined();
    await sql`UPDATE searches SET completed_at = now() - interval '31 minutes' WHERE id = ${source}`;
    expect(await reuseRecentSearch(db, third, options)).toBeUndefined();
    // Nor one that an indexer failed or timed out: the repeat asks it again.
    for (const status of ['failed', 'timeout'] as const) {
      const partial = await completed(alice, film, key, [result('P', 1)], [report('ok', 1), report(status)]);
      expect(await reuseRecentSearch(db, third, options)).toBeUndefined();
      await sql`DELETE FROM searches WHERE id = ${partial}`;
    }
    const skipped = await completed(alice, film, key, [result('K', 1)], [report('ok', 1), report('skipped')]);
    expect((await reuseRecentSearch(db, third, options))?.sourceId).toBe(skipped);
    await sql`DELETE FROM searches WHERE id = ${skipped}`;
    // Completing the search for real replaces what it held.
    await completeSearch(db, third, {
      results: [result('N', 2)],
      reports: [report('timeout')],
      retentionMinutes: 60,
    });
    expect(await userSearch(db, bob, third)).toMatchObject({ cached: false, reports: [report('timeout')] });
    expect((await userSearch(db, bob, third))?.results.map((r) => r.title)).toEqual(['N']);
  });

  it('read the latest completed one of a title, of one season or episode when asked', async () => {
    const episode = await completed(
      bob,
      series,
      searchKey({ season: 1, episode: 2, query: 'q', profile: 'p' }),
      [result('E', 1)],
    );
    const season = await completed(alice, series, searchKey({ season: 1, query: 'q', profile: 'p' }), [
      result('S', 1),
    ]);
    const pending = crypto.randomUUID();
    await createSearch(db, {
      id: pending,
      userId: alice,
      mediaId: series,
      key: searchKey({ query: 'q', profile: 'p' }),
      profile: 'p',
    });
    expect((await latestSearch(db, series, null))?.searchId).toBe(season);
    expect((await latestSearch(db, series, searchKeyPrefix(1, 2)))?.searchId).toBe(episode);
    expect((await latestSearch(db, series, searchKeyPrefix(1)))?.searchId).toBe(season);
    expect(await latestSearch(db, series, searchKeyPrefix(2))).toBeUndefined();
    expect(await userSearch(db, alice, pending)).toMatchObject({
      results: [],
      reports: [],
      searchedAt: null,
    });
  });

  it('expire with their results', async () => {
    const gone = await completed(alice, film, searchKey({ query: 'expired', profile: 'p' }), [
      result('X', 1),
    ]);
    await sql`UPDATE searches SET expires_at = now() - interval '1 second' WHERE id = ${gone}`;
    expect(await userSearch(db, alice, gone)).toBeUndefined();
    expect(await purgeExpiredSearches(db)).toEqual({ searches: 1, results: 1 });
    const [left] = await sql<
      { count: number }[]
    >`SELECT count(*)::int FROM search_results WHERE search_id = ${gone}`;
    expect(left?.count).toBe(0);
    expect(
      await completeSearch(db, gone, { results: [result('Y', 1)], reports: [], retentionMinutes: 1 }),
    ).toBe(false);
  });
});

describe('tasks', () => {
  it('go pending, running, done; a cancelled one is never finished', async () => {
    const task = await insertTask(db, alice, 'system.report', {});
    expect(task).toMatchObject({ status: 'pending', progress: 0, userId: alice });
    expect(await startTask(db, task.id)).toMatchObject({ status: 'running' });
    expect(await recordProgress(db, task.id, 7, 'halfway')).toMatchObject({
      progress: 1,
      message: 'halfway',
    });
    expect(await finishTask(db, task.id, { ok: true })).toMatchObject({
      status: 'done',
      result: { ok: true },
    });
    expect(await recordProgress(db, task.id, 0.5, null)).toBeUndefined();

    const cancelled = await insertTask(db, bob, 'system.report', {});
    await startTask(db, cancelled.id);
    await sql`UPDATE tasks SET status = 'cancelled' WHERE id = ${cancelled.id}`;
    expect(await finishTask(db, cancelled.id, { late: true })).toBeUndefined();
    expect(await endTask(db, cancelled.id, 'failed', 'late')).toBeUndefined();
    expect(await startTask(db, cancelled.id)).toBeUndefined();

    const failing = await insertTask(db, bob, 'system.report', {});
    await startTask(db, failing.id);
    expect(await endTask(db, failing.id, 'failed', 'disk full')).toMatchObject({
      status: 'failed',
      error: 'disk full',
    });
    const page = await listTasks(db, bob, {
      limit: 1,
      status: undefined,
      type: undefined,
      cursor: undefined,
    });
    expect(page.tasks.map((t) => t.id)).toEqual([failing.id]);
    expect(page.nextCursor).not.toBeNull();
  });
});

describe('the postgres.js adapter', () => {
  it('sends a statement again, once, when a new connection timed out (the server busy coming back)', async () => {
    // A proxy in front of PostgreSQL that swallows its first connection, as a server too busy to
    // answer the start-up in time; the next ones go through.
    const target = new URL(url);
    const held: Socket[] = [];
    let connections = 0;
    const proxy = createServer((client) => {
      connections += 1;
      if (connections === 1) {
        held.push(client);
        return;
      }
      const upstream = createConnection(Number(target.port || 5432), target.hostname);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    if (address === null || typeof address === 'string') throw new Error('no proxy port');
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(address.port);
    const slow = postgres(proxied.toString(), {
      max: 1,
      connect_timeout: 1,
      types: WIRE_TYPES,
      onnotice: () => {},
    });
    try {
      expect(await postgresDb(slow).query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(connections).toBe(2);
      // Any other failure is not retried: a bad statement fails once, on the connection it had.
      await expect(postgresDb(slow).query('SELECT nope')).rejects.toThrow(/nope/);
      expect(connections).toBe(2);
    } finally {
      await slow.end({ timeout: 1 });
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
