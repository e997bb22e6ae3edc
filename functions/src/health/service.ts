import {
  type DependencyHealth,
  type DependencyName,
  type HealthReport,
  Subjects,
  TorrentHealthReply,
} from '@sokoul/contracts';
import { errorMessage } from '@sokoul/durable-objects';
import type { Deps } from '../context.js';
import { registry } from '../http/metrics.js';
import type { Infra } from '../infra/index.js';

export const VERSION = '0.1.0';
const PROBE_TIMEOUT_MS = 1500;
/** Probes are shared for this long so a burst of health checks does not become a burst of probes. */
const MEMO_MS = 1000;

async function probe(run: () => Promise<string | undefined>): Promise<DependencyHealth> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const detail = await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
          PROBE_TIMEOUT_MS,
        );
      }),
    ]);
    return {
      status: 'up',
      latencyMs: Math.round(performance.now() - started),
      ...(detail ? { detail } : {}),
    };
  } catch (error) {
    return { status: 'down', latencyMs: null, detail: errorMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}

async function check(infra: Infra): Promise<HealthReport> {
  const [database, nats, cache, torrentNode] = await Promise.all([
    probe(async () => {
      await infra.db.ping();
      return undefined;
    }),
    probe(async () => {
      const status = await infra.bus.status();
      if (!status.connected) throw new Error(status.detail ?? 'not connected');
      return undefined;
    }),
    probe(async () => {
      await infra.cache.ping();
      return infra.cache.kind;
    }),
    probe(async () => {
      const reply = TorrentHealthReply.parse(
        await infra.bus.request(Subjects.torrentHealth, {}, PROBE_TIMEOUT_MS - 100),
      );
      if (reply.status !== 'up')
        throw new Error(`torrent-node is ${reply.status} (database ${reply.database})`);
      return reply.nodeId;
    }),
  ]);
  const checks: Record<DependencyName, DependencyHealth> = { database, nats, cache, torrentNode };
  const failing = (Object.keys(checks) as DependencyName[]).filter((name) => checks[name].status === 'down');
  return {
    status: failing.length === 0 ? 'ok' : 'degraded',
    version: VERSION,
    checkedAt: new Date().toISOString(),
    checks,
    failing,
  };
}

// Only settled reports are shared: a promise started by one request cannot be awaited by another on workerd.
let memo: { at: number; report: HealthReport } | undefined;

/** GET /health: a degraded report is still a report (the handler answers it with 503). */
export async function health(deps: Deps): Promise<HealthReport> {
  if (memo && Date.now() - memo.at < MEMO_MS) return memo.report;
  const report = await check(deps.infra);
  // A degraded report is not reused: recovery should show on the next probe.
  memo = report.status === 'ok' ? { at: Date.now(), report } : undefined;
  return report;
}

/** GET /metrics: this isolate's registry in the Prometheus text format (access is checked by the route). */
export const metrics = (): Promise<string> => registry.metrics();
