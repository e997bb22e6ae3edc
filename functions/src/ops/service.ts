import {
  type Backup,
  type BackupList,
  type ErrorCode,
  type Job,
  type JobName,
  OpsReply,
  type OpsRequest,
  type SampleList,
  type SampleQuery,
  Subjects,
  type SystemOverview,
} from '@sokoul/contracts';
import { listAlerts, listChecks, listJobs, listNodes, listSamples, serverVersion } from '@sokoul/db';
import { assertAdmin } from '../auth/roles.js';
import type { Deps, Principal } from '../context.js';
import { ApiError } from '../errors.js';
import { VERSION } from '../health/service.js';

/**
 * The admin System page: what Sentinel and the scheduler wrote in the database, read here; what
 * only torrent-node can do (run a job, list, take or restore a backup in its BACKUP_DIR), asked of
 * it over NATS request/reply (Subjects.opsRequest). Every operation is for administrators.
 */

/**
 * A node is alive when seen within three heartbeats. The API does not know torrent-node's
 * HEARTBEAT_INTERVAL_MS: three of its default 10 s.
 */
const NODE_ALIVE_MS = 30_000;
/** Alerts shown: the open ones, then this many recently cleared. */
const RECENT_ALERTS = 50;
/** Listing the archives is a directory read. */
const LIST_TIMEOUT_MS = 5_000;
/** "Run now" and a backup answer once finished; longer runs go on after the answer is a 503. */
const RUN_TIMEOUT_MS = 60_000;
/** A restore replaces every table in one transaction. */
const RESTORE_TIMEOUT_MS = 120_000;

/** torrent-node's refusals (OpsReply `code`) as API errors; anything unexpected is its failure. */
const REFUSALS: Partial<Record<ErrorCode, 400 | 404 | 409 | 503>> = {
  bad_request: 400,
  validation_failed: 400,
  not_found: 404,
  conflict: 409,
  invalid_state: 409,
  not_configured: 503,
  dependency_unavailable: 503,
};

function refusal(code: string, message: string): ApiError {
  const status = REFUSALS[code as ErrorCode];
  return status ? new ApiError(status, code as ErrorCode, message) : new ApiError(500, 'internal', message);
}

type Answer = Extract<OpsReply, { ok: true }>;

/** One request to whichever torrent-node answers first; no answer (none running, too slow) is a 503. */
async function ask(deps: Deps, request: OpsRequest, timeoutMs: number): Promise<Answer> {
  let raw: unknown;
  try {
    raw = await deps.infra.bus.request(Subjects.opsRequest, request, timeoutMs);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 503) throw error;
    deps.log.warn('no torrent-node answered an ops request', { op: request.op, error: error.message });
    throw new ApiError(
      503,
      'dependency_unavailable',
      `No torrent-node answered within ${Math.round(timeoutMs / 1000)} s (${request.op}): is one running?`,
    );
  }
  const parsed = OpsReply.safeParse(raw);
  if (!parsed.success) {
    deps.log.error('torrent-node sent an ops reply of the wrong shape', { op: request.op });
    throw new ApiError(500, 'internal', 'torrent-node sent an unexpected answer');
  }
  const reply = parsed.data;
  if (!reply.ok) throw refusal(reply.code, reply.message);
  return reply;
}

/** A successful reply that lacks what the operation promises is torrent-node's bug, not the caller's. */
function missing(what: string): never {
  throw new ApiError(500, 'internal', `torrent-node answered without the ${what}`);
}

export async function overview(deps: Deps, principal: Principal): Promise<SystemOverview> {
  assertAdmin(principal);
  const { db } = deps.infra;
  const [checks, alerts, jobs, nodes, postgres] = await Promise.all([
    listChecks(db),
    listAlerts(db, RECENT_ALERTS),
    listJobs(db),
    listNodes(db, NODE_ALIVE_MS),
    serverVersion(db),
  ]);
  // torrent-node's version as the most recently seen node (listed first) reports it: nodes may
  // differ in the middle of an upgrade.
  return {
    checks,
    alerts,
    jobs,
    nodes,
    versions: { sokoul: VERSION, postgres, node: nodes[0]?.version || null },
  };
}

export async function samples(deps: Deps, principal: Principal, query: SampleQuery): Promise<SampleList> {
  assertAdmin(principal);
  return { items: await listSamples(deps.infra.db, query.metric, query.hours) };
}

export async function runJob(deps: Deps, principal: Principal, name: JobName): Promise<Job> {
  assertAdmin(principal);
  deps.log.info('job run asked', { job: name, userId: principal.userId });
  const reply = await ask(deps, { op: 'job.run', job: name, userId: principal.userId }, RUN_TIMEOUT_MS);
  return reply.job ?? missing('job');
}

export async function backups(deps: Deps, principal: Principal): Promise<BackupList> {
  assertAdmin(principal);
  const reply = await ask(deps, { op: 'backup.list' }, LIST_TIMEOUT_MS);
  return reply.backups ?? missing('backup list');
}

export async function createBackup(deps: Deps, principal: Principal): Promise<Backup> {
  assertAdmin(principal);
  deps.log.info('backup asked', { userId: principal.userId });
  const reply = await ask(deps, { op: 'backup.create', userId: principal.userId }, RUN_TIMEOUT_MS);
  return reply.backup ?? missing('backup');
}

export async function restoreBackup(deps: Deps, principal: Principal, name: string): Promise<void> {
  assertAdmin(principal);
  deps.log.warn('restore asked', { backup: name, userId: principal.userId });
  await ask(deps, { op: 'backup.restore', name, userId: principal.userId }, RESTORE_TIMEOUT_MS);
}
