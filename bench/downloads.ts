import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subjects } from '@sokoul/contracts';
import { createDownload } from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import { connect, JSONCodec } from 'nats';
import postgres from 'postgres';
import { TORRENT_NODE_FLAGS } from '../launcher/src/build.js';
import { createLogger } from '../launcher/src/log.js';
import { migrate } from '../launcher/src/migrate.js';
import { freePorts } from '../launcher/src/ports.js';
import {
  createFilm,
  createUser,
  makeTorrent,
  startAria2,
  startTracker,
  writeRandomFile,
} from '../tests/helpers/bittorrent.js';
import { createTestDatabase, dropTestDatabase } from '../tests/helpers/stack.js';

/**
 * Hunter's engine on loopback: one aria2c seeder; aria2c and Sokoul's torrent-node download the
 * same torrent from it in the same run; then torrent-node seeds to one slow aria2c peer; then its
 * restart verification with the saved bitfield against a full re-hash.
 */

export interface DownloadFigures {
  sizeMiB: number;
  aria2Seconds: number;
  sokoulSeconds: number;
  /** Sokoul's speed over aria2's (target >= 1.0). */
  speedRatio: number;
  cpuSecondsPerGiB: number;
  /** torrent-node's RSS once ready, before the download: the engine's own share is the peaks less this. */
  idleRssMb: number;
  peakRssDownloadingMb: number;
  peakRssSeedingMb: number;
  slowPeerReceivedMiB: number;
  verifySavedMs: number | null;
  verifyFullMs: number | null;
}

const MiB = 1024 * 1024;
const TICK = 100; // USER_HZ on Linux: /proc/<pid>/stat counts CPU in 1/100 s

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return line ? Number(line[1]) / 1024 : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function downloadsBench(root: string, sizeBytes = 1024 * MiB): Promise<DownloadFigures> {
  const work = mkdtempSync(join(tmpdir(), 'sokoul-bench-dl-'));
  const children: ChildProcess[] = [];
  const databaseUrl = await createTestDatabase('sokoul_bench_dl');
  const tracker = await startTracker();
  const [natsPort] = (await freePorts(1)) as [number];
  const nats = spawn(
    'nats-server',
    ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(work, 'nats')],
    {
      stdio: 'ignore',
    },
  );
  children.push(nats);
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {}, types: WIRE_TYPES });
  try {
    await migrate(root, databaseUrl, createLogger('warn', 'bench'));
    const db = postgresDb(sql);
    await sleep(300);
    const nc = await connect({ servers: `nats://127.0.0.1:${natsPort}` });

    const seedDir = join(work, 'seed');
    await writeRandomFile(join(seedDir, 'bench.bin'), sizeBytes);
    const made = await makeTorrent(seedDir, 'bench.bin', { announce: [tracker.announce], pieceLength: MiB });
    const seeder = await startAria2(made);

    // 1. aria2c downloading from the seeder.
    const aria2Dir = join(work, 'aria2');
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const leech = spawn(
        'aria2c',
        [
          '--seed-time=0',
          '--enable-dht=false',
          '--bt-enable-lpd=false',
          '--enable-peer-exchange=false',
          '--file-allocation=none',
          '--disable-ipv6=true',
          '--console-log-level=error',
          '--summary-interval=0',
          `--dir=${aria2Dir}`,
          made.torrentPath,
        ],
        { stdio: 'ignore' },
      );
      leech.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`aria2c exited with ${code}`)),
      );
    });
    const aria2Seconds = (performance.now() - t0) / 1000;
    rmSync(aria2Dir, { recursive: true, force: true });

    // 2. Sokoul's torrent-node downloading the same torrent.
    const downloadDir = join(work, 'sokoul');
    const bundle = join(root, 'torrent-node/dist/main.mjs');
    const startNode = async () => {
      const [metrics, stream] = (await freePorts(2)) as [number, number];
      const logs: string[] = [];
      const child = spawn(process.execPath, [...TORRENT_NODE_FLAGS, bundle], {
        env: {
          PATH: process.env.PATH,
          LOG_LEVEL: 'info',
          DATABASE_URL: databaseUrl,
          NATS_URL: `nats://127.0.0.1:${natsPort}`,
          DOWNLOAD_DIR: downloadDir,
          TORRENT_PORT: '0',
          TORRENT_DHT: 'false',
          TORRENT_LSD: 'false',
          TORRENT_UTP: 'false',
          TORRENT_NODE_METRICS_PORT: String(metrics),
          STREAM_PORT: String(stream),
          INTERNAL_SIGNING_KEY: randomBytes(32).toString('hex'),
          DISK_MIN_FREE_MB: '1',
          SEED_RATIO: '1000',
          SEED_TIME_MINUTES: '1000',
          NODE_ID: 'bench-downloads',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      child.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
      child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
      while (!logs.join('').includes('torrent-node ready')) {
        if (child.exitCode !== null) throw new Error(`torrent-node exited: ${logs.join('')}`);
        await sleep(50);
      }
      return { child, logs };
    };
    const stopNode = async (child: ChildProcess) => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    };
    const state = async (id: string) =>
      (
        await sql<
          { state: string; bytes_done: string }[]
        >`SELECT state, bytes_done FROM downloads WHERE id = ${id}`
      )[0];

    let node = await startNode();
    const pid = node.child.pid ?? 0;
    const user = await createUser(sql);
    const film = await createFilm(sql, 'Bench');
    const created = await createDownload(db, {
      userId: user,
      mediaId: film,
      season: null,
      episode: null,
      name: 'bench',
      infoHash: null,
      magnetUrl: made.magnet,
      torrentUrl: null,
      searchId: null,
      resultId: null,
    });
    if (created === 'taken') throw new Error('taken');
    const id = created.download.id;
    // The .torrent is handed over as if fetched (the bench measures the transfer, not an indexer).
    await sql`UPDATE downloads SET torrent_file = ${made.torrent}, save_path = ${join(downloadDir, id)},
      bytes_total = ${made.length} WHERE id = ${id}`;
    const cpu0 = cpuSeconds(pid);
    const idleRss = rssMb(pid);
    let peakDown = idleRss;
    const t1 = performance.now();
    nc.publish(Subjects.downloadControl, JSONCodec().encode({ action: 'reconcile', downloadId: id }));
    for (;;) {
      peakDown = Math.max(peakDown, rssMb(pid));
      const s = await state(id);
      if (s && ['seeding', 'completed', 'failed'].includes(s.state)) break;
      await sleep(100);
    }
    const sokoulSeconds = (performance.now() - t1) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;

    // 3. Seeding to one slow peer (the only seeder left is torrent-node).
    await seeder.kill();
    const slowDir = join(work, 'slow');
    const slow = spawn(
      'aria2c',
      [
        '--seed-time=0',
        '--enable-dht=false',
        '--bt-enable-lpd=false',
        '--enable-peer-exchange=false',
        '--max-download-limit=4M',
        '--file-allocation=none',
        '--disable-ipv6=true',
        '--console-log-level=error',
        '--summary-interval=0',
        '--bt-tracker-interval=1',
        `--dir=${slowDir}`,
        made.torrentPath,
      ],
      { stdio: 'ignore' },
    );
    children.push(slow);
    let peakSeed = rssMb(pid);
    for (let i = 0; i < 100; i++) {
      peakSeed = Math.max(peakSeed, rssMb(pid));
      await sleep(200);
    }
    slow.kill('SIGKILL');
    const [uploaded] = await sql<
      { up: string }[]
    >`SELECT bytes_uploaded AS up FROM downloads WHERE id = ${id}`;
    const slowPeerReceivedMiB = Math.round(Number(uploaded?.up ?? 0) / MiB);

    // 4. Restart verification: as an unfinished download with its saved bitfield, then without.
    const verifyMs = (logs: string[]) => {
      const line = logs
        .join('')
        .split('\n')
        .find((l) => l.includes('torrent started'));
      const ms = line ? (JSON.parse(line) as { verifyMs?: number }).verifyMs : undefined;
      return ms ?? null;
    };
    const restartAs = async (withBitfield: boolean) => {
      await stopNode(node.child);
      await sql`UPDATE downloads SET state = 'downloading', completed_at = NULL, seeding_since = NULL,
        bitfield = CASE WHEN ${withBitfield} THEN bitfield ELSE NULL END WHERE id = ${id}`;
      node = await startNode();
      for (let i = 0; i < 600 && verifyMs(node.logs) === null; i++) await sleep(50);
      return verifyMs(node.logs);
    };
    const verifySavedMs = await restartAs(true);
    const verifyFullMs = await restartAs(false);
    await stopNode(node.child);
    await nc.close();
    const sizeMiB = sizeBytes / MiB;
    return {
      sizeMiB,
      aria2Seconds: round(aria2Seconds),
      sokoulSeconds: round(sokoulSeconds),
      speedRatio: round(aria2Seconds / sokoulSeconds),
      cpuSecondsPerGiB: round(cpu / (sizeBytes / (1024 * MiB))),
      idleRssMb: Math.round(idleRss),
      peakRssDownloadingMb: Math.round(peakDown),
      peakRssSeedingMb: Math.round(peakSeed),
      slowPeerReceivedMiB,
      verifySavedMs,
      verifyFullMs,
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await tracker.close();
    await sql.end({ timeout: 2 });
    await dropTestDatabase(databaseUrl);
    rmSync(work, { recursive: true, force: true });
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

export function printDownloads(f: DownloadFigures): void {
  const mbps = (s: number) => (f.sizeMiB / s).toFixed(0);
  console.log(
    `\nDownloads (Hunter, webtorrent engine), ${f.sizeMiB} MiB over loopback from one aria2c seeder\n`,
  );
  console.log(`aria2c:              ${f.aria2Seconds} s (${mbps(f.aria2Seconds)} MiB/s)`);
  console.log(
    `Sokoul torrent-node: ${f.sokoulSeconds} s (${mbps(f.sokoulSeconds)} MiB/s), ${f.speedRatio}x aria2c's speed (target >= 1.0)`,
  );
  console.log(`CPU:                 ${f.cpuSecondsPerGiB} s per GiB`);
  console.log(
    `Peak RSS:            ${f.peakRssDownloadingMb} MB downloading (target < 150), ${f.peakRssSeedingMb} MB seeding to one slow peer (target < 200; it received ${f.slowPeerReceivedMiB} MiB in 20 s); ${f.idleRssMb} MB idle before the download`,
  );
  console.log(
    `Restart verification: ${f.verifySavedMs} ms with the saved bitfield (target < 100), ${f.verifyFullMs} ms full re-hash`,
  );
}
