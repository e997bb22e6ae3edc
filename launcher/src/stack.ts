import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiConfigSchema, parseConfig } from '@sokoul/contracts';
import { buildAll, outputs, TORRENT_NODE_FLAGS } from './build.js';
import type { ResolvedConfig } from './config.js';
import type { Logger } from './log.js';
import { migrate } from './migrate.js';
import { findNatsServer, NATS_INSTALL_HINT, startNatsServer } from './nats.js';
import { portOpen } from './ports.js';
import { startEmbeddedPostgres } from './postgres.js';
import type { Managed, ManagedChild, RestartPolicy, SpawnHooks } from './processes.js';
import { reapLeftovers, spawnManaged, supervise, waitFor } from './processes.js';
import { startRedisGateway } from './redis-gateway.js';
import { loadSecrets, telegramWebhookSecret, vapidKeys } from './secrets.js';
import { startWorkerd } from './workerd.js';

export type Role = 'app' | 'torrent-node';

export interface StackOptions {
  /** Run one of Sokoul's own services only (docker-compose runs them as two containers). */
  only?: Role | undefined;
  /**
   * Every child the launcher starts is restarted when it crashes; after too many crashes it gives
   * up and calls this (the CLI then stops the rest and exits non-zero).
   */
  onGiveUp?: (name: string, reason: string) => void;
  restartPolicy?: Partial<RestartPolicy>;
  /** Benchmarks: a bare Hono worker served by the same workerd process. */
  baseline?: { modulePath: string; port: number };
}

export interface Stack {
  url: string;
  databaseUrl: string;
  natsUrl: string;
  natsWsUrl: string;
  /** What NATS clients present (the embedded server requires it); undefined for an open external server. */
  natsToken: string | undefined;
  services: Managed[];
  stop(force?: boolean): Promise<void>;
}

/** The database URL, and how to start the embedded PostgreSQL when it is the one to use. */
async function databasePlan(
  config: ResolvedConfig,
  log: Logger,
): Promise<{ url: string; start?: (hooks?: SpawnHooks) => Promise<ManagedChild & { url: string }> }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  const { EMBEDDED_POSTGRES_PASSWORD } = loadSecrets(config.DATA_DIR);
  const url = `postgres://postgres:${encodeURIComponent(EMBEDDED_POSTGRES_PASSWORD)}@127.0.0.1:${config.EMBEDDED_POSTGRES_PORT}/sokoul`;
  // Already running (another `sokoul` command holds it): use it as is.
  if (await portOpen(config.EMBEDDED_POSTGRES_PORT)) return { url };
  return {
    url,
    start: (hooks) =>
      startEmbeddedPostgres({
        dataDir: config.DATA_DIR,
        port: config.EMBEDDED_POSTGRES_PORT,
        password: EMBEDDED_POSTGRES_PASSWORD,
        graceMs: config.SHUTDOWN_TIMEOUT_MS,
        log,
        ...(hooks ? { hooks } : {}),
      }),
  };
}

/** Everything the database URL needs: the configured one, or the embedded PostgreSQL (unsupervised: one command's worth). */
export async function ensureDatabase(
  config: ResolvedConfig,
  log: Logger,
): Promise<{ url: string; service?: Managed }> {
  const plan = await databasePlan(config, log);
  if (!plan.start) return { url: plan.url };
  const service = await plan.start();
  return { url: service.url, service };
}

/** The order services stop in: the API first (it finishes in-flight requests), then torrent-node, storage last. */
const STOP_ORDER = ['workerd', 'torrent-node', 'redis-gateway', 'postgres', 'nats'];
const stopRank = (name: string) => STOP_ORDER.indexOf(name);

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
  let stopping: Promise<void> | undefined;
  const stopAll = (force = false): Promise<void> => {
    // Once: a second call waits for the first, unless it forces (which kills what is left at once).
    if (stopping && !force) return stopping;
    const run = (async () => {
      const order = [...started].reverse().sort((a, b) => stopRank(a.name) - stopRank(b.name));
      for (const service of order) {
        const t = Date.now();
        await service
          .stop(force)
          .catch((error: unknown) =>
            log.error('stop failed', { service: service.name, error: String(error) }),
          );
        log.info(`${service.name} stopped`, { service: service.name, durationMs: Date.now() - t });
      }
    })();
    stopping ??= run;
    return run;
  };
  const supervised = (name: string, start: (hooks: SpawnHooks) => Promise<ManagedChild>) =>
    supervise(name, start, {
      log,
      ...(options.restartPolicy ? { policy: options.restartPolicy } : {}),
      onGiveUp: options.onGiveUp ?? ((service, reason) => log.error(`${service} ${reason}`, { service })),
    });
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
    if (config.LIBRARY_DIR) mkdirSync(config.LIBRARY_DIR, { recursive: true });
    await buildAll(config.ROOT, log);

    const natsPromise = (async () => {
      if (config.NATS_URL) {
        if (runApp && !config.NATS_WS_URL)
          throw new Error('NATS_WS_URL must be set when NATS_URL is (workerd reaches NATS over WebSocket)');
        if (!config.NATS_TOKEN) {
          log.warn(
            "NATS_URL is set without NATS_TOKEN: unless that server authenticates clients otherwise, any process that reaches it reads every user's events and can forge them",
          );
        }
        return { url: config.NATS_URL, wsUrl: config.NATS_WS_URL ?? '', token: config.NATS_TOKEN };
      }
      const bin = findNatsServer(config.NATS_SERVER_BIN);
      if (!bin) throw new Error(NATS_INSTALL_HINT);
      const token = config.NATS_TOKEN ?? secrets.NATS_TOKEN;
      const endpoints = {
        url: `nats://127.0.0.1:${config.EMBEDDED_NATS_PORT}`,
        wsUrl: `ws://127.0.0.1:${config.EMBEDDED_NATS_WS_PORT}`,
        token,
      };
      const nats = await supervised('nats', (hooks) =>
        startNatsServer({
          bin,
          dataDir: config.DATA_DIR,
          port: config.EMBEDDED_NATS_PORT,
          wsPort: config.EMBEDDED_NATS_WS_PORT,
          token,
          graceMs: config.SHUTDOWN_TIMEOUT_MS,
          log,
          hooks,
        }),
      );
      started.push(nats);
      return endpoints;
    })();
    const dbPromise = databasePlan(config, log).then(async (plan) => {
      const start = plan.start;
      if (start) started.push(await supervised('postgres', (hooks) => start(hooks)));
      return { url: plan.url };
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

    const host = config.HOST;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${config.PORT}`;
    // torrent-node's own settings (TORRENT_*, SEED_*, DISK_MIN_FREE_MB, STALL_MINUTES,
    // DOWNLOAD_LIMIT, UPLOAD_LIMIT, FFPROBE_PATH…) reach it through the environment, `.env`
    // included (loaded into it); folders are resolved against the project like DOWNLOAD_DIR.
    const childEnv = {
      ...process.env,
      LOG_LEVEL: config.LOG_LEVEL,
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      ...(nats.token ? { NATS_TOKEN: nats.token } : {}),
      DOWNLOAD_DIR: config.DOWNLOAD_DIR,
      ...(config.LIBRARY_DIR ? { LIBRARY_DIR: config.LIBRARY_DIR } : {}),
      DATA_DIR: config.DATA_DIR,
      BACKUP_DIR: config.BACKUP_DIR,
      INTERNAL_SIGNING_KEY: config.INTERNAL_SIGNING_KEY ?? secrets.INTERNAL_SIGNING_KEY,
      STREAM_PORT: String(config.STREAM_PORT),
      CACHE_DIR: config.ENV.CACHE_DIR || join(config.DATA_DIR, 'cache'),
      APP_URL: config.ENV.APP_URL || url,
      TELEGRAM_WEBHOOK_SECRET: telegramWebhookSecret(
        config.ENV,
        config.INTERNAL_SIGNING_KEY ?? secrets.INTERNAL_SIGNING_KEY,
      ),
      ...vapidKeys(config, secrets),
    };
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
        ...(nats.token ? { NATS_TOKEN: nats.token } : {}),
        JWT_SECRET: config.JWT_SECRET ?? secrets.JWT_SECRET,
        INTERNAL_SIGNING_KEY: config.INTERNAL_SIGNING_KEY ?? secrets.INTERNAL_SIGNING_KEY,
        DOWNLOAD_DIR: config.DOWNLOAD_DIR,
        TORRENT_NODE_URL: config.ENV.TORRENT_NODE_URL || `http://127.0.0.1:${config.STREAM_PORT}`,
        APP_URL: childEnv.APP_URL,
        TELEGRAM_WEBHOOK_SECRET: childEnv.TELEGRAM_WEBHOOK_SECRET,
        VAPID_PUBLIC_KEY: childEnv.VAPID_PUBLIC_KEY,
        VAPID_PRIVATE_KEY: childEnv.VAPID_PRIVATE_KEY,
        ...(cache ? { UPSTASH_REDIS_REST_URL: cache.url, UPSTASH_REDIS_REST_TOKEN: cache.token } : {}),
      });
      parseConfig(ApiConfigSchema, vars);
      launches.push(
        supervised('workerd', (hooks) =>
          startWorkerd({
            root: config.ROOT,
            dataDir: config.DATA_DIR,
            host,
            port: config.PORT,
            vars,
            baseline: options.baseline,
            graceMs: config.SHUTDOWN_TIMEOUT_MS,
            log,
            hooks,
          }),
        ).then((w) => {
          started.push(w);
        }),
      );
    }
    if (runNode) {
      const node = await supervised('torrent-node', async (hooks) => {
        const managed = spawnManaged(
          'torrent-node',
          process.execPath,
          [...TORRENT_NODE_FLAGS, outputs(config.ROOT).torrentNode],
          {
            graceMs: config.SHUTDOWN_TIMEOUT_MS,
            pidDir: join(config.DATA_DIR, 'run'),
            log,
            env: childEnv,
            onExit: hooks.onExit,
          },
        );
        hooks.onSpawn?.(managed);
        return managed;
      });
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
      natsToken: nats.token,
      services: started,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll(true);
    throw error;
  }
}
