import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildAll } from '../launcher/src/build.js';
import { loadConfig } from '../launcher/src/config.js';
import { createLogger } from '../launcher/src/log.js';
import { freePorts } from '../launcher/src/ports.js';
import { startStack } from '../launcher/src/stack.js';
import { FAKE_V3_KEY, startFakeTmdb } from '../tests/helpers/fake-tmdb.js';
import { createTestDatabase, dropTestDatabase } from '../tests/helpers/stack.js';
import { authBench, printAuth } from './auth.js';
import { type CatalogFigures, catalogBench, printCatalog, type WebFigures, webBench } from './catalog.js';
import { debridBench, printDebrid } from './debrid.js';
import { downloadsBench, printDownloads } from './downloads.js';
import { generateDataset, libraryBench, printLibrary } from './library.js';
import { type Load, load } from './load.js';
import { parserAccuracy, parserBench, printParser, printParserAccuracy } from './parser.js';
import { printScout, scoutBench } from './scout.js';
import { printStreaming, streamingBench } from './streaming.js';

/**
 * Sokoul's benchmarks (foundation, catalog, web). Figures are printed, never asserted: the machine is shared, so throughput
 * is reported as a ratio to a bare Hono route running in the same workerd process in the same run.
 */
const log = createLogger('warn', 'bench');

/** The Real-Debrid bench's fake host runs in a child process that imports this bundle. */
export { debridHostChild } from './debrid.js';

async function benchEnv(dataDir: string): Promise<NodeJS.ProcessEnv> {
  const [port, pgPort, natsPort, natsWsPort, metricsPort, streamPort] = await freePorts(6);
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    DATA_DIR: dataDir,
    DOWNLOAD_DIR: join(dataDir, 'downloads'),
    PORT: String(port),
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    EMBEDDED_NATS_PORT: String(natsPort),
    EMBEDDED_NATS_WS_PORT: String(natsWsPort),
    TORRENT_NODE_METRICS_PORT: String(metricsPort),
    STREAM_PORT: String(streamPort),
  };
}

function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sokoul-bench-'));
  chmodSync(dir, 0o755);
  return dir;
}

async function untilHealthy(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/health`)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('Sokoul did not become healthy');
}

/** `sokoul start` as a user runs it, timed from spawn to the first 200 from /health. */
async function timedStart(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'launcher/bin/sokoul.mjs'), 'start'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await untilHealthy(`http://127.0.0.1:${env.PORT}`);
  return { child, ms: performance.now() - started };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** RSS and PSS of a process and all its descendants, by process name. */
function treeMemory(rootPid: number): { rssMb: number; pssMb: number; byName: Record<string, number> } {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
      parents.set(Number(entry), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // Exited meanwhile.
    }
  }
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let rss = 0;
  let pss = 0;
  const byName: Record<string, number> = {};
  for (const pid of tree) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
      rss += kb('Rss');
      pss += kb('Pss');
      const name = names.get(pid) ?? String(pid);
      byName[name] = Math.round(((byName[name] ?? 0) + kb('Pss') / 1024) * 10) / 10;
    } catch {
      // Exited meanwhile.
    }
  }
  return { rssMb: Math.round(rss / 102.4) / 10, pssMb: Math.round(pss / 102.4) / 10, byName };
}

let ROOT = '';

/** The bare Hono worker that every ratio is measured against. */
async function buildBaseline(dataDir: string): Promise<string> {
  const modulePath = join(dataDir, 'baseline.js');
  await build({
    entryPoints: [join(ROOT, 'bench/baseline.ts')],
    outfile: modulePath,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  return modulePath;
}

/** The library on the machine's PostgreSQL, filled with a large household's data. */
async function libraryOnMachinePostgres(seconds: number): Promise<void> {
  const databaseUrl = await createTestDatabase('sokoul_bench');
  const dataDir = tempDataDir();
  const jwtSecret = randomBytes(32).toString('hex');
  const env = { ...(await benchEnv(dataDir)), DATABASE_URL: databaseUrl, JWT_SECRET: jwtSecret };
  const [baselinePort = 0] = await freePorts(1);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const stack = await startStack(loadConfig(ROOT, env), log, {
    baseline: { modulePath: await buildBaseline(dataDir), port: baselinePort },
  });
  process.env = saved;
  try {
    console.log('\nGenerating the library dataset on the machine PostgreSQL…');
    const userIds = await generateDataset(databaseUrl, (line) => console.log(line));
    const figures = await libraryBench({
      stackUrl: stack.url,
      baselineUrl: `http://127.0.0.1:${baselinePort}/`,
      databaseUrl,
      jwtSecret,
      userIds,
      seconds,
    });
    printLibrary(figures);
    console.log(JSON.stringify({ library: { ...figures, plans: undefined } }));
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await dropTestDatabase(databaseUrl);
  }
}

/** Sign-ins against browsing: logins during a sign-up burst, and browsing latency with and without it. */
async function authSection(seconds: number): Promise<void> {
  const dataDir = tempDataDir();
  const fake = await startFakeTmdb({ latencyMs: 50 });
  const env = {
    ...(await benchEnv(dataDir)),
    TMDB_API_KEY: FAKE_V3_KEY,
    TMDB_API_BASE_URL: fake.apiBase,
    TMDB_IMAGE_BASE_URL: fake.imageBase,
    // The burst comes from one address: the limits would refuse it before any hashing.
    SIGNUP_RATE_LIMIT: '100000',
    LOGIN_RATE_LIMIT: '10000',
  };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const stack = await startStack(loadConfig(ROOT, env), log);
  process.env = saved;
  try {
    const user = { email: 'bench@example.test', password: 'benchmark password' };
    const signup = await fetch(`${stack.url}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    const { accessToken } = (await signup.json()) as { accessToken: string };
    const figures = await authBench({
      stackUrl: stack.url,
      adminToken: accessToken,
      token: accessToken,
      user,
      seconds,
    });
    printAuth(figures);
    console.log(JSON.stringify({ auth: figures }));
  } finally {
    await stack.stop();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Watching: range throughput against nginx, playing while downloading, remux (bench/streaming.ts). */
async function streamingSection(seconds: number): Promise<void> {
  const dataDir = tempDataDir();
  try {
    const figures = await streamingBench(
      async (extra) => {
        const env = { ...(await benchEnv(dataDir)), ...extra };
        const saved = { ...process.env };
        Object.assign(process.env, env);
        try {
          return { stack: await startStack(loadConfig(ROOT, env), log), env };
        } finally {
          process.env = saved;
        }
      },
      Math.max(3, seconds - 2),
    );
    printStreaming(figures);
    console.log(JSON.stringify({ streaming: figures }));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * `npm run bench [seconds] [parser|scout|foundation|library|auth|downloads|streaming|debrid] [--download-mib=N]`:
 * every section by default (downloads and debrid: 1 GiB unless --download-mib).
 */
export async function main(root: string, args: string[]): Promise<void> {
  ROOT = root;
  const seconds = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
  const only = args.find((a) => !/^\d+$/.test(a) && !a.startsWith('--'));
  const downloadMib = Number(args.find((a) => a.startsWith('--download-mib='))?.split('=')[1] ?? 1024);
  await buildAll(ROOT, log);
  if (!only || only === 'parser') {
    const parser = parserBench(Math.min(seconds, 5));
    printParser(parser);
    console.log(JSON.stringify({ parser }));
    // Accuracy against public parsers on the fixture corpus (PARSER_CORPUS, PARSER_LIBS_DIR: bench/parser-accuracy.ts).
    const parserAccuracyFigures = await parserAccuracy({ root: ROOT });
    if (parserAccuracyFigures) {
      printParserAccuracy(parserAccuracyFigures);
      console.log(JSON.stringify({ parserAccuracy: parserAccuracyFigures }));
    }
    // And on the held-out half of names from other projects' suites, which nothing was tuned to.
    const holdout = await parserAccuracy({ root: ROOT, split: 'holdout-test' });
    if (holdout) {
      printParserAccuracy(holdout);
      console.log(JSON.stringify({ parserAccuracyHoldout: holdout }));
    }
  }
  if (!only || only === 'scout') {
    const dir = tempDataDir();
    try {
      const figures = await scoutBench(ROOT, dir);
      printScout(figures);
      console.log(JSON.stringify({ scout: figures }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!only || only === 'foundation') await foundationAndCatalog(seconds);
  if (!only || only === 'library') await libraryOnMachinePostgres(seconds);
  if (!only || only === 'auth') await authSection(seconds);
  if (!only || only === 'downloads') {
    const downloads = await downloadsBench(ROOT, downloadMib * 1024 * 1024);
    printDownloads(downloads);
    console.log(JSON.stringify({ downloads }));
  }
  if (!only || only === 'streaming') await streamingSection(seconds);
  if (!only || only === 'debrid') {
    const debrid = await debridBench(ROOT, downloadMib * 1024 * 1024);
    printDebrid(debrid);
    console.log(JSON.stringify({ debrid }));
  }
}

async function foundationAndCatalog(seconds: number): Promise<void> {
  // 1. Cold start, first run (initdb included) and restart on existing data.
  const coldDir = tempDataDir();
  const env = await benchEnv(coldDir);
  const first = await timedStart(env);
  await stop(first.child);
  const second = await timedStart(env);
  // 2. Idle memory of everything `sokoul start` runs.
  await new Promise((r) => setTimeout(r, 5000));
  const memory = treeMemory(second.child.pid ?? 0);
  await stop(second.child);
  rmSync(coldDir, { recursive: true, force: true });

  // 3. Throughput against a bare Hono route on the same workerd.
  const dataDir = tempDataDir();
  const baselineModule = await buildBaseline(dataDir);
  const fake = await startFakeTmdb({ latencyMs: 50 });
  const stackEnv = {
    ...(await benchEnv(dataDir)),
    TMDB_API_KEY: FAKE_V3_KEY,
    TMDB_API_BASE_URL: fake.apiBase,
    TMDB_IMAGE_BASE_URL: fake.imageBase,
  };
  const [baselinePort = 0] = await freePorts(1);
  const saved = { ...process.env };
  Object.assign(process.env, stackEnv);
  const stack = await startStack(loadConfig(ROOT, stackEnv), log, {
    baseline: { modulePath: baselineModule, port: baselinePort },
  });
  process.env = saved;
  const results: Load[] = [];
  let catalog: CatalogFigures;
  let web: WebFigures;
  try {
    const credentials = JSON.stringify({ email: 'bench@example.test', password: 'benchmark password' });
    const signup = await fetch(`${stack.url}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: credentials,
    });
    const { accessToken } = (await signup.json()) as { accessToken: string };
    results.push(await load('bare Hono (baseline)', `http://127.0.0.1:${baselinePort}/`, {}, seconds));
    results.push(await load('GET /health', `${stack.url}/health`, {}, seconds));
    results.push(
      await load(
        'GET /auth/me (JWT)',
        `${stack.url}/auth/me`,
        { authorization: `Bearer ${accessToken}` },
        seconds,
      ),
    );
    catalog = await catalogBench({ stackUrl: stack.url, token: accessToken, fakeUrl: fake.url, seconds });
    const session = async () => {
      const login = await fetch(`${stack.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: credentials,
      });
      return ((await login.json()) as { refreshToken: string }).refreshToken ?? '';
    };
    web = await webBench(ROOT, stack.url, session);
  } finally {
    await stack.stop();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const baseline = results[0]?.rps ?? 1;
  console.log('\nSokoul foundation benchmarks (2-core machine, loopback, 100 connections)\n');
  console.log(`Cold start, first run (initdb):   ${first.ms.toFixed(0)} ms   (target < 3000 ms)`);
  console.log(`Cold start, restart:              ${second.ms.toFixed(0)} ms   (target < 3000 ms)`);
  console.log(
    `Idle memory, all processes:       PSS ${memory.pssMb} MB, RSS ${memory.rssMb} MB   (target < 300 MB)`,
  );
  console.log(`  by process (PSS MB):            ${JSON.stringify(memory.byName)}`);
  console.log('\nroute                      req/s     p50 ms   p99 ms   ratio   non-2xx');
  for (const r of results) {
    console.log(
      `${r.name.padEnd(26)} ${String(r.rps).padStart(7)}   ${String(r.p50).padStart(6)}   ${String(r.p99).padStart(6)}   ${(r.rps / baseline).toFixed(2).padStart(5)}   ${r.non2xx}`,
    );
  }
  console.log('\n(targets: ratio >= 0.5 and p99 < 20 ms for /health and /auth/me)');
  printCatalog(baseline, catalog, web);
  console.log(
    JSON.stringify({
      coldStartFirstMs: Math.round(first.ms),
      coldStartMs: Math.round(second.ms),
      memory,
      results,
      catalog,
      web,
    }),
  );
}
