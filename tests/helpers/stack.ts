import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import postgres from 'postgres';
import { loadConfig } from '../../launcher/src/config.js';
import { createLogger } from '../../launcher/src/log.js';
import { migrate } from '../../launcher/src/migrate.js';
import { freePorts } from '../../launcher/src/ports.js';
import { type Stack, startStack } from '../../launcher/src/stack.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const MACHINE_PG = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MACHINE_REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789abcdef';
export const API_KEY = 'static-api-key-for-tests-0123456789';
export const METRICS_TOKEN = 'metrics-token-for-tests';

/** Points a stack at a fake TMDB, with short timeouts and fresh lifetimes so tests can see expiry. */
export function tmdbSettings(fakeUrl: string, key: string): Record<string, string> {
  return {
    TMDB_API_KEY: key,
    TMDB_API_BASE_URL: `${fakeUrl}/3`,
    TMDB_IMAGE_BASE_URL: `${fakeUrl}/t/p/`,
    TMDB_TIMEOUT_MS: '1000',
    TMDB_CACHE_TTL_SECONDS: '2',
  };
}

export interface StackInfo {
  url: string;
  databaseUrl: string;
  natsUrl: string;
  natsWsUrl: string;
  /** The token every NATS client of the stack presents (the embedded server requires it). */
  natsToken: string;
  dataDir: string;
  metricsPort: number;
  /** torrent-node's stream server (the API forwards byte routes to it). */
  streamPort: number;
}

/** A fresh database on the machine's PostgreSQL for one test run. */
export async function createTestDatabase(prefix: string): Promise<string> {
  const name = `${prefix}_${Date.now()}_${process.pid}`;
  const admin = postgres(MACHINE_PG, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(MACHINE_PG);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh database with every migration applied, and a pool on it as torrent-node opens one. */
export async function migratedDatabase(prefix: string) {
  const url = await createTestDatabase(prefix);
  await migrate(ROOT, url, createLogger('warn', 'test'));
  const sql = postgres(url, { max: 4, onnotice: () => {}, types: WIRE_TYPES });
  return { url, sql, db: postgresDb(sql) };
}

export async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = postgres(MACHINE_PG, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * Starts Sokoul through the launcher on free ports with its own data directory. `overrides` are
 * configuration variables; an unset DATABASE_URL means the embedded PostgreSQL.
 */
export async function launchStack(
  overrides: Record<string, string | undefined>,
): Promise<{ stack: Stack; info: StackInfo }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sokoul-test-'));
  // The embedded PostgreSQL runs as the postgres user when tests run as root: it must reach its dir.
  chmodSync(dataDir, 0o755);
  const [port, natsPort, natsWsPort, pgPort, metricsPort, streamPort] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    DATA_DIR: dataDir,
    DOWNLOAD_DIR: join(dataDir, 'downloads'),
    PORT: String(port),
    EMBEDDED_NATS_PORT: String(natsPort),
    EMBEDDED_NATS_WS_PORT: String(natsWsPort),
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    REDIS_GATEWAY_PORT: '0',
    TORRENT_NODE_METRICS_PORT: String(metricsPort),
    STREAM_PORT: String(streamPort),
    // Several stacks run at once (the shared one and a test's own): each engine on a port of its own.
    TORRENT_PORT: '0',
    HEARTBEAT_INTERVAL_MS: '1000',
    JWT_SECRET,
    API_KEY,
    METRICS_TOKEN,
    SHUTDOWN_TIMEOUT_MS: '5000',
    // The machine's Redis outlives test runs: each stack gets its own key space.
    CACHE_NAMESPACE: `test-${Date.now()}-${process.pid}`,
    ...overrides,
  };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  // The launcher's children read process.env: run them with exactly this environment.
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);
  try {
    const config = loadConfig(ROOT, env);
    const stack = await startStack(config, createLogger(env.LOG_LEVEL ?? 'warn', 'launcher'));
    return {
      stack,
      info: {
        url: stack.url,
        databaseUrl: stack.databaseUrl,
        natsUrl: stack.natsUrl,
        natsWsUrl: stack.natsWsUrl,
        natsToken: stack.natsToken ?? '',
        dataDir,
        metricsPort,
        streamPort,
      },
    };
  } finally {
    for (const key of Object.keys(process.env)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/**
 * A data directory and free ports for running the real `sokoul start` (or the bootstrap) as a
 * process, with embedded defaults; `env` is the environment to start it with.
 */
export async function startEnvironment(
  prefix: string,
  logLevel = 'warn',
): Promise<{ dataDir: string; port: number; pg: number; nats: number; env: NodeJS.ProcessEnv }> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  // The embedded PostgreSQL runs as the postgres user when tests run as root: it must reach its dir.
  chmodSync(dataDir, 0o755);
  const [port, pg, nats, natsWs, metrics] = (await freePorts(5)) as [number, number, number, number, number];
  return {
    dataDir,
    port,
    pg,
    nats,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: logLevel,
      DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_POSTGRES_PORT: String(pg),
      EMBEDDED_NATS_PORT: String(nats),
      EMBEDDED_NATS_WS_PORT: String(natsWs),
      TORRENT_NODE_METRICS_PORT: String(metrics),
      TORRENT_PORT: '0',
    },
  };
}
