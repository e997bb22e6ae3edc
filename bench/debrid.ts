import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseConfig, TorrentNodeConfigSchema } from '@sokoul/contracts';
import { createDownload } from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import postgres from 'postgres';
import { createLogger } from '../launcher/src/log.js';
import { migrate } from '../launcher/src/migrate.js';
import { createFilm, createUser, writeRandomFile } from '../tests/helpers/bittorrent.js';
import { type FakeTorrentSpec, startFakeRealDebrid } from '../tests/helpers/fake-realdebrid.js';
import { createTestDatabase, dropTestDatabase } from '../tests/helpers/stack.js';
import { RealDebridApi, RequestBudget } from '../torrent-node/src/downloads/realdebrid/api.js';
import { RealDebridEngine } from '../torrent-node/src/downloads/realdebrid/engine.js';
import { FileFetch } from '../torrent-node/src/downloads/realdebrid/fetch.js';

/**
 * Real-Debrid: (1) a file to disk from the fake's download host at full speed (the host in its own
 * process, as Real-Debrid's servers are not in torrent-node's), Sokoul's copy (`fetch.ts`, its
 * default REAL_DEBRID_CONNECTIONS) against `aria2c -x 8 -s 8` fetching the same URL, in turns;
 * (2) the request budget: 20 debrid downloads followed to completion while the fake progresses
 * them over one to two minutes, the requests counted where they arrive.
 */

export interface DebridFigures {
  sizeMiB: number;
  connections: number;
  sokoulMBps: number;
  aria2MBps: number;
  /** Sokoul's speed over aria2c's (target >= 0.9). */
  ratio: number;
  follow: {
    downloads: number;
    seconds: number;
    requests: number;
    /** Requests over the run's minutes. */
    perMinute: number;
    /** Most requests that arrived in any 60 s of the run (target < 150: 60% of 250). */
    maxInMinute: number;
    refused429: number;
    byPath: Record<string, number>;
  };
}

const MiB = 1024 * 1024;
const KEY = 'rd-bench-token';
const ROUNDS = 3;
const DEFAULT_CONNECTIONS = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const silent = createLogger('error', 'bench');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * The fake Real-Debrid in a child process (`node -e` importing this bundle): serves `file` as an
 * instant torrent of `hash`, prints its URLs as one JSON line, stops when its stdin closes.
 */
export async function debridHostChild(file: string, hash: string): Promise<void> {
  const fake = await startFakeRealDebrid({ apiKey: KEY });
  fake.torrent({
    hash,
    name: 'Bench.2024.2160p',
    files: [{ path: '/Bench.2024.2160p.mkv', source: file }],
    instant: true,
  });
  process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('end', resolve));
  await fake.close();
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** An unrestricted link of the fake's file: add, select, unrestrict, as the engine does. */
async function unrestrictedLink(url: string, hash: string): Promise<string> {
  const api = new RealDebridApi({ baseUrl: url, apiKey: KEY, budget: new RequestBudget(250), log: silent });
  const id = await api.addMagnet(`magnet:?xt=urn:btih:${hash}`);
  await api.selectFiles(id, [1]);
  const info = await api.info(id);
  const link = info.links[0];
  if (info.status !== 'downloaded' || !link) throw new Error(`the fake answered ${info.status}`);
  return (await api.unrestrict(link)).download;
}

async function aria2(url: string, dir: string): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      'aria2c',
      [
        '-x',
        '8',
        '-s',
        '8',
        '--file-allocation=none',
        '--allow-overwrite=true',
        '--auto-file-renaming=false',
        '--console-log-level=error',
        '--summary-interval=0',
        '--dir',
        dir,
        '--out',
        'aria2.bin',
        url,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`aria2c exited ${code}`))));
  });
  return performance.now() - started;
}

async function sokoul(url: string, path: string, size: number, connections: number): Promise<number> {
  const started = performance.now();
  const copy = new FileFetch({ path, size, connections, fetch, log: silent, link: async () => url });
  await copy.run(new AbortController().signal);
  return performance.now() - started;
}

/** (1) Sokoul's copy against aria2c on the same URL, alternating, medians of ROUNDS. */
async function toDisk(work: string, sizeBytes: number): Promise<Omit<DebridFigures, 'follow'>> {
  const source = join(work, 'source.bin');
  await writeRandomFile(source, sizeBytes);
  const hash = createHash('sha1').update('bench').digest('hex');
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(import.meta.url)}); await m.debridHostChild(${JSON.stringify(source)}, ${JSON.stringify(hash)});`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the fake host exited ${code}`)));
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    });
    const { url } = JSON.parse(line) as { url: string };
    const link = await unrestrictedLink(url, hash);
    const expected = await sha256File(source);
    const sokoulMs: number[] = [];
    const aria2Ms: number[] = [];
    const out = join(work, 'out');
    // Round 0 warms both up (the host's and the disk's first gigabyte); the others alternate who goes first.
    for (let round = 0; round <= ROUNDS; round++) {
      const runs = [
        async () => {
          mkdirSync(out, { recursive: true });
          const ms = await aria2(link, out);
          if (statSync(join(out, 'aria2.bin')).size !== sizeBytes)
            throw new Error('aria2c fetched the wrong size');
          rmSync(out, { recursive: true, force: true });
          if (round > 0) aria2Ms.push(ms);
        },
        async () => {
          mkdirSync(out, { recursive: true });
          const path = join(out, 'sokoul.bin');
          const ms = await sokoul(link, path, sizeBytes, DEFAULT_CONNECTIONS);
          if (round === 0 && (await sha256File(path)) !== expected)
            throw new Error('Sokoul fetched other bytes');
          rmSync(out, { recursive: true, force: true });
          if (round > 0) sokoulMs.push(ms);
        },
      ];
      for (const run of round % 2 === 0 ? runs : runs.reverse()) await run();
    }
    const mbps = (ms: number) => Math.round((sizeBytes / 1e6 / (ms / 1000)) * 10) / 10;
    const sokoulMBps = mbps(median(sokoulMs));
    const aria2MBps = mbps(median(aria2Ms));
    return {
      sizeMiB: sizeBytes / MiB,
      connections: DEFAULT_CONNECTIONS,
      sokoulMBps,
      aria2MBps,
      ratio: Math.round((sokoulMBps / aria2MBps) * 100) / 100,
    };
  } finally {
    child.stdin?.end();
    child.kill();
  }
}

/** (2) 20 downloads followed as the manager does (files once known, then the wanted one, stats each second). */
async function follow(root: string, work: string): Promise<DebridFigures['follow']> {
  const count = 20;
  const databaseUrl = await createTestDatabase('sokoul_bench_rd');
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {}, types: WIRE_TYPES });
  const fake = await startFakeRealDebrid({ apiKey: KEY, requestsPerMinute: 250 });
  let engine: RealDebridEngine | undefined;
  try {
    await migrate(root, databaseUrl, silent);
    const db = postgresDb(sql);
    const userId = await createUser(sql);
    const mediaId = await createFilm(sql);
    const source = join(work, 'episode.bin');
    await writeRandomFile(source, 2 * MiB);
    const downloadDir = join(work, 'downloads');
    const config = parseConfig(TorrentNodeConfigSchema, {
      DATABASE_URL: databaseUrl,
      NATS_URL: 'nats://127.0.0.1:4222',
      INTERNAL_SIGNING_KEY: 'bench-signing-key-0123456789abcdef0123456789',
      DOWNLOAD_DIR: downloadDir,
      REAL_DEBRID_API_KEY: KEY,
      REAL_DEBRID_API_URL: fake.url,
    });
    engine = new RealDebridEngine({ config, log: silent, db });
    const rd = engine;
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const hash = createHash('sha1').update(`follow-${i}-${started}`).digest('hex');
      // Spread over the run: some cached, most converted then downloaded over 30-100 s.
      const spec: FakeTorrentSpec = {
        hash,
        name: `Show.S01E${String(i + 1).padStart(2, '0')}`,
        files: [
          { path: `/Show.S01E${String(i + 1).padStart(2, '0')}.mkv`, source },
          { path: '/sample.mkv', source },
        ],
        instant: i % 5 === 0,
        conversionMs: 2_000 + ((i * 1_700) % 10_000),
        queuedMs: (i * 900) % 5_000,
        downloadMs: 30_000 + ((i * 3_700) % 70_000),
      };
      fake.torrent(spec);
      const created = await createDownload(db, {
        userId,
        mediaId,
        season: 1,
        episode: i + 1,
        name: spec.name,
        infoHash: hash,
        magnetUrl: `magnet:?xt=urn:btih:${hash}`,
        torrentUrl: null,
        searchId: null,
        resultId: null,
        engine: 'realdebrid',
      });
      if (created === 'taken') throw new Error('taken');
      ids.push(created.download.id);
    }
    await Promise.all(
      ids.map(async (id, i) => {
        const hash = createHash('sha1').update(`follow-${i}-${started}`).digest('hex');
        await rd.add(id, { magnet: `magnet:?xt=urn:btih:${hash}` }, rd.savePathFor(id));
        for (;;) {
          const meta = rd.metadata(id);
          if (meta) {
            await rd.selectFiles(id, [0]);
            break;
          }
          await sleep(1_000);
        }
        while (!rd.stats(id)?.done) await sleep(1_000);
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const byPath: Record<string, number> = {};
    for (const r of fake.requests) {
      const key = `${r.method} ${r.path.replace(/\/[A-Z0-9]{13}$/, '/{id}')}`;
      byPath[key] = (byPath[key] ?? 0) + 1;
    }
    return {
      downloads: count,
      seconds: Math.round(seconds),
      requests: fake.requests.length,
      perMinute: Math.round(fake.requests.length / (seconds / 60)),
      maxInMinute: fake.maxInWindow(),
      refused429: fake.refused429,
      byPath,
    };
  } finally {
    await engine?.destroy();
    await fake.close();
    await sql.end();
    await dropTestDatabase(databaseUrl);
  }
}

export async function debridBench(root: string, sizeBytes = 1024 * MiB): Promise<DebridFigures> {
  const work = mkdtempSync(join(tmpdir(), 'sokoul-bench-rd-'));
  try {
    const disk = await toDisk(work, sizeBytes);
    return { ...disk, follow: await follow(root, work) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function printDebrid(f: DebridFigures): void {
  console.log('\nReal-Debrid (fake API and download host on loopback)\n');
  console.log(
    `To disk, ${f.sizeMiB} MiB from the download host (its own process), medians of ${ROUNDS} after a warm-up:`,
  );
  console.log(`  Sokoul (${f.connections} connections):  ${f.sokoulMBps} MB/s`);
  console.log(`  aria2c -x 8 -s 8:           ${f.aria2MBps} MB/s`);
  console.log(`  ratio:                      ${f.ratio}   (target >= 0.9)`);
  const { follow: r } = f;
  console.log(`\nFollowing ${r.downloads} debrid downloads to completion (${r.seconds} s):`);
  console.log(`  requests sent:              ${r.requests} (${r.perMinute} a minute on average)`);
  console.log(`  most in any minute:         ${r.maxInMinute}   (target < 150: 60% of the 250 budget)`);
  console.log(`  refused (429):              ${r.refused429}   (target 0)`);
  console.log(`  by endpoint:                ${JSON.stringify(r.byPath)}`);
}
