import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { QBittorrent } from '@ctrl/qbittorrent';
import { Transmission } from '@ctrl/transmission';
import { parseConfig, type TorrentNodeConfig, TorrentNodeConfigSchema } from '@sokoul/contracts';
import type { StoredDownloadClient } from '@sokoul/db';
import parseTorrent from 'parse-torrent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExternalEngine } from '../torrent-node/src/downloads/clients/external.js';
import { QBittorrentEngine } from '../torrent-node/src/downloads/clients/qbittorrent.js';
import { TransmissionEngine } from '../torrent-node/src/downloads/clients/transmission.js';
import type { FileBytes } from '../torrent-node/src/downloads/engine.js';
import { DownloadFailure } from '../torrent-node/src/downloads/source.js';
import { eventually } from './helpers/api.js';
import {
  type Aria2Seeder,
  type MadeTorrent,
  makeTorrent,
  startAria2,
  startTracker,
  type Tracker,
  writeRandomFile,
} from './helpers/bittorrent.js';
import {
  type RunningClient,
  startQBittorrent,
  startQBittorrent5Facade,
  startTransmission,
} from './helpers/clients.js';
import { captureLogger } from './helpers/logger.js';

/**
 * The external download clients behind Sokoul's DownloadEngine, for real: qbittorrent-nox and
 * transmission-daemon on loopback with their own config folders and checked credentials, fed by
 * aria2c seeders (throttled where a test needs the download to take a while) through a local
 * tracker. Every claim of the engine is checked against the client's own API or the files on disk.
 */

const MiB = 1024 * 1024;
/** makeTorrent's piece length. */
const PIECE = 256 * 1024;

let work: string;
let downloads: string;
let tracker: Tracker;
const seeders: Aria2Seeder[] = [];
const running: RunningClient[] = [];
const engines: ExternalEngine[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The clients take their time: assertions are retried for 10 s unless told otherwise. */
const settled = (assertion: () => unknown, timeoutMs = 10_000) => eventually(assertion, timeoutMs, 200);

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const covers = (bytes: FileBytes | undefined, start: number, end: number) =>
  !!bytes?.ranges.some(([from, to]) => from <= start && to >= end);

interface Seeded extends MadeTorrent {
  /** The seeded files, by their path in the torrent. */
  source: (path: string) => string;
}

/** Files of random bytes in a torrent seeded by aria2c (`upload`: its upload limit, e.g. `400K`). */
async function seed(name: string, files: { path: string; size: number }[], upload?: string): Promise<Seeded> {
  const dir = join(work, 'seeds', randomUUID());
  for (const file of files) await writeRandomFile(join(dir, name, file.path), file.size);
  const made = await makeTorrent(dir, name, { announce: [tracker.announce] });
  seeders.push(await startAria2(made, upload ? { extra: [`--max-upload-limit=${upload}`] } : {}));
  return { ...made, source: (path) => join(dir, name, path) };
}

let config: TorrentNodeConfig;

/** What the client itself says about a torrent (the engine's claims are checked against it). */
interface ClientTorrentView {
  labels: string[];
  savePath: string;
  stopped: boolean;
  /** The client's all-time received bytes for the torrent. */
  downloaded: number;
  sequential: boolean;
  firstLast: boolean;
  wanted: boolean[];
}

interface ClientView {
  get(hash: string): Promise<ClientTorrentView | undefined>;
  count(hash: string): Promise<number>;
  remove(hash: string, withData: boolean): Promise<void>;
}

interface Kind {
  name: 'qbittorrent' | 'transmission';
  start(home: string, downloadDir: string): Promise<RunningClient>;
  engine(client: StoredDownloadClient): ExternalEngine;
  view(client: RunningClient): ClientView;
  /** Stops a magnet before any byte of its files (qBittorrent's stop condition). */
  stopsBeforeData: boolean;
  streaming: 'sequential' | 'none';
}

const log = captureLogger();

const KINDS: Kind[] = [
  {
    name: 'qbittorrent',
    start: (home) => startQBittorrent(home),
    engine: (client) => new QBittorrentEngine({ client, config, log }),
    stopsBeforeData: true,
    streaming: 'sequential',
    view(client) {
      const api = new QBittorrent({
        baseUrl: client.url,
        username: client.username,
        password: client.password,
      });
      return {
        async get(hash) {
          const [t] = await api.listTorrents({ hashes: hash });
          if (!t) return undefined;
          const files = await api.torrentFiles(hash);
          return {
            labels: t.category ? [t.category] : [],
            savePath: t.save_path,
            stopped: /^(paused|stopped)/.test(t.state),
            downloaded: t.downloaded,
            sequential: t.seq_dl,
            firstLast: t.f_l_piece_prio,
            wanted: files.map((f) => f.priority > 0),
          };
        },
        async count(hash) {
          return (await api.listTorrents()).filter((t) => t.hash === hash).length;
        },
        async remove(hash, withData) {
          await api.removeTorrent(hash, withData);
        },
      };
    },
  },
  {
    name: 'transmission',
    start: (home, downloadDir) => startTransmission(home, downloadDir),
    engine: (client) => new TransmissionEngine({ client, config, log }),
    stopsBeforeData: false,
    // Transmission 3.00 (the one installed) has no sequential mode.
    streaming: 'none',
    view(client) {
      const api = new Transmission({
        baseUrl: new URL(client.url).origin,
        path: '/transmission/rpc',
        username: client.username,
        password: client.password,
      });
      const get = async (args: Record<string, unknown>) => {
        const response = await api.request<{ arguments: { torrents: Record<string, unknown>[] } }>(
          'torrent-get',
          args,
        );
        return response._data?.arguments.torrents ?? [];
      };
      return {
        async get(hash) {
          const fields = ['labels', 'downloadDir', 'status', 'downloadedEver', 'wanted'];
          const [t] = await get({ ids: [hash], fields });
          if (!t) return undefined;
          return {
            labels: t.labels as string[],
            savePath: t.downloadDir as string,
            stopped: t.status === 0,
            downloaded: t.downloadedEver as number,
            sequential: false,
            firstLast: false,
            wanted: (t.wanted as number[]).map(Boolean),
          };
        },
        async count(hash) {
          return (await get({ fields: ['hashString'] })).filter((t) => t.hashString === hash).length;
        },
        async remove(hash, withData) {
          await api.request('torrent-remove', { ids: [hash], 'delete-local-data': withData });
        },
      };
    },
  },
];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sokoul-clients-'));
  downloads = join(work, 'downloads');
  mkdirSync(downloads, { recursive: true });
  config = parseConfig(TorrentNodeConfigSchema, {
    DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
    NATS_URL: 'nats://127.0.0.1:1',
    DOWNLOAD_DIR: downloads,
    INTERNAL_SIGNING_KEY: 'external-clients-test-key-0123456789abcdef',
  });
  tracker = await startTracker();
});

afterAll(async () => {
  await Promise.allSettled(engines.map((e) => e.destroy()));
  await Promise.allSettled(seeders.map((s) => s.kill()));
  await Promise.allSettled(running.map((c) => c.stop()));
  await tracker?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(KINDS)('$name', (kind) => {
  let client: RunningClient;
  let stored: StoredDownloadClient;
  let engine: ExternalEngine;
  let view: ClientView;
  let localPath: string;
  const done: string[] = [];
  const failures: { id: string; error: Error }[] = [];
  /** A complete download left for the removal test. */
  let finished: { id: string; hash: string; file: string } | undefined;

  const follow = (client: StoredDownloadClient) => {
    const created = kind.engine(client);
    engines.push(created);
    return created;
  };

  beforeAll(async () => {
    localPath = join(downloads, kind.name);
    mkdirSync(localPath, { recursive: true });
    client = await kind.start(join(work, `${kind.name}-home`), join(work, `${kind.name}-default`));
    running.push(client);
    stored = {
      name: kind.name,
      url: client.url,
      username: client.username,
      password: client.password,
      category: 'sokoul',
      // Same machine: the client sees the folder where torrent-node does.
      remotePath: localPath,
      localPath,
      enabled: true,
      updatedAt: new Date().toISOString(),
    };
    engine = follow(stored);
    engine.onDone((id) => done.push(id));
    engine.onError((id, error) => failures.push({ id, error }));
    view = kind.view(client);
    await settled(() => expect(engine.status()).toEqual({ state: 'ok', message: null }), 30_000);
  });

  it('adds a .torrent with its category, fetches the one file selected of two, to done, the exact bytes on disk', async () => {
    const pack = await seed('pack', [
      { path: 'extras.bin', size: 3 * MiB + 123 },
      { path: 'film.bin', size: 2 * MiB + 4567 },
    ]);
    const id = randomUUID();
    await engine.add(id, { torrentFile: pack.torrent }, engine.savePathFor(id));
    expect(engine.has(id)).toBe(true);
    // From a .torrent the files are known at once, as the client writes them.
    const meta = engine.metadata(id);
    expect(meta?.infoHash).toBe(pack.infoHash);
    expect(meta?.files).toEqual([
      { index: 0, path: 'pack/extras.bin', sizeBytes: 3 * MiB + 123 },
      { index: 1, path: 'pack/film.bin', sizeBytes: 2 * MiB + 4567 },
    ]);
    expect(meta?.torrentFile).toEqual(new Uint8Array(pack.torrent));
    const added = await view.get(pack.infoHash);
    expect(added?.labels).toEqual(['sokoul']);
    expect(added?.savePath).toBe(join(localPath, id));
    // Nothing runs before the files are chosen (once the client checked what is on disk).
    await settled(async () => expect((await view.get(pack.infoHash))?.stopped).toBe(true));

    await engine.selectFiles(id, [1]);
    expect((await view.get(pack.infoHash))?.wanted).toEqual([false, true]);
    await settled(() => expect(engine.stats(id)?.done).toBe(true), 60_000);
    expect(done).toContain(id);
    const stats = engine.stats(id);
    expect(stats).toMatchObject({ bytesDone: 2 * MiB + 4567, bytesTotal: 2 * MiB + 4567, done: true });
    const film = join(engine.savePathFor(id), 'pack/film.bin');
    expect(sha256(film)).toBe(sha256(pack.source('film.bin')));
    // The other file: at most the piece it shares with the film.
    expect(stats?.files[0]?.bytesDone).toBeLessThanOrEqual(PIECE);
    // The client's byte counter can trail its completion by a refresh (qBittorrent's once did).
    await settled(() => expect(engine.stats(id)?.received).toBeGreaterThanOrEqual(2 * MiB + 4567));
    finished = { id, hash: pack.infoHash, file: film };
  }, 90_000);

  it('adds a magnet: its files arrive and it waits stopped; torrent-node restarted adopts it, no duplicate', async () => {
    // create-torrent lists files by name: episode.bin is file 0.
    const magnet = await seed(
      'magnet',
      [
        { path: 'sample.bin', size: MiB + 99 },
        { path: 'episode.bin', size: 3 * MiB + 7 },
      ],
      '1M',
    );
    const first = follow(stored);
    await settled(() => expect(first.status().state).toBe('ok'));
    const id = randomUUID();
    await first.add(id, { magnet: magnet.magnet }, first.savePathFor(id));
    await settled(() => expect(first.metadata(id)).toBeDefined(), 60_000);
    const meta = first.metadata(id);
    expect(meta?.files.map((f) => f.path)).toEqual(['magnet/episode.bin', 'magnet/sample.bin']);
    if (kind.name === 'qbittorrent') {
      // qBittorrent exports the .torrent it resolved from the magnet.
      expect((await parseTorrent(meta?.torrentFile as Uint8Array)).infoHash).toBe(magnet.infoHash);
    } else expect(meta?.torrentFile).toBeNull();
    // It waits, stopped, for its files to be chosen.
    await settled(async () => expect((await view.get(magnet.infoHash))?.stopped).toBe(true));
    // qBittorrent stops before any data; Transmission is stopped by the poll as the files arrive.
    if (kind.stopsBeforeData) expect(first.stats(id)?.bytesDone).toBe(0);
    else expect(first.stats(id)?.bytesDone).toBeLessThan(4 * MiB + 106);
    expect(first.stats(id)?.done).toBe(false);
    // The same torrent for another download of this engine is refused.
    const other = randomUUID();
    const refused = first.add(other, { magnet: magnet.magnet }, first.savePathFor(other));
    await expect(refused).rejects.toMatchObject({ code: 'duplicate' });

    // torrent-node restarts: a new engine instance finds the torrent in the client and adopts it.
    await first.destroy();
    const second = follow(stored);
    await second.add(id, { magnet: magnet.magnet }, second.savePathFor(id));
    expect(await view.count(magnet.infoHash)).toBe(1);
    expect(second.metadata(id)?.files.map((f) => f.path)).toEqual([
      'magnet/episode.bin',
      'magnet/sample.bin',
    ]);
    await second.selectFiles(id, [0]);
    await settled(() => expect(second.stats(id)?.done).toBe(true), 60_000);
    expect(sha256(join(second.savePathFor(id), 'magnet/episode.bin'))).toBe(
      sha256(magnet.source('episode.bin')),
    );
    expect(await view.count(magnet.infoHash)).toBe(1);

    // Import done, the seeding goal is the client's: forgotten here, kept there with its files.
    await second.release(id);
    expect(second.has(id)).toBe(false);
    expect(await view.count(magnet.infoHash)).toBe(1);
    expect(existsSync(join(second.savePathFor(id), 'magnet/episode.bin'))).toBe(true);
  }, 120_000);

  it('pause moves no bytes; resume goes on to completion', async () => {
    const slow = await seed('slow', [{ path: 'slow.bin', size: 6 * MiB }], '400K');
    const id = randomUUID();
    await engine.add(id, { torrentFile: slow.torrent }, engine.savePathFor(id));
    await engine.selectFiles(id, [0]);
    await settled(() => expect(engine.stats(id)?.bytesDone).toBeGreaterThan(0), 30_000);
    await engine.pause(id);
    expect(engine.isPaused(id)).toBe(true);
    // Requests in flight land, then nothing moves.
    await sleep(2000);
    const paused = await view.get(slow.infoHash);
    expect(paused?.stopped).toBe(true);
    await sleep(3000);
    expect((await view.get(slow.infoHash))?.downloaded).toBe(paused?.downloaded);
    expect(engine.stats(id)?.downloadSpeed).toBe(0);
    expect(engine.stats(id)?.done).toBe(false);

    await engine.resume(id);
    expect(engine.isPaused(id)).toBe(false);
    await settled(() => expect(engine.stats(id)?.done).toBe(true), 60_000);
    expect(sha256(join(engine.savePathFor(id), 'slow/slow.bin'))).toBe(sha256(slow.source('slow.bin')));
    await engine.remove(id, true);
  }, 120_000);

  it('a read of bytes not yet on disk waits for their pieces, then gives exactly those bytes', async () => {
    const size = 8 * MiB;
    const film = await seed('stream', [{ path: 'stream.bin', size }], '300K');
    const id = randomUUID();
    await engine.add(id, { torrentFile: film.torrent }, engine.savePathFor(id));
    await engine.selectFiles(id, [0]);
    const start = MiB + 12_345;
    const end = 2 * MiB + 54_321;
    expect(covers(engine.availability(id, 0), start, end)).toBe(false);
    expect(engine.streaming).toBe(kind.streaming);

    const release = engine.prioritize(id, 0, { start, end, level: 'critical' });
    expect(engine.priorities(id)).toEqual([{ fileIndex: 0, start, end, level: 'critical' }]);
    if (kind.streaming === 'sequential')
      await settled(async () => {
        const asked = await view.get(film.infoHash);
        expect(asked?.sequential).toBe(true);
        expect(asked?.firstLast).toBe(true);
      });
    const stream = engine.createReadStream(id, 0, { start, end });
    expect(engine.openReads(id)).toBe(1);
    const bytes = await collect(stream);
    expect(bytes.equals(readFileSync(film.source('stream.bin')).subarray(start, end + 1))).toBe(true);
    expect(covers(engine.availability(id, 0), start, end)).toBe(true);
    await settled(() => expect(engine.openReads(id)).toBe(0));

    release();
    expect(engine.priorities(id)).toEqual([]);
    if (kind.streaming === 'sequential')
      await settled(async () => {
        const given = await view.get(film.infoHash);
        expect(given?.sequential).toBe(false);
        expect(given?.firstLast).toBe(false);
      }, 20_000);
    await engine.remove(id, true);
  }, 120_000);

  it('a torrent removed in the client fails its download (client_error) and ends its pending read', async () => {
    const gone = await seed('gone', [{ path: 'gone.bin', size: 4 * MiB }], '100K');
    const id = randomUUID();
    await engine.add(id, { torrentFile: gone.torrent }, engine.savePathFor(id));
    await engine.selectFiles(id, [0]);
    const stream = engine.createReadStream(id, 0, { start: 4 * MiB - 1000, end: 4 * MiB - 1 });
    const ended = new Promise<Error>((resolve) => stream.once('error', resolve));
    stream.resume();
    await view.remove(gone.infoHash, true);
    expect((await ended).message).toMatch(/no longer in/);
    await settled(() => expect(failures.map((f) => f.id)).toContain(id));
    const failure = failures.find((f) => f.id === id)?.error;
    expect(failure).toBeInstanceOf(DownloadFailure);
    expect((failure as DownloadFailure).code).toBe('client_error');
    await engine.remove(id, false);
    expect(engine.has(id)).toBe(false);
  }, 60_000);

  it('removing with data deletes the torrent and its files in the client', async () => {
    if (!finished) throw new Error('the first test left no finished download');
    expect(existsSync(finished.file)).toBe(true);
    await engine.remove(finished.id, true);
    expect(engine.has(finished.id)).toBe(false);
    await settled(async () => expect(await view.get(finished?.hash as string)).toBeUndefined());
    await settled(() => expect(existsSync(finished?.file as string)).toBe(false));
  }, 30_000);

  it('maps the path: the client saves where it sees the folder, Sokoul reads it under DOWNLOAD_DIR; removed without data, the files stay', async () => {
    // The client's view of the same folder under another name (another container's mount).
    const clientView = join(work, `${kind.name}-client-view`);
    symlinkSync(localPath, clientView);
    const mapped = follow({ ...stored, remotePath: clientView });
    await settled(() => expect(mapped.status().state).toBe('ok'));
    const small = await seed('mapped', [{ path: 'mapped.bin', size: MiB + 7 }]);
    const id = randomUUID();
    expect(mapped.savePathFor(id)).toBe(join(localPath, id));
    await mapped.add(id, { torrentFile: small.torrent }, mapped.savePathFor(id));
    expect((await view.get(small.infoHash))?.savePath).toBe(posix.join(clientView, id));
    await mapped.selectFiles(id, [0]);
    await settled(() => expect(mapped.stats(id)?.done).toBe(true), 60_000);
    expect(sha256(join(localPath, id, 'mapped/mapped.bin'))).toBe(sha256(small.source('mapped.bin')));
    // Removed without its data (a stalled or cancelled download): out of the client, files kept.
    await mapped.remove(id, false);
    expect(mapped.has(id)).toBe(false);
    await settled(async () => expect(await view.get(small.infoHash)).toBeUndefined());
    expect(sha256(join(localPath, id, 'mapped/mapped.bin'))).toBe(sha256(small.source('mapped.bin')));
  }, 90_000);

  // Only 4.5.2 is installed: 5.x's renames are emulated in front of it (see the facade).
  it.runIf(kind.name === 'qbittorrent')(
    'speaks 5.x to a qBittorrent on WebUI API 2.11: stop/start, `stopped`, the stopped* states',
    async () => {
      const facade = await startQBittorrent5Facade(client.url);
      const five = follow({ ...stored, url: facade.url });
      await settled(() => expect(five.status().state).toBe('ok'));
      const seeded = await seed('five', [{ path: 'five.bin', size: 3 * MiB }], '500K');
      const id = randomUUID();
      await five.add(id, { torrentFile: seeded.torrent }, five.savePathFor(id));
      await settled(async () => expect((await view.get(seeded.infoHash))?.stopped).toBe(true));
      await five.selectFiles(id, [0]);
      await settled(() => expect(five.stats(id)?.bytesDone).toBeGreaterThan(0), 30_000);
      await five.pause(id);
      await settled(async () => expect((await view.get(seeded.infoHash))?.stopped).toBe(true));
      expect(five.stats(id)?.downloadSpeed).toBe(0);
      await five.resume(id);
      await settled(() => expect(five.stats(id)?.done).toBe(true), 60_000);
      expect(sha256(join(five.savePathFor(id), 'five/five.bin'))).toBe(sha256(seeded.source('five.bin')));
      expect(facade.seen).toContain('POST /api/v2/torrents/stop');
      expect(facade.seen).toContain('POST /api/v2/torrents/start');
      expect(facade.seen).not.toContain('POST /api/v2/torrents/pause');
      expect(facade.seen).not.toContain('POST /api/v2/torrents/resume');
      expect(facade.stoppedFields).toBe(1);
      expect(facade.pausedFields).toBe(0);
      await five.remove(id, true);
      await five.destroy();
      await facade.close();
    },
    90_000,
  );

  it('the client killed mid-download: unreachable meanwhile, followed again to completion once back', async () => {
    const crash = await seed('crash', [{ path: 'crash.bin', size: 8 * MiB }], '500K');
    const id = randomUUID();
    await engine.add(id, { torrentFile: crash.torrent }, engine.savePathFor(id));
    await engine.selectFiles(id, [0]);
    await settled(() => expect(engine.stats(id)?.bytesDone).toBeGreaterThan(0), 30_000);
    await client.kill();
    await settled(() => expect(engine.status().state).toBe('unreachable'), 20_000);
    expect(engine.status().message).toMatch(/does not answer/);
    // The last figures stay, nothing moves meanwhile.
    expect(engine.has(id)).toBe(true);
    expect(engine.stats(id)?.bytesDone).toBeGreaterThan(0);
    expect(engine.stats(id)?.downloadSpeed).toBe(0);

    await client.restart();
    await settled(() => expect(engine.status()).toEqual({ state: 'ok', message: null }), 30_000);
    await settled(() => expect(engine.stats(id)?.done).toBe(true), 90_000);
    expect(sha256(join(engine.savePathFor(id), 'crash/crash.bin'))).toBe(sha256(crash.source('crash.bin')));
    expect(failures.map((f) => f.id)).not.toContain(id);
    await engine.remove(id, true);
  }, 180_000);

  it('wrong credentials: unauthorized, said so, and nothing crashes', async () => {
    const wrong = follow({ ...stored, password: 'not-the-password' });
    await settled(() => expect(wrong.status().state).toBe('unauthorized'), 15_000);
    expect(wrong.status().message).toMatch(/username or password/);
    const id = randomUUID();
    await expect(
      wrong.add(id, { magnet: `magnet:?xt=urn:btih:${'ab'.repeat(20)}` }, wrong.savePathFor(id)),
    ).rejects.toThrow();
    expect(wrong.status().state).toBe('unauthorized');
    expect(wrong.has(id)).toBe(false);
    await wrong.destroy();
    // The right credentials still work.
    expect(engine.status().state).toBe('ok');
  }, 30_000);
});
