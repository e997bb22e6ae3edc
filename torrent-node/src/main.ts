import {
  parseConfig,
  Subjects,
  type TorrentHealthReply,
  type TorrentHeartbeat,
  TorrentNodeConfigSchema,
} from '@sokoul/contracts';
import { connect, JSONCodec } from 'nats';
import postgres from 'postgres';
import { publishEvent } from './events.js';
import { createLogger } from './log.js';
import { startMetricsServer } from './metrics.js';
import { TaskRunner } from './tasks/runner.js';

/**
 * torrent-node: the long-running Node service. For now it runs background tasks, answers health
 * probes and publishes heartbeats; BitTorrent, indexers and streaming arrive with later features.
 */
const config = parseConfig(TorrentNodeConfigSchema, process.env);
const log = createLogger(config.LOG_LEVEL);
const startedAt = Date.now();
const json = JSONCodec<unknown>();

const sql = postgres(config.DATABASE_URL, {
  max: 5,
  idle_timeout: 60,
  connect_timeout: 5,
  onnotice: () => {},
  connection: { application_name: 'sokoul-torrent-node' },
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
log.info({ server: nc.getServer() }, 'connected to NATS');
void (async () => {
  for await (const status of nc.status())
    log.info({ type: status.type, data: String(status.data) }, 'nats status');
})();

const runner = new TaskRunner(nc, sql, config, log);
await runner.start();

async function databaseUp(): Promise<boolean> {
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}

nc.subscribe(Subjects.torrentHealth, {
  callback: async (err, msg) => {
    if (err) return;
    const database = (await databaseUp()) ? 'up' : 'down';
    const reply: TorrentHealthReply = {
      nodeId: config.NODE_ID,
      status: database === 'up' ? 'up' : 'degraded',
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      database,
      runningTasks: runner.activeCount,
    };
    msg.respond(json.encode(reply));
  },
});

const heartbeat = setInterval(() => {
  const beat: TorrentHeartbeat = {
    nodeId: config.NODE_ID,
    ts: new Date().toISOString(),
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    rssBytes: process.memoryUsage().rss,
  };
  nc.publish(Subjects.torrentHeartbeat, json.encode(beat));
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
log.info(
  { metrics: `${config.TORRENT_NODE_METRICS_HOST}:${config.TORRENT_NODE_METRICS_PORT}` },
  'torrent-node ready',
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    log.warn('second signal: exiting now');
    process.exit(1);
  }
  stopping = true;
  log.info({ signal }, 'shutting down');
  clearInterval(heartbeat);
  announce('offline');
  await runner.stop(5_000);
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
