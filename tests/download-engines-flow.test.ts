import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DownloadDetail, DownloadEngines, Media, StartedDownload } from '@sokoul/contracts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, api, eventually } from './helpers/api.js';
import {
  type Aria2Seeder,
  type MadeTorrent,
  makeTorrent,
  startAria2,
  startTracker,
  type Tracker,
  writeRandomFile,
  writeVideo,
} from './helpers/bittorrent.js';
import { type RunningClient, startQBittorrent, startTransmission } from './helpers/clients.js';
import { type FakeRealDebrid, startFakeRealDebrid } from './helpers/fake-realdebrid.js';
import {
  createTestDatabase,
  dropTestDatabase,
  launchStack,
  MACHINE_REDIS,
  type StackInfo,
} from './helpers/stack.js';

/**
 * Every engine end to end through a stack of its own (the API on workerd, torrent-node a child of
 * the launcher): a film fetched by Real-Debrid (the fake serving its real payloads), by a real
 * qBittorrent and by a real Transmission (seeded by aria2c through a loopback tracker), each imported
 * into the library exactly as Sokoul's own engine does; a dead Real-Debrid torrent starts again on
 * BitTorrent when its owner allows it; a client that goes down shows so, and is followed again.
 */

const KEY = 'real-debrid-flow-key';
let fake: FakeRealDebrid;
let tracker: Tracker;
let own: { stop(): Promise<void> } | undefined;
let info: StackInfo;
let databaseUrl: string;
let sql: postgres.Sql;
let token: string;
let work: string;
const seeders: Aria2Seeder[] = [];
const clients: RunningClient[] = [];

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const call = <T>(method: string, path: string, body?: unknown) =>
  api<T>(method, path, { base: info.url, token, ...(body === undefined ? {} : { body }) });

async function film(title: string): Promise<Media> {
  const res = await call<Media>('POST', '/media', { type: 'movie', title, year: 2021 });
  expect(res.status).toBe(201);
  return res.body;
}

async function finished(id: string, timeoutMs = 90_000): Promise<DownloadDetail> {
  let seen: DownloadDetail | undefined;
  await eventually(
    async () => {
      const res = await call<DownloadDetail>('GET', `/downloads/${id}`);
      seen = res.body;
      expect(res.body.error).toBeNull();
      expect(res.body.state).toBe('completed');
    },
    timeoutMs,
    250,
  );
  if (!seen) throw new Error('unreachable');
  return seen;
}

async function engineState(name: string): Promise<string | undefined> {
  const res = await call<DownloadEngines>('GET', '/downloads/engines');
  return res.body.engines.find((e) => e.name === name)?.state;
}

/** A film release seeded by aria2c: the video and a sample beside it. */
async function seeded(name: string): Promise<{ made: MadeTorrent; video: string }> {
  const dir = join(work, 'seeds', name);
  const video = join(dir, name, `${name}.mkv`);
  await writeVideo(video, 4);
  await writeRandomFile(join(dir, name, 'Sample', 'sample.mkv'), 20_000);
  const made = await makeTorrent(dir, name, { announce: [tracker.announce], pieceLength: 16 * 1024 });
  seeders.push(await startAria2(made));
  return { made, video };
}

beforeAll(async () => {
  fake = await startFakeRealDebrid({ apiKey: KEY });
  tracker = await startTracker();
  databaseUrl = await createTestDatabase('sokoul_engines');
  const launched = await launchStack({
    DATABASE_URL: databaseUrl,
    REDIS_URL: MACHINE_REDIS,
    REAL_DEBRID_API_KEY: KEY,
    REAL_DEBRID_API_URL: fake.url,
    // Loopback seeders only; nothing to seed back here.
    TORRENT_DHT: 'false',
    TORRENT_PEX: 'false',
    SEED_RATIO: '0',
  });
  own = launched.stack;
  info = launched.info;
  work = join(info.dataDir, 'work');
  mkdirSync(work, { recursive: true });
  sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  token = (await adminSession(info.url)).accessToken;
}, 180_000);

afterAll(async () => {
  for (const seeder of seeders) await seeder.kill();
  for (const client of clients) await client.stop().catch(() => undefined);
  await own?.stop();
  await sql?.end();
  await fake?.close();
  await tracker?.close();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
});

describe('Real-Debrid through the stack', () => {
  it('fetches a film to disk, only its video, imports it, and remembers the hash as cached', {
    timeout: 120_000,
  }, async () => {
    await eventually(async () => expect(await engineState('realdebrid')).toBe('ok'), 30_000);
    const title = await film('Debrid Film');
    const source = join(work, 'rd', 'Debrid.Film.2021.1080p.mkv');
    await writeVideo(source, 4);
    const sample = join(work, 'rd', 'sample.mkv');
    await writeRandomFile(sample, 30_000);
    const hash = `${'a'.repeat(39)}1`;
    fake.torrent({
      hash,
      name: 'Debrid.Film.2021.1080p',
      files: [
        { path: '/Debrid.Film.2021.1080p/Debrid.Film.2021.1080p.mkv', source },
        { path: '/Debrid.Film.2021.1080p/Sample/sample.mkv', source: sample },
      ],
      downloadMs: 1500,
    });
    const started = await call<StartedDownload>('POST', '/downloads', {
      magnetUrl: `magnet:?xt=urn:btih:${hash}&dn=Debrid.Film.2021.1080p`,
      mediaId: title.id,
      engine: 'realdebrid',
    });
    expect(started.status).toBe(202);
    expect(started.body.download.engine).toBe('realdebrid');
    const done = await finished(started.body.download.id);
    // Only the film was selected on Real-Debrid, fetched, and recorded.
    expect(done.files.map((f) => f.path)).toEqual(['Debrid.Film.2021.1080p/Debrid.Film.2021.1080p.mkv']);
    const file = done.files[0]?.mediaFile;
    expect(file?.mediaId).toBe(title.id);
    expect(file?.videoCodec).toBe('H.264');
    expect(sha256(file?.path ?? '')).toBe(sha256(source));
    const [cached] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM debrid_cache
      WHERE info_hash = ${hash} AND expires_at > now()`;
    expect(cached?.n).toBe(1);
    // Real-Debrid's copy is let go once the film is on disk.
    expect(fake.listed()).not.toContain(fake.idOf(hash));
  });

  it('starts a dead Real-Debrid torrent again on BitTorrent when its owner allows it', {
    timeout: 60_000,
  }, async () => {
    const prefs = await call('PUT', '/downloads/preferences', { engine: 'realdebrid', debridFallback: true });
    expect(prefs.status).toBe(200);
    const title = await film('Dead On Debrid');
    const hash = `${'b'.repeat(39)}2`;
    const source = join(work, 'rd', 'dead.mkv');
    await writeRandomFile(source, 10_000);
    fake.torrent({
      hash,
      name: 'Dead.Film.2021',
      files: [{ path: '/Dead.Film.2021.mkv', source }],
      end: 'dead',
    });
    // No engine given: the owner's default (Real-Debrid).
    const started = await call<StartedDownload>('POST', '/downloads', {
      magnetUrl: `magnet:?xt=urn:btih:${hash}`,
      mediaId: title.id,
    });
    expect(started.body.download.engine).toBe('realdebrid');
    await eventually(async () => {
      const res = await call<DownloadDetail>('GET', `/downloads/${started.body.download.id}`);
      expect(res.body.engine).toBe('webtorrent');
      expect(['queued', 'metadata']).toContain(res.body.state);
    }, 45_000);
    await call('PUT', '/downloads/preferences', { engine: 'webtorrent', debridFallback: true });
  });
});

describe.each([
  ['qbittorrent', (home: string) => startQBittorrent(home)],
  ['transmission', (home: string) => startTransmission(home, join(home, 'downloads'))],
] as const)('%s through the stack', (name, start) => {
  let client: RunningClient;
  let folder: string;

  beforeAll(async () => {
    client = await start(join(work, `${name}-home`));
    clients.push(client);
    folder = join(info.dataDir, 'downloads', name);
    mkdirSync(folder, { recursive: true });
    const saved = await call('PUT', `/admin/download-clients/${name}`, {
      url: client.url,
      username: client.username,
      password: client.password,
      remotePath: folder,
      localPath: folder,
    });
    expect(saved.status).toBe(200);
    await eventually(async () => expect(await engineState(name)).toBe('ok'), 30_000);
  }, 90_000);

  it('downloads a film with the client and imports it into the library like its own engine', {
    timeout: 120_000,
  }, async () => {
    const title = await film(`Client Film ${name}`);
    const release = `Client.Film.${name}.2021.1080p`;
    const { made, video } = await seeded(release);
    const started = await call<StartedDownload>('POST', '/downloads', {
      magnetUrl: made.magnet,
      mediaId: title.id,
      engine: name,
    });
    expect(started.status).toBe(202);
    const done = await finished(started.body.download.id);
    expect(done.engine).toBe(name);
    const imported = done.files.find((f) => f.mediaFile)?.mediaFile;
    expect(imported?.mediaId).toBe(title.id);
    expect(imported?.path.startsWith(folder)).toBe(true);
    expect(sha256(imported?.path ?? '')).toBe(sha256(video));
  });

  it('says when the client is down, and follows it again when it is back', { timeout: 90_000 }, async () => {
    await client.kill();
    await eventually(async () => expect(await engineState(name)).toBe('unreachable'), 30_000);
    await client.restart();
    await eventually(async () => expect(await engineState(name)).toBe('ok'), 30_000);
  });
});
