import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
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
