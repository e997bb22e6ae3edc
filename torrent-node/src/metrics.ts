import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'sokoul_torrent_node_' });

export const tasksTotal = new Counter({
  name: 'sokoul_tasks_total',
  help: 'Tasks finished by torrent-node, by type and final status.',
  labelNames: ['type', 'status'] as const,
  registers: [registry],
});

export const taskDuration = new Histogram({
  name: 'sokoul_task_duration_seconds',
  help: 'Task run time in seconds, by type.',
  labelNames: ['type'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
  registers: [registry],
});

export const tasksRunning = new Gauge({
  name: 'sokoul_tasks_running',
  help: 'Tasks currently running on torrent-node.',
  registers: [registry],
});

/** `/metrics` in Prometheus format; with METRICS_TOKEN set it needs `Authorization: Bearer <token>`. */
export async function startMetricsServer(
  host: string,
  port: number,
  token: string | undefined,
): Promise<Server> {
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  const server = createServer(async (req, res) => {
    if (req.url !== '/metrics' || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'Only GET /metrics is served here' } }));
      return;
    }
    const given = Buffer.from(req.headers.authorization ?? '');
    if (expected && (given.length !== expected.length || !timingSafeEqual(given, expected))) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 'unauthorized', message: 'A valid metrics token is required' } }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(await registry.metrics());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}

export const oracleCalls = new Counter({
  name: 'sokoul_oracle_calls_total',
  help: 'Oracle rescoring calls, by outcome (ok, cached, timeout, invalid, error).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const oracleDuration = new Histogram({
  name: 'sokoul_oracle_duration_seconds',
  help: 'Duration of calls to the LLM endpoint.',
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10],
  registers: [registry],
});

// Operations: the scheduler and the sentinel update these; the Grafana dashboard reads them.
export const jobRuns = new Counter({
  name: 'sokoul_job_runs_total',
  help: 'Scheduled job runs finished, by job and outcome.',
  labelNames: ['job', 'outcome'] as const,
  registers: [registry],
});

export const jobDuration = new Histogram({
  name: 'sokoul_job_duration_seconds',
  help: 'Scheduled job run time in seconds, by job.',
  labelNames: ['job'] as const,
  buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
  registers: [registry],
});

export const alertsActive = new Gauge({
  name: 'sokoul_alerts_active',
  help: 'Alerts currently open, by level.',
  labelNames: ['level'] as const,
  registers: [registry],
});

export const alertsRaised = new Counter({
  name: 'sokoul_alerts_raised_total',
  help: 'Alerts raised (opened, not repeated), by code.',
  labelNames: ['code'] as const,
  registers: [registry],
});

// Indexers: named after exportarr's Prowlarr metrics (prowlarr_indexer_queries_total,
// prowlarr_indexer_failed_queries_total, …) with Sokoul's prefix, so *arr dashboards read alike.
export const indexerQueries = new Counter({
  name: 'sokoul_indexer_queries_total',
  help: 'Searches sent to an indexer (refused ones are counted as skipped), by indexer.',
  labelNames: ['indexer'] as const,
  registers: [registry],
});

export const indexerFailedQueries = new Counter({
  name: 'sokoul_indexer_failed_queries_total',
  help: 'Searches an indexer failed, by indexer and reason (timeout, failed).',
  labelNames: ['indexer', 'reason'] as const,
  registers: [registry],
});

export const indexerSkippedQueries = new Counter({
  name: 'sokoul_indexer_skipped_queries_total',
  help: 'Searches not sent to an indexer (circuit open or over its rate), by indexer.',
  labelNames: ['indexer'] as const,
  registers: [registry],
});

export const indexerResponseTime = new Histogram({
  name: 'sokoul_indexer_response_time_seconds',
  help: 'Time an indexer took to answer a search (caps included), by indexer.',
  labelNames: ['indexer'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30],
  registers: [registry],
});

export const indexerCircuitOpen = new Gauge({
  name: 'sokoul_indexer_circuit_open',
  help: '1 while an indexer is left alone after failures (circuit open or half-open), else 0.',
  labelNames: ['indexer'] as const,
  registers: [registry],
});

/** One indexer's answer to one search (scout reports every answer, skipped ones included). */
export function observeIndexerQuery(report: {
  indexer: string;
  status: 'ok' | 'failed' | 'timeout' | 'skipped';
  latencyMs: number;
}): void {
  if (report.status === 'skipped') {
    indexerSkippedQueries.inc({ indexer: report.indexer });
    return;
  }
  indexerQueries.inc({ indexer: report.indexer });
  indexerResponseTime.observe({ indexer: report.indexer }, report.latencyMs / 1000);
  if (report.status !== 'ok') indexerFailedQueries.inc({ indexer: report.indexer, reason: report.status });
}

export function observeIndexerCircuits(health: { indexer: string; state: string }[]): void {
  for (const h of health) indexerCircuitOpen.set({ indexer: h.indexer }, h.state === 'closed' ? 0 : 1);
}

// Downloads: the manager reports its live downloads once a second (its tick).
export const downloadsActive = new Gauge({
  name: 'sokoul_downloads_active',
  help: 'Downloads this torrent-node works on (queued rows excluded), by state and engine.',
  labelNames: ['state', 'engine'] as const,
  registers: [registry],
});

export const downloadedBytes = new Counter({
  name: 'sokoul_downloaded_bytes_total',
  help: 'Bytes received by the download engines, by engine.',
  labelNames: ['engine'] as const,
  registers: [registry],
});

export const uploadedBytes = new Counter({
  name: 'sokoul_uploaded_bytes_total',
  help: 'Bytes sent to peers by the download engines, by engine.',
  labelNames: ['engine'] as const,
  registers: [registry],
});

export const downloadSpeed = new Gauge({
  name: 'sokoul_download_speed_bytes_per_second',
  help: 'Current download speed of the running downloads, by engine.',
  labelNames: ['engine'] as const,
  registers: [registry],
});

export const uploadSpeed = new Gauge({
  name: 'sokoul_upload_speed_bytes_per_second',
  help: 'Current upload speed of the running downloads, by engine.',
  labelNames: ['engine'] as const,
  registers: [registry],
});

/** Engines count from zero when they take a torrent: counters grow by the difference per tick. */
const lastTransfer = new Map<string, { received: number; uploaded: number }>();
const tickSpeeds = new Map<string, { engine: string; down: number; up: number }>();
const knownEngines = new Set<string>();

/** A running (downloading or seeding) download's figures, during the manager's tick. */
export function observeDownloadBytes(
  id: string,
  engine: string,
  stats: { received: number; uploaded: number; downloadSpeed: number; uploadSpeed: number },
): void {
  const last = lastTransfer.get(id);
  // Smaller than last time: the engine took the torrent again and restarted its count.
  const grew = (now: number, before: number | undefined) =>
    before === undefined || now < before ? now : now - before;
  const received = grew(stats.received, last?.received);
  const uploaded = grew(stats.uploaded, last?.uploaded);
  if (received > 0) downloadedBytes.inc({ engine }, received);
  if (uploaded > 0) uploadedBytes.inc({ engine }, uploaded);
  lastTransfer.set(id, { received: stats.received, uploaded: stats.uploaded });
  tickSpeeds.set(id, { engine, down: stats.downloadSpeed, up: stats.uploadSpeed });
}

/** End of the manager's tick: every live download with its state; speeds summed per engine. */
export function observeDownloads(live: { id: string; engine: string; state: string }[]): void {
  downloadsActive.reset();
  const ids = new Set<string>();
  for (const d of live) {
    ids.add(d.id);
    knownEngines.add(d.engine);
    downloadsActive.inc({ state: d.state, engine: d.engine });
  }
  const down = new Map<string, number>();
  const up = new Map<string, number>();
  for (const [id, s] of tickSpeeds) {
    if (!ids.has(id)) continue;
    down.set(s.engine, (down.get(s.engine) ?? 0) + s.down);
    up.set(s.engine, (up.get(s.engine) ?? 0) + s.up);
  }
  // An engine with nothing running shows 0, not a stale last speed.
  for (const engine of knownEngines) {
    downloadSpeed.set({ engine }, down.get(engine) ?? 0);
    uploadSpeed.set({ engine }, up.get(engine) ?? 0);
  }
  tickSpeeds.clear();
  for (const id of lastTransfer.keys()) if (!ids.has(id)) lastTransfer.delete(id);
}

// Streams: what players read from the stream server, by playback mode.
export type PlaybackMode = 'direct' | 'remux' | 'transcode';

export const streamRequests = new Counter({
  name: 'sokoul_stream_requests_total',
  help: 'Stream and remux requests from players, by playback mode (direct, remux, transcode).',
  labelNames: ['mode'] as const,
  registers: [registry],
});

export const streamBytes = new Counter({
  name: 'sokoul_stream_bytes_total',
  help: 'Bytes the stream server sent to players (headers included), by playback mode.',
  labelNames: ['mode'] as const,
  registers: [registry],
});

const viewers = new Map<string, { mode: PlaybackMode; at: number }>();
let viewerIdleMs = 60_000;

export const streamsActive = new Gauge({
  name: 'sokoul_streams_active',
  help: 'People watching: a user reading a file within STREAM_IDLE_SECONDS, by playback mode.',
  labelNames: ['mode'] as const,
  registers: [registry],
  collect() {
    const since = Date.now() - viewerIdleMs;
    const counts: Record<PlaybackMode, number> = { direct: 0, remux: 0, transcode: 0 };
    for (const [viewer, v] of viewers) {
      if (v.at < since) viewers.delete(viewer);
      else counts[v.mode]++;
    }
    for (const [mode, n] of Object.entries(counts)) this.set({ mode }, n);
  },
});

/**
 * One player request (`viewer` is user and file): counted, and its bytes measured on its socket
 * when it ends (requests on a keep-alive socket follow one another, so the difference is its own).
 */
export function meterStream(res: ServerResponse, mode: PlaybackMode, viewer: string, idleMs: number): void {
  viewerIdleMs = idleMs;
  viewers.set(viewer, { mode, at: Date.now() });
  streamRequests.inc({ mode });
  const socket = res.socket;
  if (!socket) return;
  const before = socket.bytesWritten;
  res.once('close', () => {
    const sent = socket.bytesWritten - before;
    if (sent > 0) streamBytes.inc({ mode }, sent);
  });
}
