import { listMedia } from '@sokoul/db';
import postgres from 'postgres';
import { signAccessToken } from '../functions/src/auth/tokens.js';
import { listContinue } from '../functions/src/history/repository.js';
import type { Db } from '../functions/src/infra/sql.js';
import { listEntries } from '../functions/src/library/repository.js';
import { type Load, load } from './load.js';

/**
 * Library benchmarks on the machine's PostgreSQL with a large household's data: 100,000 media
 * (75,000 films, 5,000 series with 20,000 episodes), 1,000 users, 1,000,000 watch-history rows and
 * 200,000 library rows. Reported at 50 connections, each request as another user.
 */
export const SIZES = {
  users: 1000,
  movies: 75_000,
  series: 5000,
  episodesPerSeries: 4,
  historyPerUser: 1000,
  libraryPerUser: 200,
};

/** A vocabulary of 1,500 made-up words, so titles are as varied as a real catalogue's. */
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ra',
  'ven',
  'dor',
  'el',
  'tha',
  'qui',
  'sor',
  'bel',
  'nax',
  'tur',
  'fen',
  'gal',
  'ish',
  'mor',
  'pel',
  'zan',
  'cor',
  'dru',
  'ael',
  'vin',
  'sha',
  'tor',
  'lem',
  'nir',
  'ost',
  'ryl',
  'wex',
];
const WORDS = Array.from(
  { length: 1500 },
  (_, i) =>
    `${SYLLABLES[i % 30]}${SYLLABLES[Math.floor(i / 30) % 30]}${i >= 900 ? SYLLABLES[Math.floor(i / 7) % 30] : ''}`,
);
/** The first two words of title number i, as the generator writes them (see `title` below). */
const titleWords = (i: number) =>
  `${WORDS[(i * 7) % WORDS.length]} ${WORDS[Math.floor((i * 13) / 3) % WORDS.length]}`;
/** A search with a typo: the second word loses a letter. */
const fuzzyQuery = (i: number) => titleWords(i).replace(/(.)(.)$/, '$2');
const FUZZY_SAMPLE = fuzzyQuery(12_345);

/** Fills a migrated database; returns the users' ids. Plain SQL so a million rows take seconds. */
export async function generateDataset(databaseUrl: string, log: (line: string) => void): Promise<string[]> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const words = sql.array(WORDS);
    const started = performance.now();
    const step = async (what: string, run: () => Promise<unknown>) => {
      const t0 = performance.now();
      await run();
      log(`  ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    };
    await step(
      `${SIZES.users} users`,
      () =>
        sql`INSERT INTO users (email, display_name, password_hash)
          SELECT 'viewer' || i || '@bench.test', 'Viewer ' || i, 'not-a-hash' FROM generate_series(1, ${SIZES.users}) i`,
    );
    const pick = (index: string) => sql`(${words}::text[])[1 + (${sql.unsafe(index)}) % ${WORDS.length}]`;
    const title = sql`initcap(${pick('i * 7')} || ' ' || ${pick('i * 13 / 3')} || ' ' || ${pick('i / 97')})`;
    await step(
      `${SIZES.movies} films and ${SIZES.series} series`,
      () =>
        sql`INSERT INTO media (tmdb_id, media_type, title, year, overview, poster_path, genre_ids, genres, created_at)
          SELECT i, CASE WHEN i <= ${SIZES.movies} THEN 'movie' ELSE 'tv' END, ${title} || ' ' || i,
                 1950 + i % 75, 'Overview ' || i, '/p' || i || '.jpg', ARRAY[18 + i % 5], ARRAY['Genre ' || i % 5],
                 now() - (i || ' minutes')::interval
          FROM generate_series(1, ${SIZES.movies + SIZES.series}) i`,
    );
    await step(
      `${SIZES.series * SIZES.episodesPerSeries} episodes`,
      () =>
        sql`INSERT INTO media (media_type, parent_id, title, season_number, episode_number, year)
          SELECT 'episode', s.id, 'Episode ' || e, 1, e, s.year
          FROM media s CROSS JOIN generate_series(1, ${SIZES.episodesPerSeries}) e WHERE s.media_type = 'tv'`,
    );
    await sql`CREATE TEMP TABLE media_ix AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM media WHERE media_type <> 'tv'`;
    await sql`CREATE INDEX ON media_ix (n)`;
    await sql`CREATE TEMP TABLE user_ix AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM users`;
    const [{ count: watchable } = { count: 0 }] = await sql<
      { count: number }[]
    >`SELECT count(*)::int AS count FROM media_ix`;
    // k → (u·7919 + k·104729) mod N is a different title for every k < N (104729 is prime and N is not a multiple).
    await step(
      `${SIZES.users * SIZES.historyPerUser} watch-history rows`,
      () =>
        sql`INSERT INTO watch_history (user_id, media_id, position_seconds, duration_seconds, completed, updated_at)
          SELECT u.id, m.id, (k * 37) % 5400, 5400, k % 3 = 0, now() - ((k * 11 + u.n) || ' minutes')::interval
          FROM user_ix u CROSS JOIN generate_series(1, ${SIZES.historyPerUser}) k
          JOIN media_ix m ON m.n = (u.n * 7919 + k * 104729) % ${watchable}`,
    );
    await step(
      `${SIZES.users * SIZES.libraryPerUser} library rows`,
      () =>
        sql`INSERT INTO library (user_id, media_id, added_at)
          SELECT u.id, m.id, now() - ((k * 7) || ' minutes')::interval
          FROM user_ix u CROSS JOIN generate_series(1, ${SIZES.libraryPerUser}) k
          JOIN media_ix m ON m.n = (u.n * 104729 + k * 7919) % ${watchable}`,
    );
    // What autovacuum would have done by the time a library is this big.
    await step('VACUUM ANALYZE', () => sql`VACUUM ANALYZE`);
    log(`  dataset ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return (
      await sql<{ id: string }[]>`SELECT id FROM users WHERE email LIKE '%@bench.test' ORDER BY email`
    ).map((r) => r.id);
  } finally {
    await sql.end();
  }
}

/** Runs the API's own queries under EXPLAIN ANALYZE, through a Db that captures the plans. */
async function plans(databaseUrl: string, userId: string): Promise<Record<string, string[]>> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const captured: string[][] = [];
  const db: Db = {
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      const rows = await sql.unsafe(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, params as never[]);
      captured.push(rows.map((r) => String(r['QUERY PLAN'])));
      return [];
    },
    execute: async () => 0,
    transaction: async () => [],
    ping: async () => {},
  };
  const base = 'https://image.tmdb.org/t/p/';
  try {
    await listContinue(db, base, userId, 20);
    await listEntries(db, base, 'library', userId, { sort: 'added', limit: 50 });
    await listMedia(db, base, { q: FUZZY_SAMPLE, limit: 20 });
    const [continuePlan = [], libraryPlan = [], fuzzyPlan = []] = captured;
    return { continue: continuePlan, library: libraryPlan, fuzzy: fuzzyPlan };
  } finally {
    await sql.end();
  }
}

export interface LibraryFigures {
  rows: typeof SIZES;
  baseline: Load;
  continueWatching: Load;
  libraryFirstPage: Load;
  fuzzySearch: Load;
  household: Load[];
  single: Load[];
  plans: Record<string, string[]>;
}

export async function libraryBench(opts: {
  stackUrl: string;
  baselineUrl: string;
  databaseUrl: string;
  jwtSecret: string;
  userIds: string[];
  seconds: number;
}): Promise<LibraryFigures> {
  const tokens = await Promise.all(
    opts.userIds.map((sub) => signAccessToken(opts.jwtSecret, { sub, role: 'member', tv: 0 }, 3600)),
  );
  let i = 0;
  const asNextUserEach =
    (path: () => string, users = tokens.length) =>
    () => ({
      path: path(),
      headers: { authorization: `Bearer ${tokens[i++ % users]}` },
    });
  const asNextUser = (path: string, users?: number) => asNextUserEach(() => path, users);
  let q = 0;
  const connections = 50;
  const baseline = await load('bare Hono (baseline)', opts.baselineUrl, {}, opts.seconds, { connections });
  const continueWatching = await load('GET /watch-history/continue', opts.stackUrl, {}, opts.seconds, {
    connections,
    next: asNextUser('/watch-history/continue'),
  });
  const libraryFirstPage = await load('GET /library (first page)', opts.stackUrl, {}, opts.seconds, {
    connections,
    next: asNextUser('/library?limit=50'),
  });
  const fuzzySearch = await load('GET /media?q= (fuzzy)', opts.stackUrl, {}, opts.seconds, {
    connections,
    next: asNextUserEach(
      () => `/media?q=${encodeURIComponent(fuzzyQuery(1 + ((q++ * 7919) % 80_000)))}&limit=20`,
    ),
  });
  // 50 users, one per connection: a household's working set, where per-user answers stay cached.
  const household = [];
  for (const [name, path] of [
    ['continue (50 users)', '/watch-history/continue'],
    ['/library (50 users)', '/library?limit=50'],
  ] as const) {
    household.push(
      await load(name, opts.stackUrl, {}, opts.seconds, { connections, next: asNextUser(path, 50) }),
    );
  }
  // One connection: the latency of a request on its own, without queueing behind 49 others.
  const single = [];
  for (const [name, next] of [
    ['continue (1 connection)', asNextUser('/watch-history/continue')],
    ['/library (1 connection)', asNextUser('/library?limit=50')],
    [
      'fuzzy (1 connection)',
      asNextUserEach(
        () => `/media?q=${encodeURIComponent(fuzzyQuery(3 + ((q++ * 7919) % 80_000)))}&limit=20`,
      ),
    ],
  ] as const) {
    single.push(
      await load(name, opts.stackUrl, {}, Math.max(3, Math.round(opts.seconds / 2)), {
        connections: 1,
        next,
      }),
    );
  }
  return {
    rows: SIZES,
    baseline,
    continueWatching,
    libraryFirstPage,
    fuzzySearch,
    household,
    single,
    plans: await plans(opts.databaseUrl, opts.userIds[0] ?? ''),
  };
}

export function printLibrary(figures: LibraryFigures): void {
  const row = (r: Load) =>
    `${r.name.padEnd(30)} ${String(r.rps).padStart(7)}   ${String(r.p50).padStart(6)}   ${String(r.p99).padStart(6)}   ${(r.rps / figures.baseline.rps).toFixed(2).padStart(5)}   ${r.non2xx}`;
  console.log(
    '\nLibrary (machine PostgreSQL: 100,000 media, 1,000 users, 1,000,000 watch-history rows; 50 connections)\n',
  );
  console.log('route                            req/s     p50 ms   p99 ms   ratio   non-2xx');
  for (const r of [
    figures.baseline,
    figures.continueWatching,
    figures.libraryFirstPage,
    figures.fuzzySearch,
  ]) {
    console.log(row(r));
  }
  console.log('(targets: p99 < 15 ms for continue and /library, < 30 ms for fuzzy search)');
  console.log('\nThe same with requests from 50 users (one per connection), then from one connection:');
  console.log('route                            req/s     p50 ms   p99 ms   ratio   non-2xx');
  for (const r of [...figures.household, ...figures.single]) console.log(row(r));
  for (const [name, plan] of Object.entries(figures.plans)) {
    console.log(`\nQuery plan, ${name}:`);
    for (const line of plan) console.log(`  ${line}`);
  }
}
