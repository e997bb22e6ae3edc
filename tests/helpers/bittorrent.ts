/// <reference path="../../torrent-node/src/downloads/vendor.d.ts" />
/// <reference path="./bittorrent-vendor.d.ts" />
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import bencode from 'bencode';
import { Server as TrackerServer } from 'bittorrent-tracker';
import createTorrent from 'create-torrent';
import parseTorrent from 'parse-torrent';
import type postgres from 'postgres';
import WebTorrent from 'webtorrent';
import { freePorts } from '../../launcher/src/ports.js';

/**
 * Real BitTorrent on loopback for tests and benchmarks: a local HTTP tracker, torrents made from
 * files the test writes, an aria2c seeder (an independent client, with an RPC upload counter), a
 * webtorrent seeder, a crafted .torrent with any names, and the Sokoul rows a download needs.
 */

const run = promisify(execFile);

export interface Tracker {
  announce: string;
  close(): Promise<void>;
}

/** bittorrent-tracker's HTTP server on 127.0.0.1 (no UDP, no WebSocket). */
export async function startTracker(): Promise<Tracker> {
  const server = new TrackerServer({ udp: false, http: true, ws: false, stats: false });
  server.on('error', () => {});
  server.on('warning', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.http?.address() as { port: number } | undefined)?.port ?? 0;
  return {
    announce: `http://127.0.0.1:${port}/announce`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Writes `size` random bytes (streamed: 1 GiB files do not sit in memory). */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  const chunk = 1024 * 1024;
  for (let written = 0; written < size; written += chunk) {
    const ok = out.write(randomBytes(Math.min(chunk, size - written)));
    if (!ok) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** A small real video (ffmpeg's test pattern and a tone), for tests that import. */
export async function writeVideo(path: string, seconds = 2, size = '320x240'): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=duration=${seconds}:size=${size}:rate=25`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${seconds}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'aac',
    '-shortest',
    path,
  ]);
}

export interface MadeTorrent {
  /** The .torrent bytes. */
  torrent: Buffer;
  torrentPath: string;
  infoHash: string;
  magnet: string;
  name: string;
  length: number;
  /** The folder that holds `name` (what a seeder is pointed at). */
  dir: string;
}

/**
 * A torrent of what is at `dir/name` (a file or a folder), announced to `announce`; the .torrent
 * is written next to it as `name.torrent`.
 */
export async function makeTorrent(
  dir: string,
  name: string,
  opts: { announce: string[]; pieceLength?: number },
): Promise<MadeTorrent> {
  const torrent = await new Promise<Buffer>((resolve, reject) =>
    createTorrent(
      join(dir, name),
      {
        announceList: [opts.announce],
        pieceLength: opts.pieceLength ?? 256 * 1024,
        createdBy: 'sokoul-tests',
        private: false,
      },
      (error: Error | null, t: Buffer) => (error ? reject(error) : resolve(t)),
    ),
  );
  const parsed = await parseTorrent(torrent);
  const torrentPath = join(dir, `${name}.torrent`);
  writeFileSync(torrentPath, torrent);
  const magnet = `magnet:?xt=urn:btih:${parsed.infoHash}&dn=${encodeURIComponent(name)}${opts.announce
    .map((a) => `&tr=${encodeURIComponent(a)}`)
    .join('')}`;
  return { torrent, torrentPath, infoHash: parsed.infoHash, magnet, name, length: parsed.length ?? 0, dir };
}

/** A .torrent with whatever names (`..`, absolute paths): create-torrent refuses to make them. */
export function craftTorrent(
  name: string,
  files: { path: string[]; length: number }[],
  pieceLength = 16384,
): Buffer {
  const total = files.reduce((sum, f) => sum + f.length, 0);
  const pieces = Buffer.alloc(20 * Math.max(1, Math.ceil(total / pieceLength)));
  randomBytes(pieces.length).copy(pieces);
  const info: Record<string, unknown> = {
    name: Buffer.from(name),
    'piece length': pieceLength,
    pieces,
    files: files.map((f) => ({ length: f.length, path: f.path.map((p) => Buffer.from(p)) })),
  };
  return Buffer.from(bencode.encode({ announce: Buffer.from('http://127.0.0.1:1/announce'), info }));
}

export interface Aria2Seeder {
  rpcPort: number;
  listenPort: number;
  process: ChildProcess;
  /** Bytes aria2 uploaded for the torrent (`aria2.tellStatus` uploadLength). */
  uploaded(): Promise<number>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

async function aria2Rpc<T>(port: number, method: string, params: unknown[]): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}/jsonrpc`, {
    method: 'POST',
    body: JSON.stringify({ jsonrpc: '2.0', id: '1', method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`aria2 ${method}: ${body.error.message}`);
  return body.result as T;
}

/**
 * aria2c seeding `made` (its data already in `made.dir`, checked with -V) on 127.0.0.1, with RPC
 * for its counters. `extra` adds options (a download limit for a slow leecher, say).
 */
export async function startAria2(
  made: { torrentPath: string; dir: string },
  opts: { seed?: boolean; extra?: string[] } = {},
): Promise<Aria2Seeder> {
  const [rpcPort, listenPort] = (await freePorts(2)) as [number, number];
  const child = spawn(
    'aria2c',
    [
      '--enable-rpc',
      `--rpc-listen-port=${rpcPort}`,
      '--rpc-listen-all=false',
      `--listen-port=${listenPort}`,
      '--enable-dht=false',
      '--enable-dht6=false',
      '--bt-enable-lpd=false',
      '--enable-peer-exchange=false',
      '--seed-ratio=0',
      '--seed-time=1000000',
      '--bt-seed-unverified=false',
      '--check-integrity=true',
      '--file-allocation=none',
      '--disable-ipv6=true',
      '--bt-external-ip=127.0.0.1',
      '--bt-tracker-interval=1',
      '--bt-max-peers=0',
      '--console-log-level=warn',
      '--summary-interval=0',
      '--auto-save-interval=0',
      `--dir=${made.dir}`,
      ...(opts.extra ?? []),
      made.torrentPath,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const seeder: Aria2Seeder = {
    rpcPort,
    listenPort,
    process: child,
    async uploaded() {
      const list = await aria2Rpc<{ uploadLength: string }[]>(rpcPort, 'aria2.tellActive', [
        ['uploadLength'],
      ]);
      return list.reduce((sum, s) => sum + Number(s.uploadLength), 0);
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
  // Ready once its RPC answers and the torrent is verified and seeding.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`aria2c exited with ${child.exitCode}`);
    try {
      const active = await aria2Rpc<{ status: string; verifyIntegrityPending?: string; seeder?: string }[]>(
        rpcPort,
        'aria2.tellActive',
        [['status', 'seeder', 'verifyIntegrityPending']],
      );
      if (opts.seed === false ? active.length > 0 : active.some((a) => a.seeder === 'true')) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('aria2c did not start seeding');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seeder;
}

/** Whether aria2 finished downloading (for aria2 as a leecher in benchmarks). */
export async function aria2Completed(port: number): Promise<boolean> {
  const stopped = await aria2Rpc<{ status: string }[]>(port, 'aria2.tellStopped', [0, 10, ['status']]);
  const active = await aria2Rpc<{ completedLength: string; totalLength: string; seeder: string }[]>(
    port,
    'aria2.tellActive',
    [['completedLength', 'totalLength', 'seeder']],
  );
  return stopped.some((s) => s.status === 'complete') || active.some((a) => a.seeder === 'true');
}

export interface WebTorrentSeeder {
  client: WebTorrent;
  close(): Promise<void>;
}

/** A webtorrent client seeding `made` from its folder (TCP only, on 127.0.0.1's tracker). */
export async function startWebTorrentSeeder(made: MadeTorrent): Promise<WebTorrentSeeder> {
  const client = new WebTorrent({
    dht: false,
    lsd: false,
    utp: false,
    natUpnp: false,
    natPmp: false,
    utPex: false,
  });
  await new Promise<void>((resolve, reject) => {
    const torrent = client.add(made.torrent, { path: made.dir });
    torrent.once('ready', () => resolve());
    torrent.once('error', reject);
  });
  return { client, close: () => new Promise((resolve) => client.destroy(() => resolve())) };
}

// ---- Sokoul rows ----

export async function createUser(
  sql: postgres.Sql,
  role: 'admin' | 'member' = 'member',
  locale: 'fr' | 'en' = 'fr',
): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO users (email, display_name, password_hash, role, locale)
    VALUES (${`${randomBytes(6).toString('hex')}@example.test`}, 'Test', 'x', ${role}, ${locale}) RETURNING id`;
  return (row as { id: string }).id;
}

export async function createFilm(sql: postgres.Sql, title = 'Test Film', year = 2020): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO media (media_type, title, year) VALUES ('movie', ${title}, ${year}) RETURNING id`;
  return (row as { id: string }).id;
}

/** A completed search of `userId` for `mediaId` with these results (best score first wins). */
export async function createSearch(
  sql: postgres.Sql,
  userId: string,
  mediaId: string,
  results: { title: string; magnetUrl?: string; downloadUrl?: string; infoHash?: string; score: number }[],
): Promise<{ searchId: string; resultIds: string[] }> {
  const [search] = await sql<{ id: string }[]>`
    INSERT INTO searches (user_id, media_id, query_key, completed_at) VALUES (${userId}, ${mediaId}, 'test', now())
    RETURNING id`;
  const searchId = (search as { id: string }).id;
  const resultIds: string[] = [];
  for (const r of results) {
    const result = {
      title: r.title,
      guid: r.title,
      indexer: 'test',
      downloadUrl: r.downloadUrl ?? null,
      magnetUrl: r.magnetUrl ?? null,
      infoHash: r.infoHash ?? null,
      size: null,
      seeders: 1,
      peers: 1,
      publishedAt: null,
      categories: [2000],
      downloadVolumeFactor: null,
      uploadVolumeFactor: null,
      imdbId: null,
      tmdbId: null,
      tvdbId: null,
      score: r.score,
      rejected: false,
      reasons: [],
    };
    const [row] = await sql<{ id: string }[]>`
      INSERT INTO search_results (search_id, result, score, rejected, info_hash)
      VALUES (${searchId}, ${sql.json(result)}, ${r.score}, false, ${r.infoHash ?? null})
      RETURNING id`;
    resultIds.push((row as { id: string }).id);
  }
  return { searchId, resultIds };
}
