import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { parseConfig, type TorrentNodeConfig, TorrentNodeConfigSchema } from '@sokoul/contracts';
import { createDownload, isCached } from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../launcher/src/log.js';
import { migrate } from '../launcher/src/migrate.js';
import type { TorrentMetadata } from '../torrent-node/src/downloads/engine.js';
import { RealDebridEngine } from '../torrent-node/src/downloads/realdebrid/engine.js';
import type { DownloadFailure } from '../torrent-node/src/downloads/source.js';
import { createFilm, createUser, makeTorrent, writeRandomFile } from './helpers/bittorrent.js';
import { type FakeRealDebrid, type FakeTorrentSpec, startFakeRealDebrid } from './helpers/fake-realdebrid.js';
import { captureLogger } from './helpers/logger.js';
import { ffmpeg } from './helpers/media.js';
import { createTestDatabase, dropTestDatabase, ROOT } from './helpers/stack.js';

/**
 * The Real-Debrid engine against a local fake of its API and download host (tests/helpers/
 * fake-realdebrid.ts): real HTTP, real files on disk, a fresh database. The fake's clock-driven
 * torrents stand for Real-Debrid's servers; everything else is the engine as torrent-node runs it.
 */

const MiB = 1024 * 1024;
const KEY = 'rd-test-token-0123456789ABCDEFGHIJKLMNOPQRS';

let databaseUrl: string;
let sql: postgres.Sql;
let db: ReturnType<typeof postgresDb>;
let work: string;
let downloadDir: string;
let userId: string;
let mediaId: string;
let fake: FakeRealDebrid;
const engines: RealDebridEngine[] = [];
const logs = captureLogger();

/** The season pack's files, written once. */
let pack: { path: string; source: string }[];
/** A 24 MiB film of random bytes. */
let film: string;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomHash = () => randomBytes(20).toString('hex');
const magnetOf = (hash: string, name: string) => `magnet:?xt=urn:btih:${hash}&dn=${encodeURIComponent(name)}`;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function configWith(env: Record<string, string | undefined>): TorrentNodeConfig {
  return parseConfig(TorrentNodeConfigSchema, {
    DATABASE_URL: databaseUrl,
    NATS_URL: 'nats://127.0.0.1:4222',
    DOWNLOAD_DIR: downloadDir,
    REAL_DEBRID_API_KEY: KEY,
    REAL_DEBRID_API_URL: fake.url,
    REAL_DEBRID_CONNECTIONS: '4',
    INTERNAL_SIGNING_KEY: 'stream-signing-key-for-tests-0123456789abcdef',
    LOG_LEVEL: 'debug',
    ...env,
  });
}

function startEngine(env: Record<string, string | undefined> = {}): RealDebridEngine {
  const engine = new RealDebridEngine({ config: configWith(env), log: logs, db });
  engines.push(engine);
  return engine;
}

/** A download row of Real-Debrid for this magnet (what the API creates). */
async function downloadRow(hash: string, name: string): Promise<string> {
  const created = await createDownload(db, {
    userId,
    mediaId,
    season: null,
    episode: null,
    name,
    infoHash: hash,
    magnetUrl: magnetOf(hash, name),
    torrentUrl: null,
    searchId: null,
    resultId: null,
    engine: 'realdebrid',
  });
  if (created === 'taken') throw new Error('taken');
  return created.download.id;
}

async function engineRef(id: string): Promise<string | null> {
  const [row] = await sql<{ engine_ref: string | null }[]>`SELECT engine_ref FROM downloads WHERE id = ${id}`;
  return row?.engine_ref ?? null;
}

/** What the manager does: add, wait for the files, select the ones wanted. */
async function start(
  engine: RealDebridEngine,
  spec: FakeTorrentSpec,
  pick: (meta: TorrentMetadata) => number[] = (meta) => meta.files.map((f) => f.index),
): Promise<{ id: string; meta: TorrentMetadata }> {
  fake.torrent(spec);
  const id = await downloadRow(spec.hash, spec.name);
  await engine.add(id, { magnet: magnetOf(spec.hash, spec.name) }, engine.savePathFor(id));
  const meta = await until('the files', () => engine.metadata(id));
  await engine.selectFiles(id, pick(meta));
  return { id, meta };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The film's copy to disk has at least `bytes` (its `.part` exists: until the copy starts, the
 * stats are Real-Debrid's own progress, 100% at once for a cached torrent).
 */
function copied(engine: RealDebridEngine, id: string, bytes: number): boolean {
  const part = join(engine.savePathFor(id), 'Film.2020.1080p.WEB-DL.mkv.part');
  return existsSync(part) && (engine.stats(id)?.bytesDone ?? 0) >= bytes;
}

const filmSpec = (hash: string, extra: Partial<FakeTorrentSpec> = {}): FakeTorrentSpec => ({
  hash,
  name: 'Film.2020.1080p.WEB-DL',
  files: [{ path: '/Film.2020.1080p.WEB-DL.mkv', source: film }],
  ...extra,
});

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sokoul-rd-'));
  downloadDir = join(work, 'downloads');
  mkdirSync(downloadDir, { recursive: true });
  databaseUrl = await createTestDatabase('sokoul_rd');
  await migrate(ROOT, databaseUrl, createLogger('warn', 'test'));
  sql = postgres(databaseUrl, { max: 4, onnotice: () => {}, types: WIRE_TYPES });
  db = postgresDb(sql);
  userId = await createUser(sql);
  mediaId = await createFilm(sql);
  const source = join(work, 'source');
  const episode2 = join(source, 'Show.S01E02.mp4');
  await ffmpeg(episode2, [
    '-f',
    'lavfi',
    '-i',
    'testsrc=duration=4:size=320x240:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:duration=4',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'aac',
    '-shortest',
  ]);
  await writeRandomFile(join(source, 'Show.S01E01.mkv'), 3 * MiB + 12_345);
  await writeRandomFile(join(source, 'sample.mkv'), 200_000);
  writeFileSync(join(source, 'Show.S01.nfo'), 'Show S01 1080p\n');
  pack = [
    { path: '/Show.S01/Show.S01E01.mkv', source: join(source, 'Show.S01E01.mkv') },
    { path: '/Show.S01/Show.S01E02.mp4', source: episode2 },
    { path: '/Show.S01/Sample/sample.mkv', source: join(source, 'sample.mkv') },
    { path: '/Show.S01/Show.S01.nfo', source: join(source, 'Show.S01.nfo') },
  ];
  film = join(source, 'film.mkv');
  await writeRandomFile(film, 24 * MiB + 777);
  fake = await startFakeRealDebrid({ apiKey: KEY });
});

afterEach(async () => {
  fake.throttle(0);
  await Promise.all(engines.splice(0).map((engine) => engine.destroy()));
});

afterAll(async () => {
  await fake?.close();
  await sql?.end();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('Real-Debrid engine', () => {
  it('adds a magnet, selects only the wanted episode, shows Real-Debrid’s progress, copies the file to disk', async () => {
    const engine = startEngine();
    const done: string[] = [];
    engine.onDone((id) => done.push(id));
    const hash = randomHash();
    const spec: FakeTorrentSpec = {
      hash,
      name: 'Show.S01.1080p.WEB-DL',
      files: pack,
      conversionMs: 800,
      downloadMs: 4_000,
      speed: 5_242_880,
      seeders: 7,
    };
    const { id, meta } = await start(engine, spec, (m) =>
      m.files.filter((f) => f.path.endsWith('S01E02.mp4')).map((f) => f.index),
    );
    // Real-Debrid's files, 0-based and without the leading slash; no .torrent from Real-Debrid.
    expect(meta.infoHash).toBe(hash);
    expect(meta.torrentFile).toBeNull();
    expect(meta.files.map((f) => [f.index, f.path, f.sizeBytes])).toEqual(
      pack.map((f, i) => [i, f.path.slice(1), statSync(f.source).size]),
    );
    const rdId = fake.idOf(hash);
    expect(rdId).toBeTruthy();
    expect(await engineRef(id)).toBe(rdId);
    const size = statSync(pack[1]?.source ?? '').size;

    // Real-Debrid downloading: its progress, speed and seeders are the download's.
    const moving = await until('Real-Debrid’s progress', () => {
      const stats = engine.stats(id);
      return stats && stats.bytesDone > 0 && stats.bytesDone < stats.bytesTotal ? stats : undefined;
    });
    expect(moving.bytesTotal).toBe(size);
    expect(moving.downloadSpeed).toBe(5_242_880);
    expect(moving.peers).toBe(7);
    expect(moving.done).toBe(false);

    await until('the copy on disk', () => done.includes(id));
    const path = join(engine.savePathFor(id), 'Show.S01/Show.S01E02.mp4');
    expect(sha256(readFileSync(path))).toBe(sha256(readFileSync(pack[1]?.source ?? '')));
    expect(existsSync(join(engine.savePathFor(id), 'Show.S01/Show.S01E01.mkv'))).toBe(false);
    expect(existsSync(`${path}.part`) || existsSync(`${path}.part.json`)).toBe(false);
    const stats = engine.stats(id);
    expect(stats).toMatchObject({ bytesDone: size, bytesTotal: size, done: true, uploaded: 0 });
    expect(stats?.files).toEqual([
      { index: 0, bytesDone: 0 },
      { index: 1, bytesDone: size },
      { index: 2, bytesDone: 0 },
      { index: 3, bytesDone: 0 },
    ]);
    // Real-Debrid was asked for that file only.
    const info = (await (
      await fetch(`${fake.url}/torrents/info/${rdId}`, { headers: { authorization: `Bearer ${KEY}` } })
    ).json()) as { files: { id: number; selected: number }[] };
    expect(info.files.filter((f) => f.selected).map((f) => f.id)).toEqual([2]);
    expect(engine.availability(id, 1)).toEqual({ ranges: [[0, size - 1]], complete: true });
    expect(fake.count('/torrents/instantAvailability')).toBe(0);
    expect(engine.status()).toEqual({ state: 'ok', message: null });

    // Removing it deletes the torrent on Real-Debrid and, when asked, its files.
    await engine.remove(id, true);
    expect(fake.listed()).not.toContain(rdId);
    expect(existsSync(engine.savePathFor(id))).toBe(false);
    expect(engine.has(id)).toBe(false);
  });

  it('adds a cached .torrent (PUT addTorrent) and remembers it: isCached true', async () => {
    const engine = startEngine();
    const made = await makeTorrent(join(work, 'source'), 'film.mkv', {
      announce: ['http://127.0.0.1:1/announce'],
    });
    expect(await isCached(db, made.infoHash)).toBe(false);
    fake.torrent({
      hash: made.infoHash,
      name: 'film.mkv',
      files: [{ path: '/film.mkv', source: film }],
      instant: true,
    });
    const id = await downloadRow(made.infoHash, 'film.mkv');
    const adds = fake.count('/torrents/addTorrent', 'PUT');
    await engine.add(id, { torrentFile: made.torrent }, engine.savePathFor(id));
    expect(fake.count('/torrents/addTorrent', 'PUT')).toBe(adds + 1);
    // Cached: the files at once, downloaded as soon as they are chosen.
    const meta = await until('the files', () => engine.metadata(id));
    await engine.selectFiles(id, [meta.files[0]?.index ?? 0]);
    await until('the copy', () => engine.stats(id)?.done);
    expect(await isCached(db, made.infoHash)).toBe(true);
    expect(sha256(readFileSync(join(engine.savePathFor(id), 'film.mkv')))).toBe(sha256(readFileSync(film)));
    expect(fake.count('/torrents/instantAvailability')).toBe(0);
  });

  it('waits out a full slot (509) and goes on', async () => {
    const engine = startEngine();
    const hash = randomHash();
    fake.torrent(filmSpec(hash, { instant: true }));
    const id = await downloadRow(hash, 'Film');
    await engine.add(id, { magnet: magnetOf(hash, 'Film') }, engine.savePathFor(id));
    const meta = await until('the files', () => engine.metadata(id));
    const before = fake.requests.length;
    fake.fillSlots(2);
    // Resolves after the first 509: the selection is retried in the background.
    await engine.selectFiles(id, [meta.files[0]?.index ?? 0]);
    await until('the copy', () => engine.stats(id)?.done);
    const selections = fake.requests.slice(before).filter((r) => r.path.startsWith('/torrents/selectFiles'));
    expect(selections.map((r) => r.status)).toEqual([509, 509, 204]);
    expect(engine.status().state).toBe('ok');
  });

  it('fails an infringing torrent (451) with debrid_infringing', async () => {
    const engine = startEngine();
    const hash = randomHash();
    fake.torrent(filmSpec(hash));
    fake.infringing(hash);
    const id = await downloadRow(hash, 'Film');
    const added = engine.add(id, { magnet: magnetOf(hash, 'Film') }, engine.savePathFor(id));
    await expect(added).rejects.toMatchObject({ code: 'debrid_infringing' });
    expect(fake.count('/torrents/addMagnet')).toBeGreaterThan(0);
  });

  it('fails a dead torrent with debrid_dead', async () => {
    const engine = startEngine();
    const failures: { id: string; error: Error }[] = [];
    engine.onError((id, error) => failures.push({ id, error }));
    const { id } = await start(
      engine,
      filmSpec(randomHash(), { conversionMs: 100, downloadMs: 1_000, end: 'dead' }),
    );
    const failure = await until('the failure', () => failures.find((f) => f.id === id));
    expect((failure.error as DownloadFailure).code).toBe('debrid_dead');
    expect(engine.stats(id)?.done).toBe(false);
  });

  it('fails a torrent Real-Debrid packed into an archive with debrid_error', async () => {
    const engine = startEngine();
    const failures: { id: string; error: Error }[] = [];
    engine.onError((id, error) => failures.push({ id, error }));
    const { id } = await start(engine, {
      hash: randomHash(),
      name: 'Show.S01',
      files: pack,
      instant: true,
      packed: true,
    });
    const failure = await until('the failure', () => failures.find((f) => f.id === id));
    expect((failure.error as DownloadFailure).code).toBe('debrid_error');
    expect(failure.error.message).toMatch(/archive/);
  });

  it('waits while Real-Debrid is down (503) and goes on when it is back', async () => {
    const engine = startEngine();
    const { id } = await start(engine, filmSpec(randomHash(), { conversionMs: 100, downloadMs: 1_500 }));
    fake.down(true);
    try {
      const status = await until('the outage seen', () =>
        engine.status().state === 'unreachable' ? engine.status() : undefined,
      );
      expect(status.message).toMatch(/service_unavailable \(25\)/);
    } finally {
      fake.down(false);
    }
    await until('the copy', () => engine.stats(id)?.done);
    expect(engine.status().state).toBe('ok');
  });

  it('says what is wrong with the account: no key, a bad token, a locked account', async () => {
    const none = startEngine({ REAL_DEBRID_API_KEY: '' });
    expect(none.status().state).toBe('not_configured');
    await expect(
      none.add('x', { magnet: magnetOf(randomHash(), 'x') }, none.savePathFor('x')),
    ).rejects.toMatchObject({
      code: 'engine_unavailable',
    });

    const bad = startEngine({ REAL_DEBRID_API_KEY: 'not-the-token' });
    const status = await until('the account check', () =>
      bad.status().state !== 'ok' ? bad.status() : undefined,
    );
    expect(status.state).toBe('unauthorized');
    expect(status.message).toMatch(/bad_token \(8\).*REAL_DEBRID_API_KEY/);
    // A download waits (Real-Debrid is asked again later), it does not fail.
    const hash = randomHash();
    fake.torrent(filmSpec(hash));
    const id = await downloadRow(hash, 'Film');
    await bad.add(id, { magnet: magnetOf(hash, 'Film') }, bad.savePathFor(id));
    expect(bad.metadata(id)).toBeUndefined();
    expect(bad.status().state).toBe('unauthorized');

    fake.lock(true);
    try {
      const locked = startEngine();
      const answer = await until('the account check', () =>
        locked.status().state !== 'ok' ? locked.status() : undefined,
      );
      expect(answer.state).toBe('unauthorized');
      expect(answer.message).toMatch(/account_locked \(14\)/);
    } finally {
      fake.lock(false);
    }
  });

  it('backs off after a 429, counts it, and goes on', async () => {
    const engine = startEngine({ REAL_DEBRID_API_KEY: KEY });
    await until('the account check', () => engine.requests.sent >= 1);
    const refusedBefore = fake.refused429;
    const counted = engine.requests.refused429;
    fake.rateLimitNext(1);
    const { id } = await start(engine, filmSpec(randomHash(), { instant: true }));
    await until('the copy', () => engine.stats(id)?.done);
    expect(fake.refused429 - refusedBefore).toBe(1);
    expect(engine.requests.refused429 - counted).toBe(1);
  });

  it('never sends more than REAL_DEBRID_REQUESTS_PER_MINUTE in a minute', async () => {
    const budget = 10;
    const limited = await startFakeRealDebrid({ apiKey: 'rd-budget-token', requestsPerMinute: budget });
    let sampler: NodeJS.Timeout | undefined;
    try {
      const engine = startEngine({
        REAL_DEBRID_API_KEY: 'rd-budget-token',
        REAL_DEBRID_API_URL: limited.url,
        REAL_DEBRID_REQUESTS_PER_MINUTE: String(budget),
      });
      let waited = false;
      sampler = setInterval(() => {
        waited ||= engine.requests.waiting > 0;
      }, 20);
      // Three downloads need more than ten requests: the rest wait for the next minute.
      const specs = [0, 1, 2].map(() => filmSpec(randomHash(), { instant: true }));
      const ids: string[] = [];
      for (const spec of specs) {
        limited.torrent(spec);
        const id = await downloadRow(spec.hash, spec.name);
        ids.push(id);
        await engine.add(id, { magnet: magnetOf(spec.hash, spec.name) }, engine.savePathFor(id));
      }
      for (const id of ids) {
        const meta = await until('the files', () => engine.metadata(id), 120_000);
        await engine.selectFiles(id, [meta.files[0]?.index ?? 0]);
      }
      for (const id of ids) await until('the copy', () => engine.stats(id)?.done, 120_000);
      // Requests waited for room in the window rather than being sent over.
      expect(waited).toBe(true);
      expect(limited.requests.length).toBeGreaterThan(budget);
      expect(limited.maxInWindow()).toBeLessThanOrEqual(budget);
      expect(limited.refused429).toBe(0);
    } finally {
      clearInterval(sampler);
      await Promise.all(engines.splice(0).map((engine) => engine.destroy()));
      await limited.close();
    }
  }, 180_000);

  it('reads a range from the link before the copy is complete, waiting for Real-Debrid first', async () => {
    const engine = startEngine();
    fake.throttle(256 * 1024);
    const { id } = await start(engine, filmSpec(randomHash(), { conversionMs: 100, downloadMs: 2_500 }));
    const source = readFileSync(film);
    expect(engine.availability(id, 0)).toEqual({ ranges: [], complete: false });
    // Asked while Real-Debrid still downloads: it answers once the link is there.
    const start1 = source.length - 64 * 1024;
    const tail = readAll(engine.createReadStream(id, 0, { start: start1, end: source.length - 1 }));
    expect(engine.openReads(id)).toBe(1);
    expect(sha256(await tail)).toBe(sha256(source.subarray(start1)));
    const availability = engine.availability(id, 0);
    expect(availability).toEqual({ ranges: [[0, source.length - 1]], complete: false });
    expect(engine.stats(id)?.done).toBe(false);

    // Paused: no connection to the host stays open; resumed, the copy completes.
    await engine.pause(id);
    expect(engine.isPaused(id)).toBe(true);
    expect(engine.availability(id, 0)).toBeUndefined();
    await until('the host connections closed', () => fake.activeResponses === 0);
    fake.throttle(0);
    await engine.resume(id);
    await until('the copy', () => engine.stats(id)?.done);
    expect(sha256(readFileSync(join(engine.savePathFor(id), 'Film.2020.1080p.WEB-DL.mkv')))).toBe(
      sha256(source),
    );
  });

  it('unrestricts the link again when it expired during a read', async () => {
    const engine = startEngine();
    fake.throttle(256 * 1024);
    const { id } = await start(engine, filmSpec(randomHash(), { instant: true }));
    await until('the link', () => (engine.availability(id, 0)?.ranges.length ?? 0) > 0);
    const unrestricts = fake.count('/unrestrict/link');
    fake.expireLinks(410);
    const source = readFileSync(film);
    const from = 10 * MiB;
    const bytes = await readAll(engine.createReadStream(id, 0, { start: from, end: from + 256 * 1024 - 1 }));
    expect(sha256(bytes)).toBe(sha256(source.subarray(from, from + 256 * 1024)));
    expect(fake.count('/unrestrict/link')).toBeGreaterThan(unrestricts);
    expect(fake.hostRequests.some((r) => r.status === 410)).toBe(true);
    // The copy took the fresh link too.
    fake.throttle(0);
    await until('the copy', () => engine.stats(id)?.done);
    expect(sha256(readFileSync(join(engine.savePathFor(id), 'Film.2020.1080p.WEB-DL.mkv')))).toBe(
      sha256(source),
    );
  });

  it('goes on when the download host drops the connections mid-copy', async () => {
    const engine = startEngine();
    fake.throttle(1 * MiB);
    const { id } = await start(engine, filmSpec(randomHash(), { instant: true }));
    const size = statSync(film).size;
    await until('a part of the copy', () => copied(engine, id, size * 0.2));
    fake.killDownloads();
    fake.throttle(0);
    await until('the copy', () => engine.stats(id)?.done);
    expect(sha256(readFileSync(join(engine.savePathFor(id), 'Film.2020.1080p.WEB-DL.mkv')))).toBe(
      sha256(readFileSync(film)),
    );
  });

  it('resumes a copy cut by a crash with Range requests, without fetching the first part again', async () => {
    const first = startEngine();
    fake.throttle(1 * MiB);
    const hash = randomHash();
    const { id } = await start(first, filmSpec(hash, { instant: true }));
    const size = statSync(film).size;
    await until('half the copy', () => copied(first, id, size * 0.4));
    const adds = fake.count('/torrents/addMagnet');
    const ref = await engineRef(id);
    expect(ref).toBe(fake.idOf(hash));
    await first.destroy();
    const path = join(first.savePathFor(id), 'Film.2020.1080p.WEB-DL.mkv');
    const saved = JSON.parse(readFileSync(`${path}.part.json`, 'utf8')) as {
      size: number;
      ranges: [number, number][];
    };
    const kept = saved.ranges.reduce((sum, [start, end]) => sum + end - start + 1, 0);
    expect(kept).toBeGreaterThanOrEqual(size * 0.4);
    expect(kept).toBeLessThan(size);
    await until('the old connections closed', () => fake.activeResponses === 0);

    fake.throttle(0);
    fake.servedBytes = 0;
    const seen = fake.hostRequests.length;
    const second = startEngine();
    await second.add(id, { magnet: magnetOf(hash, 'Film') }, second.savePathFor(id), {
      engineRef: ref ?? '',
    });
    const meta = await until('the files', () => second.metadata(id));
    await second.selectFiles(id, [meta.files[0]?.index ?? 0]);
    await until('the copy', () => second.stats(id)?.done);
    // The same Real-Debrid torrent, and only the missing bytes fetched.
    expect(fake.count('/torrents/addMagnet')).toBe(adds);
    expect(fake.servedBytes).toBe(size - kept);
    const after = fake.hostRequests.slice(seen).filter((r) => r.status === 206);
    expect(after.length).toBeGreaterThan(0);
    for (const request of after) {
      const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(request.range ?? '') ?? [];
      expect(saved.ranges.some(([start, end]) => Number(from) <= end && Number(to) >= start)).toBe(false);
    }
    expect(sha256(readFileSync(path))).toBe(sha256(readFileSync(film)));
  });
});
