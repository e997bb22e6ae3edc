import {
  type DependencyHealth,
  type DependencyName,
  type HealthReport,
  Subjects,
  TorrentHealthReply,
} from '@sokoul/contracts';
import { listNodes } from '@sokoul/db';
import { errorMessage } from '@sokoul/durable-objects';
import type { Deps } from '../context.js';
import { registry } from '../http/metrics.js';
import type { Infra } from '../infra/index.js';

export const VERSION = '0.1.0';
const PROBE_TIMEOUT_MS = 1500;
/** Probes are shared for this long so a burst of health checks does not become a burst of probes. */
const MEMO_MS = 1000;
/**
 * A torrent-node is alive when its heartbeat is this recent: three of its default
 * HEARTBEAT_INTERVAL_MS (10 s), which the API does not know.
 */
const NODE_ALIVE_MS = 30_000;

/** `run`, or a rejection once PROBE_TIMEOUT_MS passed (a stuck Durable Object must not hold /health). */
async function withTimeout<T>(run: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
          PROBE_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function probe(run: () => Promise<string | undefined>): Promise<DependencyHealth> {
  const started = performance.now();
  try {
    const detail = await withTimeout(run);
    return {
      status: 'up',
      latencyMs: Math.round(performance.now() - started),
      ...(detail ? { detail } : {}),
    };
  } catch (error) {
    return { status: 'down', latencyMs: null, detail: errorMessage(error) };
  }
}

/** What torrent-node answered to the health probe, or why it did not. */
export type TorrentNodeAnswer =
  | { ok: true; reply: TorrentHealthReply; latencyMs: number }
  | { ok: false; error: string };

let nodeMemo: { at: number; answer: TorrentNodeAnswer } | undefined;

/**
 * torrent-node's health answer (its engines among it), shared for MEMO_MS by /health, the engines
 * list and the engine state of downloads, so pages that show downloads do not each probe it.
 * `reuseFailure`: a recent failure is answered again too (the download routes, which must not wait
 * for the probe's timeout on every call while torrent-node is down); /health always asks again.
 */
export async function torrentNode(infra: Infra, reuseFailure = false): Promise<TorrentNodeAnswer> {
  const memo = nodeMemo;
  if (memo && Date.now() - memo.at < MEMO_MS && (memo.answer.ok || reuseFailure)) return memo.answer;
  const started = performance.now();
  let answer: TorrentNodeAnswer;
  try {
    const reply = TorrentHealthReply.parse(
      await withTimeout(() => infra.bus.request(Subjects.torrentHealth, {}, PROBE_TIMEOUT_MS - 100)),
    );
    answer = { ok: true, reply, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    answer = { ok: false, error: errorMessage(error) };
  }
  // Only settled answers are shared (see `memo` below).
  nodeMemo = { at: Date.now(), answer };
  return answer;
}

function torrentNodeHealth(answer: TorrentNodeAnswer): DependencyHealth {
  if (!answer.ok) return { status: 'down', latencyMs: null, detail: answer.error };
  const { reply } = answer;
  if (reply.status !== 'up') {
    return {
      status: 'down',
      latencyMs: null,
      detail: `torrent-node is ${reply.status} (database ${reply.database})`,
    };
  }
  return { status: 'up', latencyMs: answer.latencyMs, detail: reply.nodeId };
}

async function check(infra: Infra): Promise<HealthReport> {
  const [database, nats, cache, node, nodes] = await Promise.all([
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
    torrentNode(infra),
    withTimeout(() => listNodes(infra.db, NODE_ALIVE_MS)).catch(() => []),
  ]);
  const checks: Record<DependencyName, DependencyHealth> = {
    database,
    nats,
    cache,
    torrentNode: torrentNodeHealth(node),
  };
  const failing = (Object.keys(checks) as DependencyName[]).filter((name) => checks[name].status === 'down');
  return {
    status: failing.length === 0 ? 'ok' : 'degraded',
    version: VERSION,
    checkedAt: new Date().toISOString(),
    checks,
    failing,
    engines: node.ok ? node.reply.engines : [],
    nodes,
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
