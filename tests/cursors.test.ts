import {
  type ErrorBody,
  HistoryList,
  type Media,
  MediaList,
  PersonalList,
  TaskList,
  type User,
} from '@sokoul/contracts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, memberSession, stack } from './helpers/api.js';
import { prng } from './helpers/random.js';

/**
 * Keyset cursors on every list (media, library/favorites/watchlist, watch history, tasks): a cursor
 * this API did not give out is a 400 before any query; a good one continues the list exactly where
 * it stopped; and malformed requests never disturb other users' answers.
 */

const b64url = (text: string) =>
  Buffer.from(text, 'utf8').toString('base64').replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
const cursorOf = (value: unknown) => b64url(JSON.stringify(value));
const ID = '00000000-0000-4000-8000-000000000000';

/** The cursor of the report: a date that is not a date. */
const REPORTED = 'WyJub3QtYS1kYXRlIiwiMDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAwIl0';

/** Cursors no list ever gives out. */
const ALWAYS_BAD: Record<string, string> = {
  'id of 36 dashes': cursorOf(['2024-01-01T00:00:00.000000Z', '-'.repeat(36)]),
  'id not a uuid': cursorOf([1999, 'not-a-uuid-at-all-but-36-characters']),
  'id with a NUL': cursorOf([1999, `${ID.slice(0, 35)}\u0000`]),
  'one element': cursorOf([ID]),
  'three elements': cursorOf([1, ID, 2]),
  object: cursorOf({ value: 1, id: ID }),
  'null value': cursorOf([null, ID]),
  'object value': cursorOf([{}, ID]),
  'array value': cursorOf([[1], ID]),
  'boolean value': cursorOf([true, ID]),
  'infinite number': b64url(`[1e400,"${ID}"]`),
  'not base64': '!!not-base64!!',
  'percent-encoded NUL': '%00',
  'invalid UTF-8': Buffer.from([0x5b, 0xff, 0xfe, 0x5d]).toString('base64url'),
  'not JSON': b64url('["unterminated'),
  overlong: 'A'.repeat(9000),
};

/** Cursors whose sort value does not fit a timestamp sort. */
const BAD_FOR_DATES: Record<string, string> = {
  reported: REPORTED,
  'February 30th': cursorOf(['2024-02-30T00:00:00.000000Z', ID]),
  'hour 25': cursorOf(['2024-01-01T25:00:00Z', ID]),
  'year 0': cursorOf(['0000-01-01T00:00:00Z', ID]),
  'no time': cursorOf(['2024-01-01', ID]),
  'seven fraction digits': cursorOf(['2024-01-01T00:00:00.1234567Z', ID]),
  'a number': cursorOf([1_700_000_000_000, ID]),
  'a title': cursorOf(['matrix', ID]),
};

/** Cursors whose sort value does not fit a title sort (text). */
const BAD_FOR_TITLES: Record<string, string> = {
  'a number': cursorOf([1999, ID]),
  'a NUL': cursorOf(['a\u0000b', ID]),
  'a lone surrogate': b64url(`["\\ud800","${ID}"]`),
};

/** Cursors whose sort value does not fit a year sort (int). */
const BAD_FOR_YEARS: Record<string, string> = {
  reported: REPORTED,
  'a string': cursorOf(['1999', ID]),
  'a fraction': cursorOf([1999.5, ID]),
  'beyond int': cursorOf([2_147_483_648, ID]),
  'a date': cursorOf(['2024-01-01T00:00:00.000000Z', ID]),
};

let member: { token: string; id: string };

beforeAll(async () => {
  const session = await memberSession('cursors');
  member = { token: session.accessToken, id: session.user.id };
});

async function expectRefused(path: string, token = member.token): Promise<void> {
  const res = await api<ErrorBody>('GET', path, { token });
  expect(res.status, `${path} → ${res.status} ${JSON.stringify(res.body)}`).toBe(400);
  expect(res.body.error).toMatchObject({
    code: 'validation_failed',
    message: expect.stringContaining('cursor'),
  });
}

describe('cursors are validated completely at the edge', () => {
  const DATE_LISTS = [
    '/tasks?',
    '/media?',
    '/media?sort=added&',
    '/favorites?',
    '/library?sort=added&order=asc&',
    '/watchlist?',
    '/watch-history?',
  ];
  const TITLE_LISTS = ['/media?sort=title&', '/favorites?sort=title&order=desc&'];
  const YEAR_LISTS = ['/media?sort=year&', '/watchlist?sort=year&'];

  it('refuses with a 400 any cursor this API could not have given out, on every list', async () => {
    for (const list of [...DATE_LISTS, ...TITLE_LISTS, ...YEAR_LISTS, '/media?q=matrix&'])
      for (const cursor of Object.values(ALWAYS_BAD)) await expectRefused(`${list}cursor=${cursor}`);
  });

  it('refuses a sort value of the wrong type for the list and its sort', async () => {
    for (const list of DATE_LISTS)
      for (const cursor of Object.values(BAD_FOR_DATES)) await expectRefused(`${list}cursor=${cursor}`);
    for (const list of TITLE_LISTS)
      for (const cursor of Object.values(BAD_FOR_TITLES)) await expectRefused(`${list}cursor=${cursor}`);
    for (const list of YEAR_LISTS)
      for (const cursor of Object.values(BAD_FOR_YEARS)) await expectRefused(`${list}cursor=${cursor}`);
    // Relevance is a score between 0 and 1.
    for (const value of [2, -0.5, 'high'])
      await expectRefused(`/media?q=matrix&cursor=${cursorOf([value, ID])}`);
  });

  it('accepts well-formed cursors of the right type (an empty page, not an error)', async () => {
    const ok = async (path: string) => {
      const res = await api('GET', path, { token: member.token });
      expect(res.status, path).toBe(200);
    };
    await ok(`/tasks?cursor=${cursorOf(['2000-01-01T00:00:00.000001Z', ID])}`);
    await ok(`/watch-history?cursor=${cursorOf(['2000-01-01T00:00:00+02:00', ID])}`);
    await ok(`/media?sort=year&cursor=${cursorOf([0, ID.toUpperCase()])}`);
    await ok(`/favorites?sort=title&cursor=${cursorOf(['é 漢字 😀', ID])}`);
    await ok(`/media?q=matrix&cursor=${cursorOf([0.25, ID])}`);
  });
});

// ---- concurrency: malformed and valid requests of several users, interleaved ----

interface Member {
  label: string;
  token: string;
  id: string;
  media: Set<string>;
  tasks: Set<string>;
  /** A cursor after the first favorite (by title), to page with. */
  favoritesCursor: string;
}

const HEADERS_JSON = { 'content-type': 'application/json' };

/** One request without the conformance check (the check runs once per distinct answer kind below). */
async function raw(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${stack().url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : HEADERS_JSON) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // Kept as text: the assertion below says what came back.
  }
  return { status: response.status, body: json };
}

/** Connections of the API's pool stuck in the middle of a message exchange (the report's symptom). */
async function stuckConnections(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'sokoul-api'
      AND state <> 'idle' AND wait_event = 'ClientRead'`;
  return row?.n ?? -1;
}

describe('malformed requests never reach another caller', () => {
  const members: Member[] = [];
  let sql: postgres.Sql;

  beforeAll(async () => {
    sql = postgres(stack().databaseUrl, { max: 1, onnotice: () => {} });
    for (const label of ['ana', 'ben', 'cleo', 'dmitri']) {
      const session = await memberSession(`conc-${label}`);
      const token = session.accessToken;
      const media = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const created = await api<Media>('POST', '/media', {
          token,
          body: { type: 'movie', title: `Concurrent ${label} ${i} ${Date.now()}`, year: 1990 + i },
        });
        expect(created.status).toBe(201);
        media.add(created.body.id);
        expect((await api('POST', '/favorites', { token, body: { mediaId: created.body.id } })).status).toBe(
          201,
        );
        const progress = await api('POST', '/watch-history', {
          token,
          body: { mediaId: created.body.id, positionSeconds: 10 + i, durationSeconds: 1000 },
        });
        expect(progress.status).toBe(200);
      }
      // Tasks a member could not start (system.report is for admins), written as torrent-node would.
      const rows = await sql<{ id: string }[]>`
        INSERT INTO tasks (user_id, type, status, finished_at)
        VALUES (${session.user.id}, 'system.report', 'done', now()), (${session.user.id}, 'search', 'failed', now())
        RETURNING id`;
      const tasks = new Set(rows.map((r) => r.id));
      const first = PersonalList.parse((await api('GET', '/favorites?sort=title&limit=1', { token })).body);
      expect(first.nextCursor).toBeTruthy();
      members.push({
        label,
        token,
        id: session.user.id,
        media,
        tasks,
        favoritesCursor: first.nextCursor ?? '',
      });
    }
  });
  afterAll(async () => {
    await sql?.end();
  });

  it('answers every user with their own rows only, and the pool stays healthy (480 requests, 24 at once)', async () => {
    const random = prng(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const badCursors = [...Object.values(ALWAYS_BAD), ...Object.values(BAD_FOR_DATES)];
    type Job = { user: Member; run: () => Promise<string | null> };

    /** Each check returns why the answer is wrong, or null. */
    const valid: ((u: Member) => Job)[] = [
      (user) => ({
        user,
        run: async () => {
          const res = await raw('GET', '/favorites?limit=100', user.token);
          if (res.status !== 200) return `favorites ${res.status}`;
          const ids = PersonalList.parse(res.body).items.map((i) => i.media.id);
          return ids.length === user.media.size && ids.every((id) => user.media.has(id))
            ? null
            : `favorites of ${user.label} hold ${ids}`;
        },
      }),
      (user) => ({
        user,
        run: async () => {
          const res = await raw(
            'GET',
            `/favorites?sort=title&limit=5&cursor=${user.favoritesCursor}`,
            user.token,
          );
          if (res.status !== 200) return `favorites page ${res.status}`;
          const ids = PersonalList.parse(res.body).items.map((i) => i.media.id);
          return ids.length === user.media.size - 1 && ids.every((id) => user.media.has(id))
            ? null
            : `favorites page of ${user.label} holds ${ids}`;
        },
      }),
      (user) => ({
        user,
        run: async () => {
          const res = await raw('GET', '/tasks?limit=200', user.token);
          if (res.status !== 200) return `tasks ${res.status}`;
          const tasks = TaskList.parse(res.body).tasks;
          return tasks.length === user.tasks.size &&
            tasks.every((t) => t.userId === user.id && user.tasks.has(t.id))
            ? null
            : `tasks of ${user.label}: ${tasks.map((t) => t.userId)}`;
        },
      }),
      (user) => ({
        user,
        run: async () => {
          const res = await raw('GET', '/watch-history?limit=100', user.token);
          if (res.status !== 200) return `history ${res.status}`;
          const ids = HistoryList.parse(res.body).items.map((i) => i.media.id);
          return ids.length === user.media.size && ids.every((id) => user.media.has(id))
            ? null
            : `history of ${user.label} holds ${ids}`;
        },
      }),
      (user) => ({
        user,
        run: async () => {
          const res = await raw('GET', '/auth/me', user.token);
          return res.status === 200 && (res.body as User).id === user.id ? null : `me ${res.status}`;
        },
      }),
    ];
    const refused = (method: string, path: () => string, body?: () => unknown) => (user: Member) => ({
      user,
      run: async () => {
        const target = path();
        const res = await raw(method, target, user.token, body?.());
        const error = (res.body as ErrorBody).error;
        return res.status === 400 && error?.code === 'validation_failed'
          ? null
          : `${method} ${target} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
      },
    });
    const malformed: ((u: Member) => Job)[] = [
      refused('GET', () => `/tasks?cursor=${REPORTED}`),
      refused('GET', () => `/tasks?cursor=${pick(badCursors)}`),
      refused('GET', () => `/favorites?cursor=${pick(badCursors)}`),
      refused('GET', () => `/watch-history?cursor=${pick(badCursors)}`),
      refused('GET', () => `/media?sort=year&cursor=${pick(Object.values(BAD_FOR_YEARS))}`),
      refused('GET', () => '/favorites?q=%00'),
      refused('GET', () => '/media?genre=999999999999'),
      refused(
        'POST',
        () => '/search',
        () => ({ tmdbId: 2_147_483_648, type: 'movie' }),
      ),
      refused(
        'POST',
        () => '/search',
        () => ({ tmdbId: 603, type: 'movie', query: '\ud800' }),
      ),
    ];

    const failures: string[] = [];
    let sent = 0;
    for (let round = 0; round < 3; round++) {
      const jobs: Job[] = [];
      for (let i = 0; i < 160; i++) {
        const user = pick(members);
        jobs.push(random() < 0.45 ? pick(malformed)(user) : pick(valid)(user));
      }
      // 24 at a time, as many users' browsers would.
      let next = 0;
      await Promise.all(
        Array.from({ length: 24 }, async () => {
          while (next < jobs.length) {
            const job = jobs[next++] as Job;
            sent++;
            const why = await job.run();
            if (why) failures.push(why);
          }
        }),
      );
    }
    expect(sent).toBe(480);
    expect(failures).toEqual([]);

    // The pool is healthy afterwards: health, a login-protected read, no connection left mid-message.
    const health = await api<{ status: string }>('GET', '/health');
    expect(health.status).toBe(200);
    for (const user of members)
      expect((await api('GET', '/auth/me', { token: user.token })).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect(await stuckConnections(sql)).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);
});

// ---- finding: listing by date skipped rows (the cursor kept milliseconds) ----

describe('every keyset list pages through equal and near-equal timestamps exactly once', () => {
  const ROWS = 1200;
  const tag = `prop-${Date.now()}`;
  let sql: postgres.Sql;
  let owner: { token: string; id: string };
  const mediaIds: string[] = [];
  const taskIds: string[] = [];

  beforeAll(async () => {
    sql = postgres(stack().databaseUrl, { max: 1, onnotice: () => {} });
    const session = await memberSession('paging');
    owner = { token: session.accessToken, id: session.user.id };
    const random = prng(2024);
    // Groups of equal timestamps, neighbours one microsecond apart, all within a few milliseconds:
    // a cursor rounded to the millisecond skips (or repeats) rows at once.
    const base = Date.parse('2025-03-04T05:06:07.000Z') * 1000;
    const at = (i: number) => {
      const us = base + Math.floor(i / 4) + (random() < 0.1 ? 1000 : 0);
      return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 20)}${String(us % 1_000_000).padStart(6, '0')}Z`;
    };
    const rows = Array.from({ length: ROWS }, (_, i) => ({
      title: `Zyxwv ${i % 7}`,
      year: 1990 + (i % 5),
      created: at(i),
      added: at(ROWS - i),
      watched: at(i * 3),
      task: at(i),
    }));
    const inserted = await sql<{ id: string }[]>`
      INSERT INTO media (media_type, title, year, genres, created_at)
      SELECT 'movie', r.title, r.year, ARRAY[${tag}::text], r.created::timestamptz
      FROM jsonb_to_recordset(${sql.json(rows)}::jsonb) AS r(title text, year int, created text)
      RETURNING id`;
    mediaIds.push(...inserted.map((r) => r.id));
    const pairs = mediaIds.map((id, i) => ({ id, added: rows[i]?.added, watched: rows[i]?.watched }));
    for (const table of ['library', 'favorites', 'watchlist']) {
      await sql.unsafe(
        `INSERT INTO ${table} (user_id, media_id, added_at)
         SELECT $1, p.id, p.added::timestamptz FROM jsonb_to_recordset($2::jsonb) AS p(id uuid, added text)`,
        [owner.id, sql.json(pairs) as never],
      );
    }
    await sql`
      INSERT INTO watch_history (user_id, media_id, position_seconds, duration_seconds, updated_at)
      SELECT ${owner.id}, p.id, 60, 600, p.watched::timestamptz
      FROM jsonb_to_recordset(${sql.json(pairs)}::jsonb) AS p(id uuid, watched text)`;
    const tasks = await sql<{ id: string }[]>`
      INSERT INTO tasks (user_id, type, status, created_at, finished_at)
      SELECT ${owner.id}, 'system.report', 'done', r.task::timestamptz, now()
      FROM jsonb_to_recordset(${sql.json(rows)}::jsonb) AS r(task text)
      RETURNING id`;
    taskIds.push(...tasks.map((t) => t.id));
  });
  afterAll(async () => {
    if (mediaIds.length) await sql`DELETE FROM media WHERE id = ANY(${mediaIds}::uuid[])`;
    if (owner) await sql`DELETE FROM tasks WHERE user_id = ${owner.id}`;
    await sql?.end();
  });

  /** Follows nextCursor with page sizes drawn from the seed; returns every id seen, in order. */
  async function walk(
    seed: number,
    path: string,
    maxLimit: number,
    idsOf: (body: unknown) => string[],
  ): Promise<string[]> {
    const random = prng(seed);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 500; pages++) {
      const limit = 30 + Math.floor(random() * (maxLimit - 29));
      const sep = path.includes('?') ? '&' : '?';
      const res: { status: number; body: { nextCursor: string | null } } = await api<{
        nextCursor: string | null;
      }>('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { token: owner.token });
      expect(res.status, path).toBe(200);
      seen.push(...idsOf(res.body));
      cursor = res.body.nextCursor;
      if (!cursor) return seen;
    }
    throw new Error(`${path} never ended`);
  }

  const exactlyOnce = (seen: string[], expected: string[]) => {
    expect(seen.length).toBe(expected.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected].sort());
  };

  it('/media, by every sort and order (the list that skipped row 743)', async () => {
    const ids = (body: unknown) => MediaList.parse(body).media.map((m) => m.id);
    let seed = 1;
    for (const sort of ['added', 'title', 'year'])
      for (const order of ['desc', 'asc'])
        exactlyOnce(
          await walk(seed++, `/media?genre=${tag}&sort=${sort}&order=${order}`, 100, ids),
          mediaIds,
        );
    // Relevance: every title matches equally well, so every row ties on the score.
    exactlyOnce(await walk(seed++, `/media?genre=${tag}&q=zyxwv`, 100, ids), mediaIds);
  }, 120_000);

  it('/library, /favorites and /watchlist', async () => {
    const ids = (body: unknown) => PersonalList.parse(body).items.map((i) => i.media.id);
    let seed = 100;
    for (const list of ['library', 'favorites', 'watchlist'])
      for (const query of ['', '?order=asc', '?sort=title', '?sort=year&order=asc'])
        exactlyOnce(await walk(seed++, `/${list}${query}`, 100, ids), mediaIds);
  }, 120_000);

  it('/watch-history and /tasks', async () => {
    exactlyOnce(
      await walk(200, '/watch-history', 100, (body) => HistoryList.parse(body).items.map((i) => i.media.id)),
      mediaIds,
    );
    exactlyOnce(
      await walk(201, '/tasks', 200, (body) => TaskList.parse(body).tasks.map((t) => t.id)),
      taskIds,
    );
  }, 120_000);
});
