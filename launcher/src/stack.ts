import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiConfigSchema, parseConfig } from '@sokoul/contracts';
import { buildAll, outputs } from './build.js';
import type { ResolvedConfig } from './config.js';
import type { Logger } from './log.js';
import { migrate } from './migrate.js';
import { findNatsServer, NATS_INSTALL_HINT, startNatsServer } from './nats.js';
import { portOpen } from './ports.js';
import { startEmbeddedPostgres } from './postgres.js';
import type { Managed } from './processes.js';
import { reapLeftovers, spawnManaged, waitFor } from './processes.js';
import { startRedisGateway } from './redis-gateway.js';
import { loadSecrets } from './secrets.js';
import { startWorkerd } from './workerd.js';

export type Role = 'app' | 'torrent-node';

export interface StackOptions {
  /** Run one of Sokoul's own services only (docker-compose runs them as two containers). */
  only?: Role | undefined;
  /** Called when a service dies on its own, so the launcher can stop the rest. */
  onServiceExit?: (name: string) => void;
  /** Benchmarks: a bare Hono worker served by the same workerd process. */
  baseline?: { modulePath: string; port: number };
}

export interface Stack {
  url: string;
  databaseUrl: string;
  natsUrl: string;
  natsWsUrl: string;
  services: Managed[];
  stop(force?: boolean): Promise<void>;
}

/** Everything the database URL needs: the configured one, or the embedded PostgreSQL. */
export async function ensureDatabase(
  config: ResolvedConfig,
  log: Logger,
): Promise<{ url: string; service?: Managed }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  const { EMBEDDED_POSTGRES_PASSWORD } = loadSecrets(config.DATA_DIR);
  const url = `postgres://postgres:${encodeURIComponent(EMBEDDED_POSTGRES_PASSWORD)}@127.0.0.1:${config.EMBEDDED_POSTGRES_PORT}/sokoul`;
  // Already running (another `sokoul` command holds it): use it as is.
  if (await portOpen(config.EMBEDDED_POSTGRES_PORT)) return { url };
  const service = await startEmbeddedPostgres({
    dataDir: config.DATA_DIR,
    port: config.EMBEDDED_POSTGRES_PORT,
    password: EMBEDDED_POSTGRES_PASSWORD,
    graceMs: config.SHUTDOWN_TIMEOUT_MS,
    log,
  });
  return { url: service.url, service };
}

/**
 * Starts the backing services that are not configured, applies migrations, then workerd and
 * torrent-node. Stops in the reverse order: producers first, storage last.
 */
export async function startStack(
  config: ResolvedConfig,
  log: Logger,
  options: StackOptions = {},
): Promise<Stack> {
  const started: Managed[] = [];
  const stopAll = async (force = false) => {
    for (const service of [...started].reverse()) {
      const t = Date.now();
      await service
        .stop(force)
        .catch((error: unknown) => log.error('stop failed', { service: service.name, error: String(error) }));
      log.info(`${service.name} stopped`, { service: service.name, durationMs: Date.now() - t });
    }
  };
  try {
    const runApp = options.only !== 'torrent-node';
    const runNode = options.only !== 'app';
    await reapLeftovers(join(config.DATA_DIR, 'run'), log);
    if (!config.TMDB_API_KEY) {
      log.warn(
        'TMDB_API_KEY is not set: film and series browsing answers 503 until it is (get a free key at themoviedb.org)',
      );
    }
    const secrets = loadSecrets(config.DATA_DIR);
    mkdirSync(config.DOWNLOAD_DIR, { recursive: true });
    await buildAll(config.ROOT, log);

    const natsPromise = (async () => {
      if (config.NATS_URL) {
        if (runApp && !config.NATS_WS_URL)
          throw new Error('NATS_WS_URL must be set when NATS_URL is (workerd reaches NATS over WebSocket)');
        return { url: config.NATS_URL, wsUrl: config.NATS_WS_URL ?? '' };
      }
      const bin = findNatsServer(config.NATS_SERVER_BIN);
      if (!bin) throw new Error(NATS_INSTALL_HINT);
      const nats = await startNatsServer({
        bin,
        dataDir: config.DATA_DIR,
        port: config.EMBEDDED_NATS_PORT,
        wsPort: config.EMBEDDED_NATS_WS_PORT,
        token: config.NATS_TOKEN,
        graceMs: config.SHUTDOWN_TIMEOUT_MS,
        log,
      });
      started.push(nats);
      return nats;
    })();
    const dbPromise = ensureDatabase(config, log).then((db) => {
      if (db.service) started.push(db.service);
      return db;
    });
    const cachePromise = (async () => {
      if (!runApp || config.UPSTASH_REDIS_REST_URL || !config.REDIS_URL) return null;
      const token = secrets.INTERNAL_SIGNING_KEY;
      const gateway = await startRedisGateway({
        redisUrl: config.REDIS_URL,
        token,
        host: '127.0.0.1',
        port: config.REDIS_GATEWAY_PORT,
        log,
      });
      started.push({ name: 'redis-gateway', stop: () => gateway.stop() });
      return { url: gateway.url, token };
    })();
    // Every step settles before a failure is acted on, so nothing that is still starting escapes the clean-up.
    const settled = await Promise.allSettled([natsPromise, dbPromise, cachePromise]);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [nats, db, cache] = await Promise.all([natsPromise, dbPromise, cachePromise]);

    if (runApp && config.RUN_MIGRATIONS) await migrate(config.ROOT, db.url, log);

    const childEnv = {
      ...process.env,
      LOG_LEVEL: config.LOG_LEVEL,
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      DOWNLOAD_DIR: config.DOWNLOAD_DIR,
    };
    const host = config.HOST;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${config.PORT}`;
    const launches: Promise<void>[] = [];
    if (runApp) {
      const vars: Record<string, string> = {};
      for (const key of Object.keys(ApiConfigSchema.shape)) {
        const value = (config as unknown as Record<string, unknown>)[key] ?? config.ENV[key];
        if (value !== undefined && value !== null && value !== '') vars[key] = String(value);
      }
      Object.assign(vars, {
        DATABASE_URL: db.url,
        NATS_URL: nats.url,
        NATS_WS_URL: nats.wsUrl,
        JWT_SECRET: config.JWT_SECRET ?? secrets.JWT_SECRET,
        INTERNAL_SIGNING_KEY: config.INTERNAL_SIGNING_KEY ?? secrets.INTERNAL_SIGNING_KEY,
        DOWNLOAD_DIR: config.DOWNLOAD_DIR,
        ...(cache ? { UPSTASH_REDIS_REST_URL: cache.url, UPSTASH_REDIS_REST_TOKEN: cache.token } : {}),
      });
      parseConfig(ApiConfigSchema, vars);
      launches.push(
        startWorkerd({
          root: config.ROOT,
          dataDir: config.DATA_DIR,
          host,
          port: config.PORT,
          vars,
          baseline: options.baseline,
          graceMs: config.SHUTDOWN_TIMEOUT_MS,
          log,
        }).then((w) => {
          started.push(w);
        }),
      );
    }
    if (runNode) {
      const node = spawnManaged(
        'torrent-node',
        process.execPath,
        ['--enable-source-maps', outputs(config.ROOT).torrentNode],
        {
          graceMs: config.SHUTDOWN_TIMEOUT_MS,
          pidDir: join(config.DATA_DIR, 'run'),
          log,
          env: childEnv,
          onExit: () => options.onServiceExit?.('torrent-node'),
        },
      );
      started.push(node);
    }
    await Promise.all(launches);
    if (runApp && runNode) {
      // Ready means every dependency reports up, torrent-node included.
      await waitFor(
        'all dependencies',
        async () => (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).status === 200,
        15_000,
        () => false,
        100,
      ).catch((error: unknown) => log.warn('started, but /health is not 200 yet', { error: String(error) }));
    }
    return {
      url,
      databaseUrl: db.url,
      natsUrl: nats.url,
      natsWsUrl: nats.wsUrl,
      services: started,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll(true);
    throw error;
  }
}
