import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import {
  type ClientRequest,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
} from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  FileAvailability,
  FileProbe,
  InternalSubtitleList,
  internalToken,
  parseConfig,
  signStream,
  TorrentNodeConfigSchema,
} from '@sokoul/contracts';
import { createDownload, insertFile, recordMetadata, setEngineState } from '@sokoul/db';
import type { postgresDb } from '@sokoul/db/postgres';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../launcher/src/ports.js';
import { checkTorrentFile } from '../torrent-node/src/downloads/source.js';
import { WebTorrentEngine } from '../torrent-node/src/downloads/webtorrent.js';
import { type StreamServer, startStreamServer } from '../torrent-node/src/streaming/server.js';
import { StreamError, type SubtitleService } from '../torrent-node/src/streaming/types.js';
import {
  type Aria2Seeder,
  createFilm,
  createUser,
  makeTorrent,
  startAria2,
  startTracker,
  type Tracker,
  writeRandomFile,
  writeVideo,
} from './helpers/bittorrent.js';
import { captureLogger } from './helpers/logger.js';
import { dropTestDatabase, migratedDatabase } from './helpers/stack.js';

/**
 * torrent-node's stream server in this process, on a fresh database: real files on disk (random
 * bytes and ffmpeg-made videos), a real download from an aria2c seeder throttled on loopback, real
 * ffmpeg remuxes read back with ffprobe.
 */

const run = promisify(execFile);
const MiB = 1024 * 1024;
const KEY = 'stream-signing-key-for-tests-0123456789abcdef';

let databaseUrl: string;
let sql: postgres.Sql;
let db: ReturnType<typeof postgresDb>;
let work: string;
let downloadDir: string;
let libraryDir: string;
let outsideDir: string;
let engine: WebTorrentEngine;
let tracker: Tracker | undefined;
const seeders: Aria2Seeder[] = [];
let server: StreamServer;
const servers: StreamServer[] = [];
const logs = captureLogger();
let userId: string;
let otherUserId: string;
let mediaId: string;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A subtitle service of the interface's shape: embedded tracks from the probe, one WebVTT. */
const subtitles: SubtitleService = {
  async list(_file, probe) {
    return (probe?.subtitleTracks ?? []).map((t) => ({
      id: `e-${t.index}`,
      source: 'embedded' as const,
      language: t.language,
      label: t.title,
      format: t.codec ?? 'unknown',
      forced: t.forced,
      hearingImpaired: false,
      convertible: true,
    }));
  },
  async vtt(_file, trackId, probe) {
    if (!probe?.subtitleTracks.some((t) => `e-${t.index}` === trackId))
      throw new StreamError(404, 'not_found', 'Subtitle not found');
    return 'WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n';
  },
  async search() {
    return { candidates: [], quota: null };
  },
  async download() {
    throw new StreamError(503, 'subtitles_not_configured', 'OpenSubtitles is not configured');
  },
  quota: () => null,
};

async function startServer(env: Record<string, string>, port = 0): Promise<StreamServer> {
  const config = parseConfig(TorrentNodeConfigSchema, {
    DATABASE_URL: databaseUrl,
    NATS_URL: 'nats://127.0.0.1:4222',
    DOWNLOAD_DIR: downloadDir,
    LIBRARY_DIR: libraryDir,
    INTERNAL_SIGNING_KEY: KEY,
    CACHE_DIR: join(work, 'cache'),
    STREAM_READAHEAD_MB: '4',
    STREAM_IDLE_SECONDS: '60',
    TRANSCODE_CONCURRENCY: '1',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const started = await startStreamServer({
    host: '127.0.0.1',
    port,
    db,
    engine,
    config,
    log: logs,
    subtitles,
  });
  servers.push(started);
  return started;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request with its path sent as written (fetch would resolve `..` before sending). */
function call(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; port?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: opts.port ?? server.port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A request whose answer the test reads (or not) itself. */
function open(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => resolve({ req, res }));
    req.on('error', reject);
    req.end();
  });
}

const errorCode = (reply: Reply) =>
  (JSON.parse(reply.body.toString()) as { error: { code: string } }).error.code;

async function signed(fileId: string, route = 'stream', opts: { user?: string; exp?: number } = {}) {
  const query = await signStream(KEY, {
    fileId,
    userId: opts.user ?? userId,
    exp: opts.exp ?? Math.floor(Date.now() / 1000) + 600,
  });
  return `/files/${fileId}/${route}?${query}`;
}

let bearer: string;
const internal = (path: string, port = server.port) =>
  call(path, { headers: { authorization: bearer }, port });

async function libraryFile(path: string): Promise<string> {
  const file = await insertFile(db, mediaId, { path, sizeBytes: statSync(path).size, origin: 'import' });
  return file.id;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sokoul-stream-'));
  downloadDir = join(work, 'downloads');
  libraryDir = join(work, 'library');
  outsideDir = join(work, 'outside');
  for (const dir of [downloadDir, libraryDir, outsideDir]) mkdirSync(dir, { recursive: true });
  ({ url: databaseUrl, sql, db } = await migratedDatabase('sokoul_stream'));
  userId = await createUser(sql);
  otherUserId = await createUser(sql);
  mediaId = await createFilm(sql);
  engine = new WebTorrentEngine({
    downloadDir,
    port: 0,
    dht: false,
    pex: false,
    trackers: true,
    lsd: false,
    utp: false,
    limits: { downloadLimit: 0, uploadLimit: 0 },
    log: captureLogger(),
  });
  server = await startServer({});
  bearer = `Bearer ${await internalToken(KEY)}`;
});

afterAll(async () => {
  for (const s of servers) await s.close().catch(() => undefined);
  await engine?.destroy();
  for (const seeder of seeders) await seeder.kill();
  await tracker?.close();
  await sql?.end({ timeout: 2 });
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  rmSync(work, { recursive: true, force: true });
});

describe('range semantics on a complete file', () => {
  let id: string;
  let bytes: Buffer;
  let size: number;
  let etag: string;
  let lastModified: string;

  beforeAll(async () => {
    const path = join(libraryDir, 'Film (2020)', 'Film.2020.mp4');
    await writeRandomFile(path, 3 * MiB + 123);
    bytes = readFileSync(path);
    size = bytes.length;
    id = await libraryFile(path);
  });

  it('answers the whole file with its validators, type and cache policy', async () => {
    const reply = await call(await signed(id));
    expect(reply.status).toBe(200);
    expect(sha256(reply.body)).toBe(sha256(bytes));
    expect(reply.headers['content-length']).toBe(String(size));
    expect(reply.headers['accept-ranges']).toBe('bytes');
    expect(reply.headers['content-type']).toBe('video/mp4');
    expect(reply.headers['cache-control']).toBe('private');
    etag = reply.headers.etag ?? '';
    lastModified = reply.headers['last-modified'] ?? '';
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(Date.parse(lastModified)).toBe(
      Math.floor(statSync(join(libraryDir, 'Film (2020)', 'Film.2020.mp4')).mtimeMs / 1000) * 1000,
    );
  });

  it('answers a range, a suffix range, an open range and a range past the end with exactly those bytes', async () => {
    const url = await signed(id);
    const cases: [string, number, number][] = [
      ['bytes=1000-1999', 1000, 1999],
      ['bytes=0-0', 0, 0],
      ['bytes=-500', size - 500, size - 1],
      [`bytes=${size - 1000}-`, size - 1000, size - 1],
      [`bytes=${MiB}-${size + 5000}`, MiB, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const reply = await call(url, { headers: { range } });
      expect(reply.status, range).toBe(206);
      expect(reply.headers['content-range'], range).toBe(`bytes ${start}-${end}/${size}`);
      expect(reply.headers['content-length'], range).toBe(String(end - start + 1));
      expect(sha256(reply.body), range).toBe(sha256(bytes.subarray(start, end + 1)));
    }
  });

  it('refuses an unsatisfiable range with 416 and Content-Range bytes */size', async () => {
    const reply = await call(await signed(id), { headers: { range: `bytes=${size}-` } });
    expect(reply.status).toBe(416);
    expect(reply.headers['content-range']).toBe(`bytes */${size}`);
    expect(errorCode(reply)).toBe('range_not_satisfiable');
  });

  it('merges touching ranges, answers the whole file for ranges apart, ignores a malformed one', async () => {
    const url = await signed(id);
    const touching = await call(url, { headers: { range: 'bytes=0-9,10-19' } });
    expect(touching.status).toBe(206);
    expect(touching.headers['content-range']).toBe(`bytes 0-19/${size}`);
    for (const range of ['bytes=0-9,100-109', 'bytes=abc', 'items=0-9']) {
      const reply = await call(url, { headers: { range } });
      expect(reply.status, range).toBe(200);
      expect(reply.body.length, range).toBe(size);
    }
  });

  it('HEAD gives the headers of the same GET and no body', async () => {
    const url = await signed(id);
    const whole = await call(url, { method: 'HEAD' });
    expect(whole.status).toBe(200);
    expect(whole.headers['content-length']).toBe(String(size));
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.headers.etag).toBe(etag);
    expect(whole.body.length).toBe(0);
    const part = await call(url, { method: 'HEAD', headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-19/${size}`);
    expect(part.headers['content-length']).toBe('10');
    expect(part.body.length).toBe(0);
  });

  it('If-Range: the same ETag or date keeps the range, another one gets the whole file', async () => {
    const url = await signed(id);
    const range = 'bytes=100-199';
    const same = await call(url, { headers: { range, 'if-range': etag } });
    expect(same.status).toBe(206);
    expect(sha256(same.body)).toBe(sha256(bytes.subarray(100, 200)));
    const sameDate = await call(url, { headers: { range, 'if-range': lastModified } });
    expect(sameDate.status).toBe(206);
    for (const ifRange of [
      '"another-version"',
      `W/${etag}`,
      new Date(Date.parse(lastModified) - 60_000).toUTCString(),
    ]) {
      const reply = await call(url, { headers: { range, 'if-range': ifRange } });
      expect(reply.status, ifRange).toBe(200);
      expect(sha256(reply.body), ifRange).toBe(sha256(bytes));
    }
  });

  it('names the Content-Type by container', async () => {
    const types: Record<string, string> = {
      mkv: 'video/x-matroska',
      webm: 'video/webm',
      avi: 'video/x-msvideo',
      mov: 'video/quicktime',
      ts: 'video/mp2t',
      m2ts: 'video/mp2t',
      m4v: 'video/mp4',
      wmv: 'application/octet-stream',
    };
    for (const [extension, type] of Object.entries(types)) {
      const path = join(libraryDir, 'types', `clip.${extension}`);
      await writeRandomFile(path, 1000);
      const reply = await call(await signed(await libraryFile(path)), { method: 'HEAD' });
      expect(reply.status, extension).toBe(200);
      expect(reply.headers['content-type'], extension).toBe(type);
    }
  });

  it('answers availability of a complete file as one range', async () => {
    const reply = await internal(`/internal/files/${id}/availability`);
    expect(reply.status).toBe(200);
    const body = FileAvailability.parse(JSON.parse(reply.body.toString()));
    expect(body).toEqual({
      fileId: id,
      sizeBytes: size,
      complete: true,
      ranges: [[0, size - 1]],
      downloadSpeed: 0,
    });
  });
});

describe('signatures and internal tokens', () => {
  let id: string;
  let otherId: string;

  beforeAll(async () => {
    const path = join(libraryDir, 'signed', 'a.mkv');
    await writeRandomFile(path, 4096);
    id = await libraryFile(path);
    const other = join(libraryDir, 'signed', 'b.mkv');
    await writeRandomFile(other, 4096);
    otherId = await libraryFile(other);
  });

  it('serves a good signature and refuses a forged, expired, another file’s or another user’s one', async () => {
    const good = await signed(id);
    expect((await call(good)).status).toBe(200);
    const sig = new URL(good, 'http://x').searchParams.get('sig') ?? '';
    const flipped = `${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
    const forged = good.replace(`sig=${sig}`, `sig=${flipped}`);
    // The last character's two low bits are spare: another spelling of the same bytes is refused too.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(sig.slice(-1));
    const respelled = good.replace(`sig=${sig}`, `sig=${sig.slice(0, -1)}${alphabet[last ^ 1]}`);
    const expired = await signed(id, 'stream', { exp: Math.floor(Date.now() / 1000) - 1 });
    const otherFiles = (await signed(otherId)).replace(`/files/${otherId}/`, `/files/${id}/`);
    const otherUser = good.replace(`u=${userId}`, `u=${otherUserId}`);
    const cases: [string, string][] = [
      [forged, 'invalid_signature'],
      [respelled, 'invalid_signature'],
      [expired, 'signature_expired'],
      [otherFiles, 'invalid_signature'],
      [otherUser, 'invalid_signature'],
    ];
    for (const [url, code] of cases) {
      const reply = await call(url);
      expect(reply.status, url).toBe(403);
      expect(errorCode(reply), url).toBe(code);
    }
    for (const route of ['remux', 'subtitles/e-2']) {
      const reply = await call(forged.replace('/stream?', `/${route}?`));
      expect(reply.status, route).toBe(403);
    }
  });

  it('refuses a missing or malformed signature with 400', async () => {
    for (const url of [`/files/${id}/stream`, `/files/${id}/stream?u=${userId}&exp=abc&sig=x`]) {
      const reply = await call(url);
      expect(reply.status, url).toBe(400);
      expect(errorCode(reply), url).toBe('validation_failed');
    }
  });

  it('internal routes want the internal token: none is 401, a wrong one 403', async () => {
    const path = `/internal/files/${id}/availability`;
    expect((await call(path)).status).toBe(401);
    const wrong = await call(path, {
      headers: { authorization: `Bearer ${await internalToken('another-key-0123456789abcdef0123')}` },
    });
    expect(wrong.status).toBe(403);
    expect((await internal(path)).status).toBe(200);
  });
});

describe('who is watching', () => {
  it('counts a user and a file once however many ranges it reads, and forgets an idle one', async () => {
    const path = join(libraryDir, 'watching', 'w.mkv');
    await writeRandomFile(path, 64 * 1024);
    const id = await libraryFile(path);
    const watched = await startServer({ STREAM_IDLE_SECONDS: '1' });
    const read = async (url: string, range: string) =>
      (await call(url, { headers: { range }, port: watched.port })).status;
    expect(watched.activeStreams()).toBe(0);
    const mine = await signed(id);
    expect(await read(mine, 'bytes=0-99')).toBe(206);
    expect(await read(mine, 'bytes=100-199')).toBe(206);
    expect(watched.activeStreams()).toBe(1);
    expect(await read(await signed(id, 'stream', { user: otherUserId }), 'bytes=0-9')).toBe(206);
    expect(watched.activeStreams()).toBe(2);
    // A refused signature is nobody watching.
    expect(await read(`${mine.slice(0, -4)}AAAA`, 'bytes=0-9')).toBe(403);
    expect(watched.activeStreams()).toBe(2);
    await new Promise((r) => setTimeout(r, 1200));
    expect(watched.activeStreams()).toBe(0);
  });
});

describe('closing (SIGTERM)', () => {
  /** Reads the first chunk, then holds the rest until `go` resolves; all the bytes, or the error. */
  async function slowRead(port: number, path: string, go: Promise<void>) {
    const { res } = await open(port, path, {});
    const chunks: Buffer[] = [];
    const first = await new Promise<Buffer>((resolve) =>
      res.once('data', (chunk: Buffer) => {
        res.pause();
        resolve(chunk);
      }),
    );
    chunks.push(first);
    return {
      res,
      rest: (async () => {
        await go;
        return new Promise<{ body: Buffer; complete: boolean }>((resolve) => {
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ body: Buffer.concat(chunks), complete: res.complete }));
          res.on('error', () => resolve({ body: Buffer.concat(chunks), complete: false }));
          res.on('close', () => resolve({ body: Buffer.concat(chunks), complete: res.complete }));
          res.resume();
        });
      })(),
    };
  }

  it('lets a stream in flight finish within the grace, refuses new ones, and cuts what outlasts it', async () => {
    const path = join(libraryDir, 'closing', 'c.mkv');
    await writeRandomFile(path, 24 * 1024 * 1024);
    const bytes = readFileSync(path);
    const id = await libraryFile(path);

    const draining = await startServer({});
    let go!: () => void;
    const reading = await slowRead(draining.port, await signed(id), new Promise((r) => (go = r)));
    const closed = draining.close(30_000);
    await new Promise((r) => setTimeout(r, 300));
    // Closing: no new connection is taken while the first read goes on.
    await expect(call(await signed(id), { port: draining.port })).rejects.toThrow(/ECONNREFUSED/);
    go();
    const { body, complete } = await reading.rest;
    expect(complete).toBe(true);
    expect(sha256(body)).toBe(sha256(bytes));
    await closed;

    // A reader that does not go on within the grace is cut (close() resolves only then): what it
    // reads afterwards is what was in flight, never the whole file.
    const cutting = await startServer({});
    let late!: () => void;
    const held = await slowRead(cutting.port, await signed(id), new Promise((r) => (late = r)));
    await cutting.close(200);
    late();
    const partial = await held.rest;
    expect(partial.complete).toBe(false);
    expect(partial.body.length).toBeLessThan(bytes.length);
  });
});

describe('a stream port already taken', () => {
  it('costs streaming until the port is free, then the server listens there', async () => {
    const [port] = (await freePorts(1)) as [number];
    const squatter = createServer((_req, res) => res.writeHead(418).end());
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    const from = logs.lines.length;
    const late = await startServer({}, port);
    const failed = logs.lines
      .slice(from)
      .find((line) => line.msg.startsWith('the stream server cannot listen'));
    expect(failed?.level).toBe('error');
    expect((await call('/files/x/stream', { port })).status).toBe(418);
    await new Promise((resolve) => squatter.close(resolve));
    // Retried in the background: the unsigned request is now the stream server's own refusal.
    const reply = await until('the stream server on its port', () =>
      call('/files/x/stream', { port }).catch(() => undefined),
    );
    expect(reply.status).toBe(404);
    expect(errorCode(reply)).toBe('not_found');
    expect(late.port).toBe(port);
  });
});

describe('ids, paths and media folders', () => {
  it('answers 404 for ids that are not UUIDs, whatever they try, even signed', async () => {
    const ids = ['../etc/passwd', '..%2f..%2fetc%2fpasswd', '%2e%2e', '..', 'not-a-uuid', '1', ''];
    for (const id of ids) {
      const query = await signStream(KEY, { fileId: id, userId, exp: Math.floor(Date.now() / 1000) + 600 });
      const reply = await call(`/files/${id}/stream?${query}`);
      expect(reply.status, id).toBe(404);
      expect(errorCode(reply), id).toBe('not_found');
    }
    const traversal = await call(`/files/../internal/files/${crypto.randomUUID()}/probe`);
    expect(traversal.status).toBe(404);
    expect((await call(await signed(crypto.randomUUID()))).status).toBe(404);
    expect((await internal(`/internal/files/..%2f${crypto.randomUUID()}/probe`)).status).toBe(404);
  });

  it('refuses a row pointing outside the media folders, and a symlink inside them pointing out', async () => {
    const outside = join(outsideDir, 'secret.mkv');
    await writeRandomFile(outside, 2048);
    const inLibrary = join(libraryDir, 'links', 'inside.mkv');
    await writeRandomFile(inLibrary, 2048);
    const linkOut = join(downloadDir, 'link-out.mkv');
    symlinkSync('/etc/hostname', linkOut);
    const dirLink = join(libraryDir, 'dir-out');
    symlinkSync(outsideDir, dirLink);
    const refused = [
      await libraryFile('/etc/hostname'),
      await libraryFile(outside),
      await libraryFile(linkOut),
      await libraryFile(join(dirLink, 'secret.mkv')),
      // Not normalised here: the server resolves the `..` itself.
      await libraryFile(`${libraryDir}/../outside/secret.mkv`),
    ];
    for (const id of refused) {
      const reply = await call(await signed(id));
      expect(reply.status, id).toBe(403);
      expect(errorCode(reply), id).toBe('outside_media_folders');
      expect((await internal(`/internal/files/${id}/probe`)).status, id).toBe(403);
    }
    // A symlink that stays inside the media folders is fine.
    const linkIn = join(downloadDir, 'link-in.mkv');
    symlinkSync(inLibrary, linkIn);
    const allowed = await call(await signed(await libraryFile(linkIn)));
    expect(allowed.status).toBe(200);
    expect(sha256(allowed.body)).toBe(sha256(readFileSync(inLibrary)));
  });
});

describe('probe, remux and transcode with ffmpeg', () => {
  let mkv: string;
  let mp4: string;
  const SECONDS = 10;

  beforeAll(async () => {
    const mkvPath = join(libraryDir, 'Remux', 'film.mkv');
    mkdirSync(join(libraryDir, 'Remux'), { recursive: true });
    const srt = join(work, 'sub.srt');
    writeFileSync(srt, '1\n00:00:00,500 --> 00:00:02,000\nBonjour\n\n');
    // H.264 with a keyframe every second, AC3 audio, an SRT track: what browsers cannot play as is.
    await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc=duration=${SECONDS}:size=320x240:rate=25`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:duration=${SECONDS}`,
      '-i',
      srt,
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-map',
      '2:s',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '25',
      '-c:a',
      'ac3',
      '-c:s',
      'srt',
      '-metadata:s:s:0',
      'language=fre',
      mkvPath,
    ]);
    mkv = await libraryFile(mkvPath);
    const mp4Path = join(libraryDir, 'Remux', 'film.mp4');
    await writeVideo(mp4Path, 2);
    mp4 = await libraryFile(mp4Path);
  }, 60_000);

  it('probes with ffprobe codec names and container families', async () => {
    const reply = await internal(`/internal/files/${mkv}/probe`);
    expect(reply.status).toBe(200);
    const probe = FileProbe.parse(JSON.parse(reply.body.toString()));
    expect(probe.container).toBe('matroska');
    expect(probe.videoCodec).toBe('h264');
    expect(probe.videoBitDepth).toBe(8);
    expect(probe.durationSeconds).toBeCloseTo(SECONDS, 0);
    expect(probe.audioTracks.map((t) => [t.codec, t.index])).toEqual([['ac3', 0]]);
    expect(probe.subtitleTracks.map((t) => [t.codec, t.index, t.language])).toEqual([['subrip', 2, 'fre']]);
    const other = FileProbe.parse(
      JSON.parse((await internal(`/internal/files/${mp4}/probe`)).body.toString()),
    );
    expect([other.container, other.videoCodec, other.audioTracks[0]?.codec]).toEqual(['mp4', 'h264', 'aac']);
  });

  it('mounts the subtitle service: the internal list and a signed WebVTT', async () => {
    const list = InternalSubtitleList.parse(
      JSON.parse((await internal(`/internal/files/${mkv}/subtitles`)).body.toString()),
    );
    expect(list.tracks.map((t) => t.id)).toEqual(['e-2']);
    const vtt = await call(await signed(mkv, 'subtitles/e-2'));
    expect(vtt.status).toBe(200);
    expect(vtt.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(vtt.body.toString()).toContain('Bonjour');
    expect((await call(await signed(mkv, 'subtitles/..%2f..%2fetc'))).status).toBe(404);
    expect((await call(await signed(mkv, 'subtitles/e-9'))).status).toBe(404);
    expect((await internal(`/internal/files/${mkv}/subtitles/search?languages=fr,en`)).status).toBe(200);
    expect((await internal(`/internal/files/${mkv}/subtitles/search?languages=french`)).status).toBe(400);
    const post = (body: string) =>
      call(`/internal/files/${mkv}/subtitles`, { method: 'POST', headers: { authorization: bearer }, body });
    expect((await post('{"providerFileId":')).status).toBe(400);
    expect((await post('{"providerFileId":-1}')).status).toBe(400);
    // The service's own answer goes through with its status.
    const answered = await post('{"providerFileId":42}');
    expect([answered.status, errorCode(answered)]).toEqual([503, 'subtitles_not_configured']);
  });

  async function remuxed(query: string): Promise<{ path: string; body: Buffer; reply: Reply }> {
    const reply = await call(`${await signed(mkv, 'remux')}&${query}`);
    const path = join(work, `remux-${crypto.randomUUID()}.mp4`);
    writeFileSync(path, reply.body);
    return { path, body: reply.body, reply };
  }

  async function ffprobe(path: string, ...args: string[]) {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', ...args, path]);
    return JSON.parse(stdout) as {
      format?: { format_name?: string };
      streams?: { codec_type: string; codec_name: string }[];
      packets?: { pts_time?: string }[];
    };
  }

  const videoTimes = async (path: string) =>
    ((await ffprobe(path, '-select_streams', 'v:0', '-show_entries', 'packet=pts_time')).packets ?? []).map(
      (p) => Number(p.pts_time),
    );

  it('remuxes H.264 + AC3 into fragmented MP4 with AAC audio', async () => {
    const { path, body, reply } = await remuxed('acodec=aac');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('video/mp4');
    expect(reply.headers['content-length']).toBeUndefined();
    // Fragmented: a movie extends box, movie fragments.
    expect(body.includes('mvex')).toBe(true);
    expect(body.includes('moof')).toBe(true);
    const out = await ffprobe(path, '-show_format', '-show_streams');
    expect(out.format?.format_name).toContain('mp4');
    expect(out.streams?.map((s) => [s.codec_type, s.codec_name])).toEqual([
      ['video', 'h264'],
      ['audio', 'aac'],
    ]);
    const times = await videoTimes(path);
    expect(Math.min(...times)).toBeCloseTo(0, 1);
    expect(Math.max(...times)).toBeGreaterThan(SECONDS - 1);
    const stopped = await until('the stop logged', () =>
      logs.lines.find((l) => l.msg === 'remux stopped' && l.fields.reason === 'end of file'),
    );
    expect(stopped.fields.outTimeSeconds).toBeGreaterThan(SECONDS - 1);
  });

  it('starts at `start`: the output clock is 0 there and lasts the rest', async () => {
    const start = 4;
    const { path, reply } = await remuxed(`start=${start}&acodec=copy`);
    expect(reply.status).toBe(200);
    const out = await ffprobe(path, '-show_streams');
    expect(out.streams?.map((s) => s.codec_name)).toEqual(['h264', 'ac3']);
    // Copied video leads in from the keyframe before `start` (under a second here), before 0.
    const times = await videoTimes(path);
    expect(Math.min(...times)).toBeLessThanOrEqual(0);
    expect(Math.min(...times)).toBeGreaterThan(-1.05);
    expect(Math.max(...times)).toBeCloseTo(SECONDS - start, 0);
  });

  it('refuses a bad query and an audio track the file does not have', async () => {
    for (const query of ['start=abc', 'mode=fast', 'acodec=dts', 'audio=3']) {
      const reply = await call(`${await signed(mkv, 'remux')}&${query}`);
      expect(reply.status, query).toBe(400);
    }
  });

  it('transcodes at most TRANSCODE_CONCURRENCY at once (429 beyond) and kills ffmpeg when the client goes', async () => {
    // Noise does not compress: a paused client keeps this transcode running (its output fills the pipes).
    const noisePath = join(libraryDir, 'Remux', 'noise.mkv');
    await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'yuv420p',
      '-s',
      '320x240',
      '-r',
      '25',
      '-i',
      '/dev/urandom',
      '-t',
      '20',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      noisePath,
    ]);
    const noise = await libraryFile(noisePath);
    const url = `${await signed(noise, 'remux')}&mode=transcode`;
    const first = await open(server.port, url, {});
    expect(first.res.statusCode).toBe(200);
    first.res.pause();
    const busy = await call(url);
    expect(busy.status).toBe(429);
    expect(errorCode(busy)).toBe('transcode_busy');
    expect(busy.headers['retry-after']).toBe('10');
    // A remux is not limited.
    expect((await call(`${await signed(mkv, 'remux')}&mode=remux`)).status).toBe(200);
    first.req.destroy();
    await until('ffmpeg killed', () =>
      logs.lines.some((l) => l.msg === 'remux stopped' && l.fields.reason === 'client closed'),
    );
    const again = await open(server.port, url, {});
    expect(again.res.statusCode).toBe(200);
    again.req.destroy();
  }, 60_000);
});

/**
 * `dir/name` seeded by aria2c at `limit` per second, and downloading in the engine: the rows the
 * manager would have written (recordMetadata), then the torrent added. Answers the file ids by index.
 */
async function seededDownload(dir: string, name: string, limit: string, pieceLength: number) {
  tracker ??= await startTracker();
  const made = await makeTorrent(dir, name, { announce: [tracker.announce], pieceLength });
  seeders.push(await startAria2(made, { extra: [`--max-upload-limit=${limit}`] }));
  const created = await createDownload(db, {
    userId,
    mediaId,
    season: null,
    episode: null,
    name,
    infoHash: made.infoHash,
    magnetUrl: made.magnet,
    torrentUrl: null,
    searchId: null,
    resultId: null,
  });
  if (created === 'taken') throw new Error('the torrent is taken');
  const downloadId = created.download.id;
  const savePath = join(downloadDir, downloadId);
  const checked = await checkTorrentFile(made.torrent);
  await recordMetadata(db, downloadId, {
    infoHash: made.infoHash,
    name,
    torrentFile: Buffer.from(made.torrent).toString('base64'),
    bytesTotal: checked.bytesTotal,
    savePath,
    files: checked.files,
  });
  await setEngineState(db, downloadId, { state: 'downloading', started: true }, ['queued']);
  const rows = await sql<{ id: string }[]>`
    SELECT id FROM download_files WHERE download_id = ${downloadId} ORDER BY file_index`;
  await engine.add(downloadId, { torrentFile: made.torrent }, savePath);
  return { downloadId, fileIds: rows.map((r) => r.id) };
}

describe('a file still downloading, read through its internal URL', () => {
  it('is probed and remuxed by ffmpeg through the waiting reads of the stream server', async () => {
    const dir = join(work, 'seed-clip');
    await writeVideo(join(dir, 'Clip', 'clip.mp4'), 4);
    // 16 KiB pieces at 32 KiB/s: the MP4's index (its moov, at the end) is seconds away.
    const { downloadId, fileIds } = await seededDownload(dir, 'Clip', '32K', 16 * 1024);
    const fileId = fileIds[0] as string;
    const status = FileAvailability.parse(
      JSON.parse((await internal(`/internal/files/${fileId}/availability`)).body.toString()),
    );
    expect(status.complete).toBe(false);
    const reply = await internal(`/internal/files/${fileId}/probe`);
    expect(reply.status).toBe(200);
    const probe = FileProbe.parse(JSON.parse(reply.body.toString()));
    expect([probe.container, probe.videoCodec, probe.audioTracks[0]?.codec]).toEqual(['mp4', 'h264', 'aac']);
    // ffprobe read through a reader of the stream server (not from disk).
    expect(
      logs.lines.some((l) => l.msg === 'readahead window taken' && l.fields.downloadId === downloadId),
    ).toBe(true);
    const remuxed = await call(`${await signed(fileId, 'remux')}&acodec=copy`);
    expect(remuxed.status).toBe(200);
    expect(remuxed.body.includes('moof')).toBe(true);
  }, 60_000);
});

describe('a file still downloading from a throttled seeder', () => {
  const SIZE = 80 * MiB;
  let source: Buffer;
  let downloadId: string;
  let fileId: string;

  beforeAll(async () => {
    const seedDir = join(work, 'seed');
    // A small file first, so the video starts inside a piece (file offsets are part of the test).
    await writeRandomFile(join(seedDir, 'Release', 'a.nfo'), 100_003);
    await writeRandomFile(join(seedDir, 'Release', 'film.mkv'), SIZE);
    source = readFileSync(join(seedDir, 'Release', 'film.mkv'));
    const started = await seededDownload(seedDir, 'Release', '2M', 256 * 1024);
    downloadId = started.downloadId;
    fileId = started.fileIds[1] as string;
  }, 120_000);

  const availability = async (port = server.port) =>
    FileAvailability.parse(
      JSON.parse((await internal(`/internal/files/${fileId}/availability`, port)).body.toString()),
    );
  const covers = (ranges: [number, number][], start: number, end: number) =>
    ranges.some(([a, b]) => a <= start && b >= end);
  const verifiedBytes = (ranges: [number, number][]) => ranges.reduce((sum, [a, b]) => sum + b - a + 1, 0);

  it('answers a range not yet downloaded once its pieces arrive, and fetches the window ahead first', async () => {
    const slow = await startServer({ STREAM_IDLE_SECONDS: '60' });
    const start = SIZE - 6 * MiB + 12_345;
    const end = start + 64 * 1024 - 1;
    const before = await availability(slow.port);
    expect(before.complete).toBe(false);
    expect(covers(before.ranges, start, end)).toBe(false);

    const head = await call(await signed(fileId), {
      method: 'HEAD',
      port: slow.port,
      headers: { range: `bytes=${start}-${end}` },
    });
    expect(head.status).toBe(206);
    expect(head.headers.etag).toMatch(/^"[0-9a-f]{40}-1"$/);
    expect(head.headers['last-modified']).toBeUndefined();
    expect(head.headers['content-type']).toBe('video/x-matroska');

    const reply = await call(await signed(fileId), {
      port: slow.port,
      headers: { range: `bytes=${start}-${end}` },
    });
    expect(reply.status).toBe(206);
    expect(reply.headers['content-range']).toBe(`bytes ${start}-${end}/${SIZE}`);
    expect(sha256(reply.body)).toBe(sha256(source.subarray(start, end + 1)));
    const first = await call(await signed(fileId), { port: slow.port, headers: { range: 'bytes=0-0' } });
    expect(first.body).toEqual(source.subarray(0, 1));

    // The window (4 MiB past the read), the file's first and last MiB: fetched before the middle,
    // which the torrent's own (sequential) order would have reached first.
    const windows = engine.priorities(downloadId);
    expect(
      windows.some((w) => w.level === 'high' && w.start === start && w.end === start + 4 * MiB - 1),
    ).toBe(true);
    const after = await until('the window and the index pieces', async () => {
      const now = await availability(slow.port);
      return covers(now.ranges, end + 1, start + 4 * MiB - 1) &&
        covers(now.ranges, SIZE - MiB, SIZE - 1) &&
        covers(now.ranges, 0, MiB - 1)
        ? now
        : undefined;
    });
    expect(covers(after.ranges, SIZE / 2, SIZE / 2)).toBe(false);
    expect(verifiedBytes(after.ranges)).toBeGreaterThan(verifiedBytes(before.ranges));
    expect(after.sizeBytes).toBe(SIZE);
    // An open-ended read to the end (webtorrent is read in segments: more than one here).
    const rest = await call(await signed(fileId), { port: slow.port, headers: { range: `bytes=${start}-` } });
    expect(rest.headers['content-length']).toBe(String(SIZE - start));
    expect(sha256(rest.body)).toBe(sha256(source.subarray(start)));
    await slow.close();
    expect(engine.priorities(downloadId)).toEqual([]);
  }, 90_000);

  it('an idle reader gives its window back; an aborted one at once, with its read stream', async () => {
    const quick = await startServer({ STREAM_IDLE_SECONDS: '0.5' });
    // A finished read lingers for a follow-up, then goes idle.
    const at = SIZE / 2 + 8 * MiB;
    const done = await call(await signed(fileId), {
      port: quick.port,
      headers: { range: `bytes=${at}-${at + 999}` },
    });
    expect(sha256(done.body)).toBe(sha256(source.subarray(at, at + 1000)));
    await until('the idle window given back', () => engine.priorities(downloadId).length === 0);

    // A read the client aborts while it waits for pieces.
    const from = SIZE / 2 + 16 * MiB;
    expect(covers((await availability(quick.port)).ranges, from, from)).toBe(false);
    const reading = await open(quick.port, await signed(fileId), { range: `bytes=${from}-` });
    expect(reading.res.statusCode).toBe(206);
    await until('the reader’s windows', () =>
      engine.priorities(downloadId).some((w) => w.level === 'critical' && w.start === from),
    );
    expect(engine.openReads(downloadId)).toBe(1);
    reading.req.destroy();
    await until(
      'no window and no read left',
      () => engine.priorities(downloadId).length === 0 && engine.openReads(downloadId) === 0,
    );
    await quick.close();
  }, 60_000);

  it('answers 503 for a download the engine does not run', async () => {
    await engine.pause(downloadId);
    const reply = await call(await signed(fileId), { headers: { range: 'bytes=0-10' } });
    expect(reply.status).toBe(503);
    expect(errorCode(reply)).toBe('not_downloading');
    expect((await availability()).ranges).toEqual([]);
  });
});
