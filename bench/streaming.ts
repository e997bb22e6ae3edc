import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type {
  ClientCapabilities,
  DirectStreamAnswer,
  FileAvailability,
  Media,
  PlaybackDecision,
  StreamSource,
  StreamSourceList,
  TokenPair,
} from '@sokoul/contracts';
import { chromium } from 'playwright-core';
import { freePorts, portOpen } from '../launcher/src/ports.js';
import type { Stack } from '../launcher/src/stack.js';
import { makeTorrent, startAria2, startTracker, writeRandomFile } from '../tests/helpers/bittorrent.js';
import { signIn } from '../tests/helpers/browser.js';
import { type SwarmRelease, startSwarmIndexer } from '../tests/helpers/fake-indexer.js';
import { FAKE_V3_KEY, startFakeTmdb } from '../tests/helpers/fake-tmdb.js';
import { createTestDatabase, dropTestDatabase } from '../tests/helpers/stack.js';

/**
 * Watching: 1 MiB ranges of a complete file through the browser's URL, torrent-node's stream server
 * and nginx in the same run; the player's first frame and a seek ahead while a film downloads from
 * a capped loopback seeder, against the same file complete in the library; an MKV's remux (time to
 * first byte, CPU per minute of video) against direct play.
 */

const run = promisify(execFile);
const MiB = 1024 * 1024;
const TICK = 100; // USER_HZ: /proc/<pid>/stat counts CPU in 1/100 s
const CONNECTIONS = 50;
const RANGE_ROUNDS = 4;
const RANGES_MIB = 512;
const FILM_SECONDS = 125;
const REMUX_SECONDS = 120;
const SEED_LIMIT = '10M';
/** The film nobody has (The Matrix in the fake TMDB), as the bench's indexer names its release. */
const DOWNLOADING_TMDB = 603;
const FILM_NAME = 'The.Matrix.1999.720p.WEB-DL.x264-BENCH';
/** The same film complete in the library, as another title (Fight Club). */
const LIBRARY_TMDB = 550;
/** What Chromium answers to the player's `canPlayType` probes: no Matroska, no AC3. */
const CHROMIUM_CAPS: ClientCapabilities = {
  containers: ['mp4', 'webm'],
  video: ['h264', 'vp9', 'av1'],
  audio: ['aac', 'mp3', 'opus', 'vorbis', 'flac'],
};
const PASSWORD = 'benchmark password';

export type LaunchStack = (env: Record<string, string>) => Promise<{ stack: Stack; env: NodeJS.ProcessEnv }>;

export interface RangeFigures {
  name: string;
  rps: number;
  gbps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** This route's req/s over nginx's. */
  ratio: number;
  /** CPU of the processes serving it (nginx's workers; torrent-node; and workerd), in cores. */
  serverCores: number;
  cpuPerGB: number;
  /** wrk's (and this process's) CPU, in cores. */
  clientCores: number;
  /** What everything else on the machine used meanwhile, in cores. */
  otherCores: number;
}

export interface DownloadingFigures {
  fileMiB: number;
  /** /streaming/direct requests the player page made until one named a source (the download's run). */
  directCalls: number;
  /** Each measure while downloading, and of the same file complete in the library (the baseline). */
  rows: { name: string; downloadingMs: number | null; libraryMs: number | null; target?: string }[];
  /** What was on disk just before the seek, and whether the 60 % and 80 % points were. */
  onDiskMiBAtSeek: number;
  seekTargetOnDisk: boolean;
  aheadTargetOnDisk: boolean;
}

export interface CpuRow {
  name: string;
  videoSeconds: number;
  mib: number;
  wallSeconds: number;
  /** torrent-node and the ffmpeg it ran, per minute of video. */
  nodeCpuPerMinute: number;
  workerdCpuPerMinute: number;
}

export interface RemuxFigures {
  mode: string;
  reasons: string[];
  ttfbMs: number[];
  directTtfbMs: number[];
  rows: CpuRow[];
}

export interface StreamingFigures {
  ranges:
    | {
        fileMiB: number;
        seconds: number;
        rows: RangeFigures[];
      }
    | { error: string };
  downloading: DownloadingFigures | { error: string };
  remux: RemuxFigures | { error: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const failure = (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) });

// ---- the machine ----

const findCommand = (command: string) =>
  [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin']
    .map((dir) => join(dir || '.', command))
    .find((path) => existsSync(path));

/** What the bench runs, by command and Debian package. */
const TOOLS = {
  nginx: 'nginx',
  wrk: 'wrk',
  ffmpeg: 'ffmpeg',
  aria2c: 'aria2',
  chromium: 'chromium',
} as const;

/** The paths of the bench's commands, their Debian packages installed first when missing. */
async function ensureTools(): Promise<Record<keyof typeof TOOLS, string>> {
  const missing = Object.entries(TOOLS).filter(([command]) => !findCommand(command));
  if (missing.length > 0) {
    const packages = missing.map(([, pkg]) => pkg);
    console.log(`Installing ${packages.join(', ')} (apt-get) for the streaming benchmark…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-qq'], { env });
    await run('apt-get', ['install', '-y', '-qq', ...packages], { env, maxBuffer: 16 * MiB });
  }
  const paths = Object.fromEntries(
    Object.keys(TOOLS).map((command) => [command, findCommand(command) ?? '']),
  );
  const absent = Object.entries(paths).find(([, path]) => !path);
  if (absent) throw new Error(`${absent[0]} is not installed`);
  return paths as Record<keyof typeof TOOLS, string>;
}

function statFields(pid: number): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
}

/** CPU seconds of a process and of its children it has waited for (ffmpeg, once exited). */
function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
}

function childrenNamed(ppid: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm === name && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid)
        found.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

/** CPU seconds the whole machine spent busy (every core, from /proc/stat). */
function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // user nice system idle iowait irq softirq steal: all but idle and iowait.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return ticks.reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0) / TICK;
}

const pidOf = (dataDir: string, service: string) =>
  Number(readFileSync(join(dataDir, 'run', `${service}.pid`), 'utf8').split('\n')[0]);

// ---- media ----

/** ffmpeg writing `path`, its options as one line (none has a space). */
async function ffmpeg(options: string, path: string): Promise<void> {
  await run(findCommand('ffmpeg') ?? 'ffmpeg', ['-v', 'error', '-y', ...options.split(' '), path], {
    maxBuffer: 16 * MiB,
  });
}

const lavfi = (seconds: number) =>
  `-f lavfi -i testsrc2=size=1280x720:rate=25:duration=${seconds} -f lavfi -i sine=frequency=440:sample_rate=48000:duration=${seconds}`;

/** ~300 MiB of 720p H.264 (constant 20 Mbit/s, keyframe every 2 s) and AAC, index first. */
const makeFilm = (path: string) =>
  ffmpeg(
    `${lavfi(FILM_SECONDS)} -c:v libx264 -preset ultrafast -g 50 -b:v 20M -minrate 20M -maxrate 20M -bufsize 20M -x264-params nal-hrd=cbr -pix_fmt yuv420p -c:a aac -b:a 128k -movflags +faststart -shortest`,
    path,
  );

/** Two minutes of 720p H.264 at 8 Mbit/s with 5.1 AC3 in Matroska (what browsers cannot play as is). */
const makeMkv = (path: string) =>
  ffmpeg(
    `${lavfi(REMUX_SECONDS)} -ac 6 -c:v libx264 -preset ultrafast -g 50 -b:v 8M -maxrate 8M -bufsize 16M -pix_fmt yuv420p -c:a ac3 -b:a 384k -shortest`,
    path,
  );

// ---- local services ----

/** nginx from Debian serving `dir` as a child process, with its own configuration and logs. */
async function startNginx(
  bin: string,
  dir: string,
  work: string,
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const prefix = join(work, 'nginx');
  mkdirSync(prefix, { recursive: true });
  const [port] = (await freePorts(1)) as [number];
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${join(prefix, kind)};`)
    .join('\n');
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 2;
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
${temp}
  server { listen 127.0.0.1:${port}; root ${dir}; }
}
`,
  );
  const child = spawn(bin, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`nginx did not start: ${readFileSync(join(prefix, 'error.log'), 'utf8')}`);
    await sleep(50);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---- HTTP ----

class Api {
  constructor(
    readonly base: string,
    private token = '',
  ) {}

  async signup(email: string): Promise<void> {
    const pair = await this.call<TokenPair>('POST', '/auth/signup', { email, password: PASSWORD });
    this.token = pair.accessToken;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  /** A library file of a new title (from TMDB when `tmdbId`): its playable source. */
  async libraryFile(
    title: { tmdbId: number } | { title: string },
    file: { path: string; container: string },
  ): Promise<StreamSource> {
    const media = await this.call<Media>(
      'POST',
      '/media',
      'tmdbId' in title ? { type: 'movie', tmdbId: title.tmdbId } : { type: 'movie', title: title.title },
    );
    await this.call('POST', `/media/${media.id}/files`, {
      path: file.path,
      sizeBytes: statSync(file.path).size,
      container: file.container,
    });
    const { sources } = await this.call<StreamSourceList>('GET', `/media/${media.id}/stream`);
    const source = sources[0];
    if (!source) throw new Error(`GET /media/${media.id}/stream offered no source`);
    return source;
  }
}

/** Milliseconds to the first body byte of GET `url` (then dropped), and the status. */
async function firstByte(url: string, range?: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const res = await fetch(url, { headers: range ? { range } : {} });
  const reader = res.body?.getReader();
  const chunk = await reader?.read();
  const ms = performance.now() - started;
  await reader?.cancel();
  if (!chunk || chunk.done) throw new Error(`GET ${url.split('?')[0]}: ${res.status} with no body`);
  return { ms, status: res.status };
}

/** Reads a whole body; its size in bytes. */
async function drain(url: string): Promise<number> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`GET ${url.split('?')[0]}: ${res.status}`);
  const reader = res.body.getReader();
  let bytes = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
    bytes += chunk.value.byteLength;
  return bytes;
}

/** The bytes a range should answer, read from the file itself. */
function fileBytes(path: string, start: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, length, start);
  } finally {
    closeSync(fd);
  }
  return buffer;
}

// ---- 1. range throughput ----

interface WrkSummary {
  requests: number;
  bytes: number;
  us: number;
  p50: number;
  p99: number;
  errors: number;
}

/** wrk's Lua: 1 MiB ranges at random aligned offsets, each thread seeded apart; `done` prints JSON. */
const rangeScript = (path: string, blocks: number) => `
local n = 0
function setup(thread) n = n + 1; thread:set("seed", n) end
function init(args) math.randomseed(seed * 7919 + os.time()) end
function request()
  local s = math.random(0, ${blocks - 1}) * ${MiB}
  return wrk.format("GET", ${JSON.stringify(path)}, { ["Range"] = "bytes=" .. s .. "-" .. (s + ${MiB - 1}) })
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"bytes":%d,"us":%d,"p50":%d,"p99":%d,"errors":%d}\\n',
    summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status + e.timeout + e.connect + e.read + e.write))
end
`;

async function wrk(bin: string, base: string, script: string, seconds: number): Promise<WrkSummary> {
  // One thread: the client's core share stays small next to the server's (2 cores in all).
  const { stdout } = await run(
    bin,
    ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, base],
    { maxBuffer: MiB },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('WRK '));
  if (!line) throw new Error(`wrk printed no summary: ${stdout}`);
  return JSON.parse(line.slice(4)) as WrkSummary;
}

interface RangeTarget {
  name: string;
  base: string;
  path: string;
  /** The processes that serve it, for their CPU. */
  pids: () => number[];
}

/** Checks that the route answers the file's bytes, then warms it up; the wrk script to time it with. */
async function prepareRange(bin: string, target: RangeTarget, file: string, work: string): Promise<string> {
  const { name, base, path } = target;
  const size = statSync(file).size;
  const start = Math.floor(size / MiB / 3) * MiB;
  const res = await fetch(`${base}${path}`, { headers: { range: `bytes=${start}-${start + MiB - 1}` } });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 206 || !body.equals(fileBytes(file, start, MiB)))
    throw new Error(
      `${name}: a range answered ${res.status} with ${body.length} bytes that are not the file's`,
    );
  const script = join(work, `${name.replace(/\W+/g, '-')}.lua`);
  writeFileSync(script, rangeScript(path, Math.floor(size / MiB)));
  await wrk(bin, base, script, 2);
  return script;
}

interface Measured {
  summary: WrkSummary;
  serverSeconds: number;
  clientSeconds: number;
  otherSeconds: number;
}

async function measureRange(
  bin: string,
  target: RangeTarget,
  script: string,
  seconds: number,
): Promise<Measured> {
  const cpu = () => target.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  // wrk's CPU reaches this process's own counters once it has exited.
  const [cpu0, self0, busy0] = [cpu(), cpuSeconds(process.pid), machineBusySeconds()];
  const summary = await wrk(bin, target.base, script, seconds);
  const serverSeconds = cpu() - cpu0;
  const clientSeconds = cpuSeconds(process.pid) - self0;
  const otherSeconds = Math.max(0, machineBusySeconds() - busy0 - serverSeconds - clientSeconds);
  return { summary, serverSeconds, clientSeconds, otherSeconds };
}

/** The rounds of one route added up: p50 weighted by requests, p99 the worst round's. */
function rangeFigures(name: string, rounds: Measured[]): Omit<RangeFigures, 'ratio'> {
  const sum = (f: (m: Measured) => number) => rounds.reduce((total, m) => total + f(m), 0);
  const requests = sum((m) => m.summary.requests);
  const bytes = sum((m) => m.summary.bytes);
  const secs = sum((m) => m.summary.us) / 1e6;
  const server = sum((m) => m.serverSeconds);
  return {
    name,
    rps: Math.round(requests / secs),
    gbps: round(bytes / secs / 1e9, 2),
    p50Ms: round(sum((m) => m.summary.p50 * m.summary.requests) / Math.max(1, requests) / 1000, 1),
    p99Ms: round(Math.max(...rounds.map((m) => m.summary.p99)) / 1000, 1),
    errors: sum((m) => m.summary.errors),
    serverCores: round(server / secs, 2),
    cpuPerGB: round(server / (bytes / 1e9), 2),
    clientCores: round(sum((m) => m.clientSeconds) / secs, 2),
    otherCores: round(sum((m) => m.otherSeconds) / secs, 2),
  };
}

async function rangesSection(
  tools: { nginx: string; wrk: string },
  api: Api,
  stack: Stack,
  env: NodeJS.ProcessEnv,
  library: string,
  work: string,
  seconds: number,
): Promise<StreamingFigures['ranges']> {
  const file = join(library, 'ranges.mp4');
  const source = await api.libraryFile({ title: 'Bench ranges' }, { path: file, container: 'mp4' });
  const dataDir = env.DATA_DIR ?? '';
  const node = () => pidOf(dataDir, 'torrent-node');
  const nginx = await startNginx(tools.nginx, library, work);
  try {
    const targets: RangeTarget[] = [
      {
        name: 'nginx (Debian, sendfile)',
        base: nginx.url,
        path: '/ranges.mp4',
        pids: () => [nginx.pid, ...childrenNamed(nginx.pid, 'nginx')],
      },
      {
        name: 'torrent-node stream server',
        base: `http://127.0.0.1:${env.STREAM_PORT}`,
        path: source.url,
        pids: () => [node()],
      },
      {
        name: 'browser URL (workerd)',
        base: stack.url,
        path: source.url,
        pids: () => [node(), pidOf(dataDir, 'workerd')],
      },
    ];
    const scripts: string[] = [];
    for (const target of targets) scripts.push(await prepareRange(tools.wrk, target, file, work));
    // Rounds taken in turn: a burst of other work on the machine weighs on every route alike.
    const each = Math.max(1, Math.round(seconds / RANGE_ROUNDS));
    const rounds: Measured[][] = targets.map(() => []);
    for (let n = 0; n < RANGE_ROUNDS; n++) {
      for (const [i, target] of targets.entries())
        rounds[i]?.push(await measureRange(tools.wrk, target, scripts[i] ?? '', each));
    }
    const rows = targets.map((target, i) => rangeFigures(target.name, rounds[i] ?? []));
    const baseline = rows[0]?.rps || 1;
    return {
      fileMiB: RANGES_MIB,
      seconds: each * RANGE_ROUNDS,
      rows: rows.map((r) => ({ ...r, ratio: round(r.rps / baseline, 2) })),
    };
  } finally {
    await nginx.stop();
  }
}

// ---- 2. playing while downloading ----

/**
 * Marks the page keeps (performance.now()): the first frame shown, the clock first moving. The
 * player's <video> sits in <sokoul-video>'s shadow root, which re-dispatches its events on itself:
 * the capture phase at the document sees them either way.
 */
const INSTRUMENT = `
performance.setResourceTimingBufferSize(5000);
window.__bench = {};
const nativeOf = (t) => (t instanceof HTMLVideoElement ? t : t && t.nativeEl instanceof HTMLVideoElement ? t.nativeEl : null);
document.addEventListener('loadstart', (e) => {
  const v = nativeOf(e.target);
  if (v && v.requestVideoFrameCallback) v.requestVideoFrameCallback((now) => { window.__bench.frame ??= now; });
}, true);
document.addEventListener('loadeddata', () => { window.__bench.loadeddata ??= performance.now(); }, true);
document.addEventListener('timeupdate', (e) => {
  const v = nativeOf(e.target);
  if (v && v.currentTime > 0) window.__bench.playing ??= performance.now();
}, true);
`;

/** Milliseconds from the page's first /streaming/direct call. */
interface FirstPlay {
  /** The answer that named a source to play. */
  readyMs: number | null;
  frameMs: number | null;
  /** The player's clock moving. */
  playingMs: number | null;
  directCalls: number;
}

/** Milliseconds from setting currentTime. */
interface Seek {
  seekedMs: number | null;
  /** The clock moving past the target. */
  playingMs: number | null;
}

interface Player {
  play(tmdbId: number): Promise<FirstPlay>;
  seek(fraction: number): Promise<Seek>;
  close(): Promise<void>;
}

/** The real player page in headless Chromium, signed in as the bench user. */
async function openPlayer(chromiumPath: string, base: string, user: string): Promise<Player> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    // tests/helpers/browser.ts's flags, and autoplay as after the click on « Regarder » (a goto has no gesture).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.addInitScript({ content: INSTRUMENT });
  const page = await context.newPage();
  await signIn(page, base, user, PASSWORD);
  return {
    async play(tmdbId) {
      await page.goto(`${base}/watch/movie/${tmdbId}`);
      await page.waitForFunction(
        () => (window as unknown as { __bench: { playing?: number } }).__bench.playing !== undefined,
        null,
        { timeout: 60_000, polling: 50 },
      );
      return page.evaluate(() => {
        const marks = (
          window as unknown as { __bench: { frame?: number; loadeddata?: number; playing?: number } }
        ).__bench;
        const calls = performance
          .getEntriesByType('resource')
          .filter((e) => e.name.includes('/streaming/direct/')) as PerformanceResourceTiming[];
        const first = calls[0];
        const last = calls[calls.length - 1];
        if (!first || !last) throw new Error('the player page made no /streaming/direct request');
        const since = (t: number | undefined) => (t === undefined ? null : t - first.startTime);
        return {
          readyMs: since(last.responseEnd),
          frameMs: since(marks.frame ?? marks.loadeddata),
          playingMs: since(marks.playing),
          directCalls: calls.length,
        };
      });
    },
    seek(fraction) {
      return page.evaluate(async (to) => {
        const v = (document.querySelector('sokoul-video') ??
          document.querySelector('video')) as HTMLMediaElement | null;
        if (!v || !Number.isFinite(v.duration)) throw new Error('no video with a known duration on the page');
        const target = v.duration * to;
        const started = performance.now();
        const within = (p: Promise<number>) =>
          Promise.race([p, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
        const seeked = new Promise<number>((resolve) =>
          v.addEventListener('seeked', () => resolve(performance.now() - started), { once: true }),
        );
        const moving = new Promise<number>((resolve) => {
          const tick = () => {
            if (v.seeking || v.currentTime <= target) return;
            v.removeEventListener('timeupdate', tick);
            resolve(performance.now() - started);
          };
          v.addEventListener('timeupdate', tick);
        });
        v.currentTime = target;
        return { seekedMs: await within(seeked), playingMs: await within(moving) };
      }, fraction);
    },
    close: () => browser.close(),
  };
}

const inRanges = (a: FileAvailability, offset: number) =>
  a.ranges.some(([s, e]) => offset >= s && offset <= e);

/** `fraction` of the file in bytes, aligned to MiB. */
const at = (size: number, fraction: number) => Math.floor((size * fraction) / MiB) * MiB;
const rangeAt = (size: number, fraction: number) =>
  `bytes=${at(size, fraction)}-${at(size, fraction) + MiB - 1}`;
const orNull = (v: number | null) => (v === null ? null : round(v));

async function downloadingSection(
  chromiumPath: string,
  api: Api,
  stack: Stack,
  work: string,
  library: string,
  tracker: { announce: string },
  indexer: { offer(release: SwarmRelease): void },
  user: string,
): Promise<DownloadingFigures> {
  const made = await makeTorrent(join(work, 'seed'), `${FILM_NAME}.mp4`, { announce: [tracker.announce] });
  indexer.offer({
    torrent: made,
    title: FILM_NAME,
    imdb: `tt${String(DOWNLOADING_TMDB).padStart(7, '0')}`,
  });
  // The same film complete, as a library file of another title: the baseline of every figure.
  const complete = await api.libraryFile(
    { tmdbId: LIBRARY_TMDB },
    { path: join(library, 'film.mp4'), container: 'mp4' },
  );
  const player = await openPlayer(chromiumPath, stack.url, user);
  const seeder = await startAria2(made, { extra: [`--max-overall-upload-limit=${SEED_LIMIT}`] });
  try {
    const baseline = await player.play(LIBRARY_TMDB);
    const baselineSeek = await player.seek(0.6);
    const baselineAhead = await firstByte(`${stack.url}${complete.url}`, rangeAt(made.length, 0.8));

    // The film nobody has: /streaming/direct searches, starts the download, then plays it.
    const first = await player.play(DOWNLOADING_TMDB);
    const answer = await api.call<DirectStreamAnswer>('GET', `/streaming/direct/movie/${DOWNLOADING_TMDB}`);
    if (answer.status !== 'ready') throw new Error(`direct answered ${answer.status} once playing`);
    const { source } = answer;
    const before = await api.call<FileAvailability>('GET', `/files/${source.fileId}/availability`);
    const seek = await player.seek(0.6);
    const ahead = await firstByte(`${stack.url}${source.url}`, rangeAt(made.length, 0.8));
    const row = (name: string, downloading: number | null, complete: number | null, target?: string) => ({
      name,
      downloadingMs: orNull(downloading),
      libraryMs: orNull(complete),
      ...(target ? { target } : {}),
    });
    return {
      fileMiB: round(made.length / MiB),
      directCalls: first.directCalls,
      rows: [
        row('/streaming/direct → ready answer', first.readyMs, baseline.readyMs),
        row('/streaming/direct → first frame', first.frameMs, baseline.frameMs, '< 3000 ms'),
        row('/streaming/direct → clock moving', first.playingMs, baseline.playingMs),
        row('seek to 60 % → seeked', seek.seekedMs, baselineSeek.seekedMs, '< 2000 ms'),
        row('seek to 60 % → clock moving', seek.playingMs, baselineSeek.playingMs),
        row(`range at 80 %, first byte (HTTP ${ahead.status})`, ahead.ms, baselineAhead.ms),
      ],
      onDiskMiBAtSeek: round(before.ranges.reduce((sum, [s, e]) => sum + e - s + 1, 0) / MiB),
      seekTargetOnDisk: inRanges(before, at(made.length, 0.6)),
      aheadTargetOnDisk: inRanges(before, at(made.length, 0.8)),
    };
  } finally {
    await player.close();
    // The remux figures that follow are measured with no download running.
    await seeder.kill();
  }
}

// ---- 3. remux ----

async function cpuRow(name: string, url: string, videoSeconds: number, dataDir: string): Promise<CpuRow> {
  const node = pidOf(dataDir, 'torrent-node');
  const workerd = pidOf(dataDir, 'workerd');
  const node0 = cpuSeconds(node);
  const workerd0 = cpuSeconds(workerd);
  const started = performance.now();
  const bytes = await drain(url);
  const wall = (performance.now() - started) / 1000;
  // ffmpeg's CPU reaches torrent-node's cutime/cstime once it has exited and been waited for.
  for (let i = 0; i < 100 && childrenNamed(node, 'ffmpeg').length > 0; i++) await sleep(50);
  const minutes = videoSeconds / 60;
  return {
    name,
    videoSeconds,
    mib: round(bytes / MiB),
    wallSeconds: round(wall, 2),
    nodeCpuPerMinute: round((cpuSeconds(node) - node0) / minutes, 2),
    workerdCpuPerMinute: round((cpuSeconds(workerd) - workerd0) / minutes, 2),
  };
}

async function remuxSection(api: Api, stack: Stack, library: string, dataDir: string): Promise<RemuxFigures> {
  const mkv = await api.libraryFile(
    { title: 'Bench remux' },
    { path: join(library, 'remux.mkv'), container: 'mkv' },
  );
  const decision = await api.call<PlaybackDecision>('POST', `/files/${mkv.fileId}/playback`, {
    capabilities: CHROMIUM_CAPS,
  });
  const remuxUrl = `${stack.url}${decision.url}`;
  const rawUrl = `${stack.url}${mkv.url}`;
  const ttfbMs: number[] = [];
  const directTtfbMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    ttfbMs.push(round((await firstByte(remuxUrl)).ms));
    directTtfbMs.push(round((await firstByte(rawUrl, 'bytes=0-')).ms));
    await sleep(300);
  }
  const film = await api.call<DirectStreamAnswer>('GET', `/streaming/direct/movie/${LIBRARY_TMDB}`);
  const rows = [
    await cpuRow(`${decision.mode} (AC3 → AAC)`, remuxUrl, REMUX_SECONDS, dataDir),
    await cpuRow('direct, the same MKV', rawUrl, REMUX_SECONDS, dataDir),
  ];
  if (film.status === 'ready')
    rows.push(await cpuRow('direct, the MP4', `${stack.url}${film.source.url}`, FILM_SECONDS, dataDir));
  return { mode: decision.mode, reasons: decision.reasons, ttfbMs, directTtfbMs, rows };
}

// ---- the whole ----

export async function streamingBench(launch: LaunchStack, seconds = 8): Promise<StreamingFigures> {
  const tools = await ensureTools();
  const work = mkdtempSync(join(tmpdir(), 'sokoul-bench-stream-'));
  // nginx's workers (nobody) read the files too.
  chmodSync(work, 0o755);
  const library = join(work, 'library');
  const seedDir = join(work, 'seed');
  mkdirSync(library, { recursive: true });
  mkdirSync(seedDir, { recursive: true });
  const filmPath = join(seedDir, `${FILM_NAME}.mp4`);
  // Made while the stack starts.
  const media = Promise.all([
    writeRandomFile(join(library, 'ranges.mp4'), RANGES_MIB * MiB),
    makeFilm(filmPath).then(() => linkSync(filmPath, join(library, 'film.mp4'))),
    makeMkv(join(library, 'remux.mkv')),
  ]);
  media.catch(() => undefined);
  const tracker = await startTracker();
  const tmdb = await startFakeTmdb();
  const indexer = await startSwarmIndexer('Bench');
  const databaseUrl = await createTestDatabase('sokoul_bench_stream');
  let stack: Stack | undefined;
  try {
    const launched = await launch({
      DATABASE_URL: databaseUrl,
      LIBRARY_DIR: library,
      TMDB_API_KEY: FAKE_V3_KEY,
      TMDB_API_BASE_URL: tmdb.apiBase,
      TMDB_IMAGE_BASE_URL: tmdb.imageBase,
      JACKETT_URL: indexer.root,
      JACKETT_API_KEY: 'bench-jackett-key',
      // The indexer runs on 127.0.0.1, which the outbound guard refuses unless told.
      INDEXER_ALLOW_PRIVATE: 'true',
      TORRENT_PORT: '0',
      TORRENT_DHT: 'false',
      TORRENT_LSD: 'false',
      TORRENT_UTP: 'false',
    });
    stack = launched.stack;
    const dataDir = launched.env.DATA_DIR ?? '';
    const api = new Api(stack.url);
    const user = 'bench@example.test';
    await api.signup(user);
    await media;

    const ranges = await rangesSection(tools, api, stack, launched.env, library, work, seconds).catch(
      failure,
    );
    const downloading = await downloadingSection(
      process.env.CHROMIUM_PATH ?? tools.chromium,
      api,
      stack,
      work,
      library,
      tracker,
      indexer,
      user,
    ).catch(failure);
    const remux = await remuxSection(api, stack, library, dataDir).catch(failure);
    return { ranges, downloading, remux };
  } finally {
    await stack?.stop();
    await tracker.close();
    await tmdb.close();
    await indexer.close();
    await dropTestDatabase(databaseUrl);
    rmSync(work, { recursive: true, force: true });
  }
}

// ---- printing ----

const ms = (v: number | null) => (v === null ? '—' : `${v} ms`);

export function printStreaming(f: StreamingFigures): void {
  console.log('\nStreaming (Watching), loopback, 2-core machine\n');
  if ('error' in f.ranges) console.log(`Range throughput: not measured (${f.ranges.error})`);
  else {
    console.log(
      `Range throughput: 1 MiB ranges at random offsets of a ${f.ranges.fileMiB} MiB file, ${CONNECTIONS} connections, ${f.ranges.seconds} s each after 2 s, in ${RANGE_ROUNDS} rounds taken in turn (wrk)`,
    );
    console.log(
      'route                              req/s    GB/s   p50 ms   p99 ms   x nginx   errors   server cores   CPU s/GB   wrk cores   others',
    );
    for (const r of f.ranges.rows) {
      console.log(
        `${r.name.padEnd(32)} ${String(r.rps).padStart(7)}   ${r.gbps.toFixed(2).padStart(5)}   ${String(r.p50Ms).padStart(6)}   ${String(r.p99Ms).padStart(6)}   ${r.ratio.toFixed(2).padStart(7)}   ${String(r.errors).padStart(6)}   ${r.serverCores.toFixed(2).padStart(12)}   ${r.cpuPerGB.toFixed(2).padStart(8)}   ${r.clientCores.toFixed(2).padStart(9)}   ${r.otherCores.toFixed(2).padStart(6)}`,
      );
    }
    console.log(
      `(target: the browser URL >= 0.9x nginx; wrk, one thread, shares the 2 cores; "others": the rest of the machine meanwhile, in cores)`,
    );
  }

  const d = f.downloading;
  if ('error' in d) console.log(`\nWhile downloading: not measured (${d.error})`);
  else {
    console.log(
      `\nWhile downloading: a ${d.fileMiB} MiB H.264/AAC MP4 (${FILM_SECONDS} s) from one aria2c seeder capped at ${SEED_LIMIT}iB/s, headless Chromium on /watch`,
    );
    console.log('                                         downloading    complete (library, baseline)');
    for (const row of d.rows) {
      console.log(
        `${row.name.padEnd(40)} ${ms(row.downloadingMs).padStart(11)}    ${ms(row.libraryMs).padStart(11)}   ${row.target ? `(target ${row.target})` : ''}`,
      );
    }
    console.log(
      `/streaming/direct asked ${d.directCalls} times; on disk just before the seek: ${d.onDiskMiBAtSeek} MiB of ${d.fileMiB}; the 60 % point ${d.seekTargetOnDisk ? 'WAS' : 'was not'} on disk, the 80 % point ${d.aheadTargetOnDisk ? 'WAS' : 'was not'}`,
    );
  }

  const r = f.remux;
  if ('error' in r) console.log(`\nRemux: not measured (${r.error})`);
  else {
    console.log(
      `\nRemux: ${REMUX_SECONDS} s MKV, H.264 8 Mbit/s + AC3 5.1, for Chromium's capabilities: ${r.mode} (${r.reasons.join(', ')})`,
    );
    console.log(
      `First byte of /remux: ${r.ttfbMs.join(', ')} ms (median ${median(r.ttfbMs)}, target < 1000); raw /stream of the same file: ${r.directTtfbMs.join(', ')} ms`,
    );
    console.log(
      'read to the end                    MiB   wall s   torrent-node CPU s/min   workerd CPU s/min',
    );
    for (const c of r.rows) {
      console.log(
        `${c.name.padEnd(32)} ${String(c.mib).padStart(5)}   ${c.wallSeconds.toFixed(2).padStart(6)}   ${c.nodeCpuPerMinute.toFixed(2).padStart(22)}   ${c.workerdCpuPerMinute.toFixed(2).padStart(17)}`,
      );
    }
    console.log('(per minute of video; torrent-node includes the ffmpeg it ran)');
  }
}
