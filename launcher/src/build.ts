import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Logger } from './log.js';

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

const stale = (output: string, inputs: string[]) =>
  !existsSync(output) || Math.max(...inputs.map(newest)) > statSync(output).mtimeMs;

function run(root: string, log: Logger, what: string, args: string[], cwd = root) {
  const started = Date.now();
  log.info(`building ${what}`, { step: what });
  const result = spawnSync(process.execPath, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout);
    process.stderr.write(result.stderr);
    throw new Error(`building ${what} failed`);
  }
  log.info(`built ${what}`, { step: what, durationMs: Date.now() - started });
}

/**
 * Node's flags for torrent-node, wherever it is started (launcher, Docker through the launcher,
 * bench, tests). A 2 MiB young generation (Node 22's default is 16) collects the wrappers of
 * received blocks sooner, so their buffers go sooner: `npm run bench downloads`, 1 GiB from aria2c,
 * two runs each in one period, without source maps: peak RSS downloading 187-188 MB (199-206
 * without the flag), seeding 185-187 (189-193), idle 106-109 (117-118), speed unchanged (1.5x
 * aria2c); 1 MiB cost CPU and speed. Source maps (readable stacks in logs) cost ~10 MB idle.
 */
export const TORRENT_NODE_FLAGS = ['--enable-source-maps', '--max-semi-space-size=2'];

export const outputs = (root: string) => ({
  worker: join(root, 'dist/worker/index.js'),
  web: join(root, 'web/dist'),
  torrentNode: join(root, 'torrent-node/dist/main.mjs'),
});

/** Builds what is missing or older than its sources: the worker bundle, the web app, torrent-node. */
export async function buildAll(root: string, log: Logger, force = false): Promise<void> {
  const out = outputs(root);
  const contracts = join(root, 'contracts/src');
  // Shared by the worker and torrent-node: the SQL of the tables both touch.
  const db = join(root, 'db/src');
  const workerInputs = [
    join(root, 'functions/src'),
    join(root, 'durable-objects/src'),
    contracts,
    db,
    join(root, 'wrangler.toml'),
  ];
  const webInputs = [
    join(root, 'web/src'),
    join(root, 'web/index.html'),
    join(root, 'web/public'),
    join(root, 'web/vite.config.ts'),
    contracts,
  ];
  const nodeInputs = [join(root, 'torrent-node/src'), contracts, db];
  const steps: Promise<void>[] = [];
  if (force || stale(out.worker, workerInputs)) {
    run(root, log, 'worker', [
      join(root, 'node_modules/wrangler/bin/wrangler.js'),
      'deploy',
      '--dry-run',
      '--outdir',
      join(root, 'dist/worker'),
    ]);
  }
  if (force || stale(join(out.web, 'index.html'), webInputs)) {
    // Resolved from the web workspace, which declares it.
    const vitePackage = createRequire(join(root, 'web/package.json')).resolve('vite/package.json');
    const vite = join(dirname(vitePackage), 'bin/vite.js');
    run(root, log, 'web', [vite, 'build', '--logLevel', 'warn'], join(root, 'web'));
  }
  if (force || stale(out.torrentNode, nodeInputs)) {
    log.info('building torrent-node', { step: 'torrent-node' });
    // @ts-expect-error plain ESM helper shared with bin/sokoul.mjs
    const { bundleNode } = (await import('../bin/bundle.mjs')) as {
      bundleNode(root: string, workspace: string, entry: string, outfile: string): Promise<void>;
    };
    steps.push(bundleNode(root, 'torrent-node', 'src/main.ts', out.torrentNode));
  }
  await Promise.all(steps);
}
