import { statfs } from 'node:fs/promises';
import {
  parseConfig,
  Subjects,
  type TorrentHealthReply,
  type TorrentHeartbeat,
  TorrentNodeConfigSchema,
} from '@sokoul/contracts';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import { connect, JSONCodec } from 'nats';
import postgres from 'postgres';
import { Counter } from 'prom-client';
import { clientLoader } from './downloads/clients/load.js';
import { Engines } from './downloads/engines.js';
import { importDownload } from './downloads/import.js';
import { DownloadManager } from './downloads/manager.js';
import { usablePort, WebTorrentEngine } from './downloads/webtorrent.js';
import { publishEvent } from './events.js';
import { liveServices, liveTelegram, realDebridEngine } from './live-services.js';
import { createLogger } from './log.js';
import { registry, startMetricsServer } from './metrics.js';
import { AlertManager } from './ops/alerts.js';
import { defaultSources } from './ops/checks.js';
import { backupOps, createJobs } from './ops/jobs.js';
import { startOpsResponder } from './ops/requests.js';
import { Scheduler } from './ops/scheduler.js';
import { recordHeartbeats, Sentinel } from './ops/sentinel.js';
import { startPush } from './push/index.js';
import { configuredIndexers } from './search/indexers.js';
import { answerIndexerTests, answerOracleTests, startSettings } from './settings.js';
import { startStreamServer } from './streaming/server.js';
import { createSubtitleService } from './streaming/subtitles.js';
import { TaskRunner } from './tasks/runner.js';
import { pool as indexerPool } from './tasks/search.js';

/**
 * torrent-node: the long-running Node service. It runs background tasks and the downloads, serves
 * the stream server's bytes, answers health probes and publishes heartbeats.
 */
const config = parseConfig(TorrentNodeConfigSchema, process.env);
const log = createLogger(config.LOG_LEVEL, 'torrent-node');
const startedAt = Date.now();
const json = JSONCodec<unknown>();

const sql = postgres(config.DATABASE_URL, {
  max: 5,
  idle_timeout: 60,
  connect_timeout: 5,
  types: WIRE_TYPES,
  onnotice: () => {},
  connection: { application_name: 'sokoul-torrent-node' },
});
/** Every table torrent-node shares with the API is reached through @sokoul/db over this pool. */
const db = postgresDb(sql);

// Last-resort safety net: every promise is meant to be handled where it starts. One that is not is
// logged (and counted, so tests and alerts see it) instead of ending the process, Node's default, in
// the middle of other users' tasks.
const unhandledRejections = new Counter({
  name: 'sokoul_torrent_node_unhandled_rejections_total',
  help: 'Promise rejections nothing handled (each one is a bug).',
  registers: [registry],
});
process.on('unhandledRejection', (reason) => {
  unhandledRejections.inc();
  log.error('unhandled promise rejection (a bug: it should have been handled where it started)', {
    error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason),
  });
});

const nc = await connect({
  servers: config.NATS_URL,
  name: config.NODE_ID,
  reconnect: true,
  maxReconnectAttempts: -1,
  reconnectTimeWait: 500,
  waitOnFirstConnect: true,
  ...(config.NATS_TOKEN ? { token: config.NATS_TOKEN } : {}),
});
log.info('connected to NATS', { server: nc.getServer() });
void (async () => {
  for await (const status of nc.status())
    log.info('nats status', { type: status.type, data: String(status.data) });
})().catch((error: unknown) => log.warn('nats status stream ended', { error: String(error) }));

const runner = new TaskRunner(nc, db, config, log);
await runner.start();

// Hunter: the torrents live as long as the process; the rows are reconciled at start.
const engine = new WebTorrentEngine({
  downloadDir: config.DOWNLOAD_DIR,
  port: await usablePort(config.TORRENT_PORT, log),
  dht: config.TORRENT_DHT,
  pex: config.TORRENT_PEX,
  trackers: config.TORRENT_TRACKERS,
  lsd: config.TORRENT_LSD,
  utp: config.TORRENT_UTP,
  limits: { downloadLimit: config.DOWNLOAD_LIMIT, uploadLimit: config.UPLOAD_LIMIT },
  log: log.child({ module: 'downloads' }),
});
const engines = new Engines(engine);
// Real-Debrid with a token: users may pick it as their engine or for one download. Without one it
// is kept unlisted, its downloads waiting for a key (Settings may set one: live-services.ts).
engines.set(realDebridEngine({ nc, db, config, log }));
// The external clients an admin configured (read again when they change).
const reloadClients = clientLoader(engines, { db, config, log });
await reloadClients().catch((error: unknown) =>
  log.warn('cannot read the download clients', { error: String(error) }),
);
const downloads = new DownloadManager({
  db,
  nc,
  config,
  log: log.child({ module: 'downloads' }),
  engines,
  importDownload,
  reloadClients,
});
await downloads.start();

// Watching: the bytes of library files and of downloads in progress, for the API to forward. A
// port already taken costs streaming only (the API answers 503 until it is free), not the downloads.
const streamLog = log.child({ module: 'streaming' });
const subtitles = createSubtitleService({ db, config, log: streamLog });
const streams = await startStreamServer({
  host: config.STREAM_HOST,
  port: config.STREAM_PORT,
  db,
  engine: engines,
  config,
  log: streamLog,
  subtitles,
});

// The bot (with a token): after the runner, whose start creates the outbox's stream. It starts in
// the background and never fails torrent-node.
const telegram = liveTelegram({ nc, db, config, log });

// ---- Operations: alerts, Sentinel, the scheduler and backups, web push (started here, stopped in shutdown) ----
// Settings an admin stored override the environment's, now and on each change (no restart). The
// download queue's size is read when it reconciles: a change reconciles at once.
const services = liveServices({ nc, db, config, log, engines, downloads, telegram });
const settings = await startSettings({
  nc,
  db,
  config,
  log: log.child({ module: 'settings' }),
  env: process.env,
  onChange: (keys) => {
    if (keys.includes('MAX_CONCURRENT_DL')) downloads.reconcile();
    services.onChange(keys);
  },
});
const indexerTests = answerIndexerTests({ nc, db, config, log });
const oracleTests = answerOracleTests({ nc, config, log });
// Web push (with the VAPID pair): downloads ready, alerts and tests to the devices opted in.
const push = startPush({ nc, db, config, log });
// The scheduler: cron jobs, one node per occurrence (the lease in scheduled_jobs); the API's "run
// now" and backup requests are answered here.
const scheduler = new Scheduler({
  db,
  config,
  log: log.child({ module: 'scheduler' }),
  jobs: createJobs(),
});
await scheduler.start();
const opsRequests = startOpsResponder({
  nc,
  scheduler,
  backups: backupOps({ config, scheduler, log: log.child({ module: 'backup' }) }),
  log,
});

// Sentinel: named checks of every dependency and of the host, their alerts (one per cause across
// nodes) to admins' sockets, Telegram and web push; this node's heartbeats into ops_nodes.
const alerts = new AlertManager({ db, nc, config, log: log.child({ module: 'alerts' }) });
downloads.useAlerts(alerts);
const heartbeats = recordHeartbeats({ db, config, log, startedAt });
const sentinel = new Sentinel({
  db,
  alerts,
  config,
  log: log.child({ module: 'sentinel' }),
  sources: defaultSources({
    db,
    nc,
    config,
    log: log.child({ module: 'sentinel' }),
    engines,
    indexers: { pool: indexerPool, endpoints: () => configuredIndexers(config, db) },
    subtitleQuota: () => subtitles.quota(),
  }),
});
await sentinel.start();

async function databaseUp(): Promise<boolean> {
  try {
    await db.ping();
    return true;
  } catch {
    return false;
  }
}

/** Free space of the media folders; a folder that cannot be read is left out. */
async function storage(): Promise<TorrentHealthReply['storage']> {
  const folders = [
    { folder: 'downloads' as const, path: config.DOWNLOAD_DIR },
    ...(config.LIBRARY_DIR ? [{ folder: 'library' as const, path: config.LIBRARY_DIR }] : []),
  ];
  const read = await Promise.all(
    folders.map(async (f) => {
      const stats = await statfs(f.path).catch(() => null);
      return stats && { ...f, freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
    }),
  );
  return read.filter((f) => f !== null);
}

nc.subscribe(Subjects.torrentHealth, {
  // NATS does not wait for an async callback: its promise must never reject.
  callback: async (err, msg) => {
    if (err) return;
    const database = (await databaseUp()) ? 'up' : 'down';
    const reply: TorrentHealthReply = {
      nodeId: config.NODE_ID,
      status: database === 'up' ? 'up' : 'degraded',
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      database,
      runningTasks: runner.activeCount,
      engines: engines.info(),
      storage: await storage(),
      activeStreams: streams.activeStreams(),
    };
    try {
      msg.respond(json.encode(reply));
    } catch (error) {
      log.warn('cannot answer a health probe', { error: String(error) });
    }
  },
});

const heartbeat = setInterval(() => {
  const beat: TorrentHeartbeat = {
    nodeId: config.NODE_ID,
    ts: new Date().toISOString(),
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    rssBytes: process.memoryUsage().rss,
  };
  try {
    nc.publish(Subjects.torrentHeartbeat, json.encode(beat));
  } catch (error) {
    log.warn('cannot publish the heartbeat', { error: String(error) });
  }
}, config.HEARTBEAT_INTERVAL_MS);

const announce = (state: 'online' | 'offline') =>
  publishEvent(nc, null, {
    id: crypto.randomUUID(),
    ts: new Date().toISOString(),
    type: 'node.status',
    data: { nodeId: config.NODE_ID, state },
  });
announce('online');

const metrics = await startMetricsServer(
  config.TORRENT_NODE_METRICS_HOST,
  config.TORRENT_NODE_METRICS_PORT,
  config.METRICS_TOKEN,
);
log.info('torrent-node ready', {
  torrentPort: engine.port,
  stream: `${config.STREAM_HOST}:${streams.port}`,
  metrics: `${config.TORRENT_NODE_METRICS_HOST}:${config.TORRENT_NODE_METRICS_PORT}`,
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    log.warn('second signal: exiting now');
    process.exit(1);
  }
  stopping = true;
  log.info('shutting down', { signal });
  clearInterval(heartbeat);
  announce('offline');
  // ---- operations stop ----
  await sentinel.stop();
  alerts.stop();
  await heartbeats.stop();
  opsRequests.unsubscribe();
  await scheduler.stop(5_000);
  settings.stop();
  services.stop();
  indexerTests.unsubscribe();
  oracleTests.unsubscribe();
  await push?.stop().catch((error: unknown) => log.warn('web push stop failed', { error: String(error) }));
  await runner.stop(5_000);
  // Before the engine stops: open reads end here rather than on a torrent going away.
  await streams
    .close(config.SHUTDOWN_TIMEOUT_MS / 2)
    .catch((error: unknown) => log.warn('stream server close failed', { error: String(error) }));
  // Before NATS drains: the last checkpoint and its events still go out.
  await downloads
    .stop()
    .catch((error: unknown) => log.warn('download manager stop failed', { error: String(error) }));
  await telegram
    ?.stop()
    .catch((error: unknown) => log.warn('telegram stop failed', { error: String(error) }));
  metrics.close();
  await nc.drain().catch(() => undefined);
  await sql.end({ timeout: 2 });
  log.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// Started by the launcher in its own process group: if the launcher dies without stopping us, stop.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown('parent exited');
}, 1000).unref();
process.on('SIGINT', () => void shutdown('SIGINT'));
