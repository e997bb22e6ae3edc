import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type SokoulEvent, Subjects, TorrentNodeConfigSchema } from '@sokoul/contracts';
import {
  cancelDownload,
  createDownload,
  moveToFront,
  pauseDownload,
  resumeDownload,
  writeSpeedLimits,
} from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TORRENT_NODE_FLAGS } from '../launcher/src/build.js';
import { createLogger } from '../launcher/src/log.js';
import { migrate } from '../launcher/src/migrate.js';
import { freePorts } from '../launcher/src/ports.js';
import { Engines } from '../torrent-node/src/downloads/engines.js';
import { importDownload } from '../torrent-node/src/downloads/import.js';
import { DISK_ALERT_CAUSE, DownloadManager } from '../torrent-node/src/downloads/manager.js';
import { WebTorrentEngine } from '../torrent-node/src/downloads/webtorrent.js';
import { createLogger as createNodeLogger } from '../torrent-node/src/log.js';
import {
  type Aria2Seeder,
  craftTorrent,
  createFilm,
  createSearch,
  createUser,
  type MadeTorrent,
  makeTorrent,
  startAria2,
  startTracker,
  type Tracker,
  writeRandomFile,
  writeVideo,
} from './helpers/bittorrent.js';
import { createTestDatabase, dropTestDatabase, ROOT } from './helpers/stack.js';

/**
 * The download engine end to end on loopback: torrent-node runs as a child process (kill -9 needs
 * one) on its own database and nats-server, a bittorrent-tracker and aria2c seeders serve torrents
 * made here, and the rows are driven through @sokoul/db as the API does.
 */

const MiB = 1024 * 1024;
const BUNDLE = join(ROOT, 'torrent-node/dist/downloads-test-main.mjs');
const json = JSONCodec<unknown>();

let databaseUrl: string;
let sql: postgres.Sql;
let db: ReturnType<typeof postgresDb>;
let nats: ChildProcess;
let natsUrl: string;
let nc: NatsConnection;
let tracker: Tracker;
let work: string;
let files: Server;
let filesUrl: string;
const seeders: Aria2Seeder[] = [];
const nodes: ChildProcess[] = [];
const events: { subject: string; event: SokoulEvent }[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sokoul-dl-'));
  const [natsPort] = (await freePorts(1)) as [number];
  nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(work, 'nats')], {
    stdio: 'ignore',
  });
  natsUrl = `nats://127.0.0.1:${natsPort}`;
  databaseUrl = await createTestDatabase('sokoul_dl');
  await migrate(ROOT, databaseUrl, createLogger('warn', 'test'));
  sql = postgres(databaseUrl, { max: 4, onnotice: () => {}, types: WIRE_TYPES });
  db = postgresDb(sql);
  tracker = await startTracker();
  // @ts-expect-error: the launcher's bundler is plain JavaScript.
  const { bundleNode } = (await import('../launcher/bin/bundle.mjs')) as {
    bundleNode(root: string, workspace: string, entry: string, outfile: string): Promise<void>;
  };
  await bundleNode(ROOT, 'torrent-node', 'src/main.ts', BUNDLE);
  for (let i = 0; ; i++) {
    try {
      nc = await connect({ servers: natsUrl });
      break;
    } catch (error) {
      if (i > 50) throw error;
      await sleep(100);
    }
  }
  // Users' events, and the alerts torrent-node's AlertManager sends (to admins' subjects too).
  for (const subject of ['events.>', Subjects.alerts]) {
    const sub = nc.subscribe(subject);
    void (async () => {
      for await (const m of sub)
        events.push({ subject: m.subject, event: json.decode(m.data) as SokoulEvent });
    })();
  }
  // Serves files of `work` (the .torrent URLs) and a page that is not a torrent.
  files = createServer((req, res) => {
    const path = join(work, decodeURIComponent((req.url ?? '/').slice(1)));
    if (req.url === '/not-a-torrent') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Login</body></html>');
    } else if (existsSync(path)) res.writeHead(200).end(readFileSync(path));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', () => resolve()));
  filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
}, 120_000);

afterAll(async () => {
  for (const node of nodes) node.kill('SIGKILL');
  for (const seeder of seeders) await seeder.kill();
  await nc?.close();
  nats?.kill();
  await tracker?.close();
  files?.close();
  await sql?.end({ timeout: 2 });
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  rmSync(work, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Node {
  process: ChildProcess;
  downloadDir: string;
  logs: string[];
  stop(): Promise<void>;
}

/** The configuration every engine of this file runs with (loopback only, no seeding goal). */
const engineEnv = (dir: string): Record<string, string> => ({
  DATABASE_URL: databaseUrl,
  NATS_URL: natsUrl,
  DOWNLOAD_DIR: dir,
  TORRENT_PORT: '0',
  TORRENT_DHT: 'false',
  TORRENT_LSD: 'false',
  TORRENT_UTP: 'false',
  TORRENT_PEX: 'false',
  DISK_MIN_FREE_MB: '1',
  SEED_RATIO: '0',
  INDEXER_ALLOW_PRIVATE: 'true',
  INTERNAL_SIGNING_KEY: 'downloads-engine-test-signing-key-0123456789',
});

/** torrent-node with the engine on this test's database, NATS and download folder. */
async function startNode(env: Record<string, string>, downloadDir?: string): Promise<Node> {
  const dir = downloadDir ?? mkdtempSync(join(work, 'dl-'));
  const [metrics, stream] = (await freePorts(2)) as [number, number];
  const child = spawn(process.execPath, [...TORRENT_NODE_FLAGS, BUNDLE], {
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'info',
      ...engineEnv(dir),
      TORRENT_NODE_METRICS_PORT: String(metrics),
      STREAM_PORT: String(stream),
      NODE_ID: `dl-test-${nodes.length}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  nodes.push(child);
  const logs: string[] = [];
  child.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
  await until('torrent-node ready', async () => logs.join('').includes('torrent-node ready'), 30_000).catch(
    (error: unknown) => {
      throw new Error(`${error}\n${logs.join('')}`);
    },
  );
  return {
    process: child,
    downloadDir: dir,
    logs,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface InProcess {
  manager: DownloadManager;
  downloadDir: string;
  stop(): Promise<void>;
}

/**
 * The download manager in this process, on the same database and NATS as torrent-node would be,
 * with a free-space function the test controls (the disk guard cannot be driven from outside a
 * child process without a test switch in production code).
 */
async function startManager(env: Record<string, string>, freeBytes: () => number): Promise<InProcess> {
  const dir = mkdtempSync(join(work, 'dl-'));
  const config = parseConfig(TorrentNodeConfigSchema, { ...engineEnv(dir), LOG_LEVEL: 'warn', ...env });
  const log = createNodeLogger(config.LOG_LEVEL, 'dl-test');
  const engine = new WebTorrentEngine({
    downloadDir: config.DOWNLOAD_DIR,
    port: 0,
    dht: false,
    pex: false,
    trackers: true,
    lsd: false,
    utp: false,
    limits: { downloadLimit: config.DOWNLOAD_LIMIT, uploadLimit: config.UPLOAD_LIMIT },
    log,
  });
  const manager = new DownloadManager({
    db,
    nc,
    config,
    log,
    engines: new Engines(engine),
    importDownload,
    diskCheckMs: 200,
    freeBytes: async () => freeBytes(),
  });
  await manager.start();
  return { manager, downloadDir: dir, stop: () => manager.stop() };
}

async function kill9(node: Node): Promise<void> {
  const exited = new Promise((resolve) => node.process.once('exit', resolve));
  node.process.kill('SIGKILL');
  await exited;
}

/** A torrent of one random file (or a video) in its own folder, seeded by aria2c. */
async function seeded(
  name: string,
  size: number,
  opts: { video?: boolean; pieceLength?: number; seed?: boolean } = {},
): Promise<{ made: MadeTorrent; seeder: Aria2Seeder | null }> {
  const dir = mkdtempSync(join(work, 'seed-'));
  if (opts.video) await writeVideo(join(dir, name), 3);
  else await writeRandomFile(join(dir, name), size);
  const made = await makeTorrent(dir, name, { announce: [tracker.announce], pieceLength: opts.pieceLength });
  const seeder = opts.seed === false ? null : await startAria2(made);
  if (seeder) seeders.push(seeder);
  return { made, seeder };
}

const reconcile = (downloadId: string) =>
  nc.publish(Subjects.downloadControl, json.encode({ action: 'reconcile', downloadId }));

async function queue(
  userId: string,
  mediaId: string,
  source: {
    magnetUrl?: string;
    torrentUrl?: string;
    name?: string;
    infoHash?: string | null;
    season?: number;
  },
) {
  const created = await createDownload(db, {
    userId,
    mediaId,
    season: source.season ?? null,
    episode: null,
    name: source.name ?? 'release',
    infoHash: source.infoHash ?? null,
    magnetUrl: source.magnetUrl ?? null,
    torrentUrl: source.torrentUrl ?? null,
    searchId: null,
    resultId: null,
  });
  if (created === 'taken') throw new Error('taken');
  reconcile(created.download.id);
  return created.download.id;
}

interface Row {
  state: string;
  bytes_done: string;
  bytes_total: string | null;
  error_code: string | null;
  paused_by: string | null;
  save_path: string | null;
  result_id: string | null;
  started_at: string | null;
}
async function row(id: string): Promise<Row | undefined> {
  const [r] = await sql<
    Row[]
  >`SELECT state, bytes_done, bytes_total, error_code, paused_by, save_path, result_id,
    started_at FROM downloads WHERE id = ${id}`;
  return r;
}
const inState =
  (id: string, ...states: string[]) =>
  async () => {
    const r = await row(id);
    return r && states.includes(r.state) ? r : undefined;
  };

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('download engine (real BitTorrent on loopback)', () => {
  it('downloads a film from an aria2c seeder, verifies it, imports it and stops seeding at the goal', async () => {
    const node = await startNode({});
    try {
      const user = await createUser(sql);
      const film = await createFilm(sql, 'Loopback Film', 2021);
      const { made } = await seeded('Loopback.Film.2021.1080p.WEB.x264.mkv', 0, { video: true });
      const id = await queue(user, film, { magnetUrl: made.magnet, infoHash: made.infoHash });
      const done = await until('completed', inState(id, 'completed', 'failed'), 60_000);
      expect(done.error_code, node.logs.join('')).toBeNull();
      expect(done.state).toBe('completed');
      expect(Number(done.bytes_done)).toBe(made.length);
      const target = join(node.downloadDir, id, made.name);
      expect(sha(target)).toBe(sha(join(made.dir, made.name)));
      const completed = events.find(
        (e) => e.event.type === 'download.completed' && e.event.data.download.id === id,
      );
      expect(completed?.subject).toBe(Subjects.userEvents(user));
      const [files] = await sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM media_files WHERE media_id = ${film}`;
      expect(files?.n).toBe(1);
      // Progress went out for this download, and at most about once a second.
      const progress = events.filter(
        (e) => e.event.type === 'download.progress' && e.event.data.download.id === id,
      );
      expect(progress.length).toBeGreaterThan(0);
    } finally {
      await node.stop();
    }
  }, 90_000);

  it('fails a garbage magnet, a non-torrent URL and a torrent with path-traversal names, writing nothing', async () => {
    const node = await startNode({ MAX_CONCURRENT_DL: '5' });
    try {
      const user = await createUser(sql);
      const film = await createFilm(sql);
      const garbage = await queue(user, film, { magnetUrl: 'magnet:?xt=urn:btih:not-a-hash&dn=x' });
      const page = await queue(user, film, { torrentUrl: `${filesUrl}/not-a-torrent` });
      const unreachable = await queue(user, film, { torrentUrl: 'http://127.0.0.1:1/x.torrent' });
      const evil = craftTorrent('Evil', [
        { path: ['..', '..', 'escaped.txt'], length: 1000 },
        { path: ['ok.txt'], length: 1000 },
      ]);
      mkdirSync(join(work, 'crafted'), { recursive: true });
      (await import('node:fs')).writeFileSync(join(work, 'crafted/evil.torrent'), evil);
      const traversal = await queue(user, film, { torrentUrl: `${filesUrl}/crafted/evil.torrent` });
      const absolute = craftTorrent('Abs', [{ path: ['/etc/passwd'], length: 10 }]);
      (await import('node:fs')).writeFileSync(join(work, 'crafted/abs.torrent'), absolute);
      const abs = await queue(user, film, { torrentUrl: `${filesUrl}/crafted/abs.torrent` });
      const empty = craftTorrent('Empty', []);
      (await import('node:fs')).writeFileSync(join(work, 'crafted/empty.torrent'), empty);
      const none = await queue(user, film, { torrentUrl: `${filesUrl}/crafted/empty.torrent` });
      expect((await until('garbage failed', inState(garbage, 'failed'))).error_code).toBe('invalid_magnet');
      expect((await until('page failed', inState(page, 'failed'))).error_code).toBe('not_a_torrent');
      expect((await until('unreachable failed', inState(unreachable, 'failed'))).error_code).toBe(
        'torrent_fetch_failed',
      );
      expect((await until('traversal failed', inState(traversal, 'failed'))).error_code).toBe('unsafe_path');
      expect((await until('absolute failed', inState(abs, 'failed'))).error_code).toBe('unsafe_path');
      expect((await until('empty failed', inState(none, 'failed'))).error_code).toBe('empty_torrent');
      expect(readdirSync(node.downloadDir)).toEqual([]);
      expect(existsSync(join(node.downloadDir, '..', 'escaped.txt'))).toBe(false);
      const failed = events.filter((e) => e.event.type === 'download.failed').map((e) => e.event.type);
      expect(failed.length).toBeGreaterThanOrEqual(6);
    } finally {
      await node.stop();
    }
  }, 60_000);

  it('pause stops every byte for several seconds; resume finishes', async () => {
    const node = await startNode({ DOWNLOAD_LIMIT: String(4 * MiB) });
    try {
      const user = await createUser(sql);
      const film = await createFilm(sql);
      const { made, seeder } = await seeded('pause.bin', 40 * MiB);
      const id = await queue(user, film, { magnetUrl: made.magnet });
      await until('some progress', async () => Number((await row(id))?.bytes_done ?? 0) > 8 * MiB);
      await pauseDownload(db, id, user);
      reconcile(id);
      await sleep(1500); // the last in-flight blocks land
      const before = Number((await row(id))?.bytes_done);
      const sentBefore = await seeder?.uploaded();
      await sleep(4000);
      expect(Number((await row(id))?.bytes_done)).toBe(before);
      expect(await seeder?.uploaded()).toBe(sentBefore);
      expect((await row(id))?.state).toBe('paused');
      await resumeDownload(db, id, user);
      reconcile(id);
      const done = await until('completed', inState(id, 'completed', 'failed'), 60_000);
      expect(`${done.state} ${done.error_code}`).toMatch(/^completed/);
      expect(sha(join(node.downloadDir, id, made.name))).toBe(sha(join(made.dir, made.name)));
    } finally {
      await node.stop();
    }
  }, 90_000);

  it('kill -9 at ~50%, restart: completes without fetching the verified half again', async () => {
    const dir = mkdtempSync(join(work, 'dl-'));
    const env = { DOWNLOAD_LIMIT: String(8 * MiB) };
    let node = await startNode(env, dir);
    const user = await createUser(sql);
    const film = await createFilm(sql);
    const size = 64 * MiB;
    const { made, seeder } = await seeded('crash.bin', size, { pieceLength: MiB });
    const id = await queue(user, film, { magnetUrl: made.magnet });
    await until('half', async () => Number((await row(id))?.bytes_done ?? 0) >= size / 2, 60_000);
    await sleep(1200); // one checkpoint after crossing half
    await kill9(node);
    const atKill = Number((await row(id))?.bytes_done);
    const sentAtKill = (await seeder?.uploaded()) ?? 0;
    node = await startNode(env, dir);
    try {
      const done = await until('completed', inState(id, 'completed', 'failed'), 90_000);
      expect(done.state, node.logs.join('')).toBe('completed');
      expect(sha(join(dir, id, made.name))).toBe(sha(join(made.dir, made.name)));
      const sentAfter = ((await seeder?.uploaded()) ?? 0) - sentAtKill;
      // What the seeder sent after the crash is what was missing (plus what arrived after the last
      // checkpoint), not the whole file again.
      expect(atKill).toBeGreaterThanOrEqual(size / 2);
      expect(sentAfter).toBeLessThan(size - atKill + 12 * MiB);
      const started = node.logs
        .join('')
        .split('\n')
        .find((l) => l.includes('torrent started'));
      expect(started).toContain('"savedState":true');
    } finally {
      await node.stop();
    }
  }, 180_000);

  it('runs at most MAX_CONCURRENT_DL at once, the rest queued in order, move-to-front honoured', async () => {
    const node = await startNode({ MAX_CONCURRENT_DL: '1', DOWNLOAD_LIMIT: String(6 * MiB) });
    try {
      const user = await createUser(sql);
      const film = await createFilm(sql);
      const a = await seeded('a.bin', 12 * MiB);
      const b = await seeded('b.bin', 4 * MiB);
      const c = await seeded('c.bin', 4 * MiB);
      const first = await queue(user, film, { magnetUrl: a.made.magnet });
      await until('first running', inState(first, 'metadata', 'downloading'));
      const second = await queue(user, film, { magnetUrl: b.made.magnet });
      const third = await queue(user, film, { magnetUrl: c.made.magnet });
      await sleep(1000);
      expect((await row(second))?.state).toBe('queued');
      expect((await row(third))?.state).toBe('queued');
      await moveToFront(db, third, user);
      reconcile(third);
      await until('first done', inState(first, 'completed'), 60_000);
      const thirdDone = await until('third done', inState(third, 'completed'), 60_000);
      const secondRow = await until('second done', inState(second, 'completed'), 60_000);
      expect(Date.parse(thirdDone.started_at ?? '')).toBeLessThan(Date.parse(secondRow.started_at ?? ''));
    } finally {
      await node.stop();
    }
  }, 120_000);

  it('a stall (seeder killed) blocks the release and queues the next best of the same search', async () => {
    const node = await startNode({ STALL_MINUTES: '0.05', DOWNLOAD_LIMIT: String(2 * MiB) });
    try {
      const user = await createUser(sql);
      const film = await createFilm(sql);
      const stalls = await seeded('stalls.bin', 32 * MiB);
      const next = await seeded('next.bin', 2 * MiB);
      const { searchId, resultIds } = await createSearch(sql, user, film, [
        {
          title: 'Stalls.Release',
          magnetUrl: stalls.made.magnet,
          infoHash: stalls.made.infoHash,
          score: 100,
        },
        { title: 'Next.Release', magnetUrl: next.made.magnet, infoHash: next.made.infoHash, score: 50 },
      ]);
      const created = await createDownload(db, {
        userId: user,
        mediaId: film,
        season: null,
        episode: null,
        name: 'Stalls.Release',
        infoHash: stalls.made.infoHash,
        magnetUrl: stalls.made.magnet,
        torrentUrl: null,
        searchId,
        resultId: resultIds[0] ?? null,
      });
      if (created === 'taken') throw new Error('taken');
      const id = created.download.id;
      reconcile(id);
      await until('progress', async () => Number((await row(id))?.bytes_done ?? 0) > 0, 30_000);
      await stalls.seeder?.kill();
      const stalled = await until('stalled', inState(id, 'stalled'), 30_000);
      expect(stalled.error_code).toBe('no_peers');
      const [blocked] = await sql<
        { reason: string }[]
      >`SELECT reason FROM download_blocklist WHERE media_id = ${film}`;
      expect(blocked?.reason).toBe('no_peers');
      const event = await until('stalled event', async () =>
        events.find((e) => e.event.type === 'download.stalled' && e.event.data.download.id === id),
      );
      const nextId = event.event.type === 'download.stalled' ? event.event.data.next?.id : undefined;
      expect(nextId).toBeTruthy();
      const nextRow = await until('next completed', inState(nextId as string, 'completed'), 60_000);
      expect(nextRow.result_id).toBe(resultIds[1]);
    } finally {
      await node.stop();
    }
  }, 120_000);

  it('below DISK_MIN_FREE_MB downloads pause (by disk) with an alert; removal deletes only its folder', async () => {
    const node = await startNode({ DISK_MIN_FREE_MB: '99999999' });
    try {
      const user = await createUser(sql);
      const film = await createFilm(sql);
      const { made } = await seeded('disk.bin', MiB, { seed: false });
      const id = await queue(user, film, { magnetUrl: made.magnet });
      const paused = await until('paused by disk', inState(id, 'paused'));
      expect(paused.paused_by).toBe('disk');
      // torrent-node's AlertManager: one alert for the cause, raised on the alerts subject.
      const alert = await until('alert', async () =>
        events.find(
          (e) =>
            e.subject === Subjects.alerts &&
            e.event.type === 'alert' &&
            e.event.data.cause === DISK_ALERT_CAUSE &&
            e.event.data.code === 'disk.low',
        ),
      );
      expect(alert.event.type === 'alert' && alert.event.data.phase).toBe('raised');
      await cancelDownload(db, id, user, true);
      reconcile(id);
      await until('row removed', async () => !(await row(id)));
      expect(existsSync(node.downloadDir)).toBe(true);
    } finally {
      await node.stop();
    }
  }, 60_000);

  it('a season pack: each episode its own media file, the sample and the .nfo set aside', async () => {
    const node = await startNode({});
    try {
      const user = await createUser(sql);
      const [series] = await sql<{ id: string }[]>`
        INSERT INTO media (media_type, title, year) VALUES ('tv', 'Show', 2020) RETURNING id`;
      const seriesId = series?.id as string;
      const episodeIds: string[] = [];
      for (const [n, title] of [
        [1, 'Pilot'],
        [2, 'The Middle'],
        [3, 'The End'],
      ] as const) {
        const [episode] = await sql<{ id: string }[]>`
          INSERT INTO media (media_type, title, parent_id, season_number, episode_number)
          VALUES ('episode', ${title}, ${seriesId}, 1, ${n}) RETURNING id`;
        episodeIds.push(episode?.id as string);
      }
      const dir = mkdtempSync(join(work, 'seed-'));
      const pack = 'Show.S01.1080p.WEB-DL.x264-GRP';
      const episodeNames = [1, 2, 3].map((n) => `Show.S01E0${n}.1080p.WEB-DL.x264-GRP.mkv`);
      // Different lengths: each episode's bytes are its own, so a mix-up shows.
      await Promise.all([
        ...episodeNames.map((name, i) => writeVideo(join(dir, pack, name), 2 + i)),
        writeVideo(join(dir, pack, 'Sample', 'show.s01e01.sample.mkv'), 1),
      ]);
      writeFileSync(join(dir, pack, `${pack}.nfo`), 'Show S01 1080p WEB-DL\n');
      const made = await makeTorrent(dir, pack, { announce: [tracker.announce] });
      seeders.push(await startAria2(made));
      const id = await queue(user, seriesId, {
        magnetUrl: made.magnet,
        infoHash: made.infoHash,
        name: pack,
        season: 1,
      });
      const done = await until('completed', inState(id, 'completed', 'failed'), 60_000);
      expect(`${done.state} ${done.error_code}`, node.logs.join('')).toBe('completed null');
      expect(Number(done.bytes_done)).toBe(made.length);

      const fileRows = await sql<
        { path: string; role: string | null; media_id: string | null; file: string | null }[]
      >`
        SELECT f.path, f.role, m.media_id, m.path AS file FROM download_files f
        LEFT JOIN media_files m ON m.id = f.media_file_id WHERE f.download_id = ${id} ORDER BY f.path`;
      const byPath = new Map(fileRows.map((f) => [f.path, f]));
      expect(fileRows).toHaveLength(5);
      expect(byPath.get(`${pack}/Sample/show.s01e01.sample.mkv`)?.role).toBe('sample');
      expect(byPath.get(`${pack}/${pack}.nfo`)?.role).toBe('other');
      for (const [i, name] of episodeNames.entries()) {
        const f = byPath.get(`${pack}/${name}`);
        expect(f?.role).toBe('video');
        expect(f?.media_id).toBe(episodeIds[i]);
        // Recorded where it was downloaded (no LIBRARY_DIR), with the seeder's bytes.
        expect(f?.file).toBe(join(node.downloadDir, id, pack, name));
        expect(sha(f?.file as string)).toBe(sha(join(dir, pack, name)));
      }
      const perEpisode = await sql<{ media_id: string; n: number; duration: number | null }[]>`
        SELECT media_id, count(*)::int AS n, max(duration_seconds) AS duration FROM media_files
        WHERE media_id IN ${sql([seriesId, ...episodeIds])} GROUP BY media_id`;
      expect(perEpisode.map((r) => r.media_id).sort()).toEqual([...episodeIds].sort());
      expect(perEpisode.every((r) => r.n === 1)).toBe(true);
      // ffprobe read each episode (2, 3 and 4 seconds long).
      for (const [i, episodeId] of episodeIds.entries())
        expect(perEpisode.find((r) => r.media_id === episodeId)?.duration).toBe(2 + i);
    } finally {
      await node.stop();
    }
  }, 90_000);

  it('when free space returns, the downloads the disk guard paused resume by themselves (disk.ok) and finish', async () => {
    const marginMb = 64;
    let free = 1024 * 1024 * MiB;
    const m = await startManager(
      { DISK_MIN_FREE_MB: String(marginMb), DOWNLOAD_LIMIT: String(4 * MiB) },
      () => free,
    );
    try {
      const user = await createUser(sql);
      const film = await createFilm(sql);
      const { made } = await seeded('space.bin', 16 * MiB);
      const seen = events.length;
      const alertAfter = (code: string) => async () =>
        events.slice(seen).find((e) => e.event.type === 'alert' && e.event.data.code === code);
      const id = await queue(user, film, { magnetUrl: made.magnet, infoHash: made.infoHash });
      await until('some progress', async () => Number((await row(id))?.bytes_done ?? 0) > 2 * MiB);
      free = (marginMb - 1) * MiB;
      const paused = await until('paused by disk', inState(id, 'paused'));
      expect(paused.paused_by).toBe('disk');
      expect((await until('disk.low alert', alertAfter('disk.low'))).subject).toBe(Subjects.broadcastEvents);
      expect(Number(paused.bytes_done)).toBeLessThan(made.length);
      await sleep(500);
      expect((await row(id))?.state).toBe('paused');
      free = 1024 * 1024 * MiB;
      const ok = await until('disk.ok alert', alertAfter('disk.ok'));
      expect(ok.subject).toBe(Subjects.broadcastEvents);
      const done = await until('completed', inState(id, 'completed', 'failed'), 60_000);
      // (A .bin is no video: it completes with nothing to import.)
      expect(`${done.state} ${done.paused_by}`).toBe('completed null');
      expect(sha(join(m.downloadDir, id, made.name))).toBe(sha(join(made.dir, made.name)));
    } finally {
      await m.stop();
    }
  }, 60_000);

  it('a torrent larger than the free space beyond the margin fails with insufficient_space, writing nothing', async () => {
    const marginMb = 64;
    const m = await startManager({ DISK_MIN_FREE_MB: String(marginMb) }, () => (marginMb + 8) * MiB);
    try {
      const user = await createUser(sql);
      const film = await createFilm(sql);
      mkdirSync(join(work, 'crafted'), { recursive: true });
      writeFileSync(
        join(work, 'crafted/big.torrent'),
        craftTorrent('Big.Film.2020.1080p', [{ path: ['Big.Film.2020.1080p.mkv'], length: 32 * MiB }], MiB),
      );
      const id = await queue(user, film, { torrentUrl: `${filesUrl}/crafted/big.torrent` });
      const failed = await until('failed', inState(id, 'failed'));
      expect(failed.error_code).toBe('insufficient_space');
      const [message] = await sql<
        { error_message: string }[]
      >`SELECT error_message FROM downloads WHERE id = ${id}`;
      expect(message?.error_message).toMatch(/needs 32 MB and only 8 MB are free/);
      expect(readdirSync(m.downloadDir)).toEqual([]);
    } finally {
      await m.stop();
    }
  }, 30_000);

  it('speed limits change at runtime: the rate drops near the new limit, then lifting it finishes', async () => {
    const node = await startNode({ DOWNLOAD_LIMIT: String(12 * MiB) });
    try {
      const user = await createUser(sql);
      const film = await createFilm(sql);
      const size = 64 * MiB;
      const pieceLength = 256 * 1024;
      const { made, seeder } = await seeded('limits.bin', size, { pieceLength });
      const id = await queue(user, film, { magnetUrl: made.magnet, infoHash: made.infoHash });
      await until('some progress', async () => Number((await row(id))?.bytes_done ?? 0) > 4 * MiB);
      const limit = 2 * MiB;
      await writeSpeedLimits(db, { downloadLimit: limit, uploadLimit: 0 });
      nc.publish(Subjects.downloadControl, json.encode({ action: 'limits' }));
      await until('limits applied', async () => node.logs.join('').includes('speed limits applied'), 10_000);
      await sleep(1500); // what was in flight (socket buffers, requested blocks) lands
      const seconds = 4;
      const sentBefore = (await seeder?.uploaded()) ?? 0;
      const doneBefore = Number((await row(id))?.bytes_done);
      await sleep(seconds * 1000);
      const sent = ((await seeder?.uploaded()) ?? 0) - sentBefore;
      const done = Number((await row(id))?.bytes_done) - doneBefore;
      const ceiling = 1.6 * limit * seconds + pieceLength;
      expect(sent, `${sent} bytes sent in ${seconds} s`).toBeLessThan(ceiling);
      expect(done, `${done} bytes verified in ${seconds} s`).toBeLessThan(ceiling);
      expect(done).toBeGreaterThan(0); // limited, not stopped
      expect(doneBefore + done).toBeLessThan(size);
      await writeSpeedLimits(db, { downloadLimit: 0, uploadLimit: 0 });
      nc.publish(Subjects.downloadControl, json.encode({ action: 'limits' }));
      const finished = await until('completed', inState(id, 'completed', 'failed'), 60_000);
      expect(finished.state).toBe('completed');
      expect(sha(join(node.downloadDir, id, made.name))).toBe(sha(join(made.dir, made.name)));
    } finally {
      // Later engines of this file start from their DOWNLOAD_LIMIT again.
      await sql`DELETE FROM settings WHERE key = 'speedLimits'`;
      await node.stop();
    }
  }, 90_000);

  it('the same torrent from a .torrent URL while its magnet download runs fails as a duplicate', async () => {
    const node = await startNode({ DOWNLOAD_LIMIT: String(4 * MiB) });
    try {
      const user = await createUser(sql);
      const film = await createFilm(sql);
      const { made } = await seeded('twice.bin', 8 * MiB);
      const first = await queue(user, film, { magnetUrl: made.magnet, infoHash: made.infoHash });
      await until('first running', inState(first, 'downloading'));
      // A .torrent URL says nothing of its info hash until it is fetched: the row is queued.
      const url = `${filesUrl}/${made.torrentPath.slice(work.length + 1)}`;
      const second = await queue(user, film, { torrentUrl: url });
      const failed = await until('second failed', inState(second, 'failed'));
      expect(failed.error_code).toBe('duplicate');
      const [message] = await sql<
        { error_message: string }[]
      >`SELECT error_message FROM downloads WHERE id = ${second}`;
      expect(message?.error_message).toContain(made.infoHash);
      expect(existsSync(join(node.downloadDir, second))).toBe(false);
      const firstDone = await until('first completed', inState(first, 'completed', 'failed'), 60_000);
      expect(firstDone.state).toBe('completed');
      expect(sha(join(node.downloadDir, first, made.name))).toBe(sha(join(made.dir, made.name)));
    } finally {
      await node.stop();
    }
  }, 60_000);
});
