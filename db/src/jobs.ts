import { type Job, JobName, type JobOutcome, type Sample, type SampleMetric } from '@sokoul/contracts';
import { type Db, iso, isoOrNull, type Timestamp } from './db.js';

/*
 * The scheduler's `scheduled_jobs` rows and the metrics collector's `ops_samples`. A job's row is
 * also its lock: the lease (running_node, lease_until) says which torrent-node runs it now, and
 * last_started_at says which occurrence was taken last, so two nodes never run the same one.
 */

interface JobRow {
  name: JobName;
  schedule: string;
  enabled: boolean;
  next_run_at: Timestamp | null;
  running_node: string | null;
  lease_until: Timestamp | null;
  last_started_at: Timestamp | null;
  last_finished_at: Timestamp | null;
  last_duration_ms: number | null;
  last_outcome: JobOutcome | null;
  last_detail: string;
  last_result: Record<string, string | number> | null;
  last_node: string | null;
  last_manual: boolean;
  /** Computed: the lease ran out while the row still says running (its node died mid-run). */
  lease_lost: boolean;
}

const COLUMNS = `name, schedule, enabled, next_run_at, running_node, lease_until, last_started_at,
  last_finished_at, last_duration_ms, last_outcome, last_detail, last_result, last_node, last_manual,
  (last_outcome = 'running' AND (lease_until IS NULL OR lease_until < now())) AS lease_lost`;

/** The reason shown for a run whose node stopped before it finished. */
export const LEASE_LOST_DETAIL = 'interrupted: its torrent-node stopped before the run finished';

function jobFromRow(row: JobRow): Job {
  const lost = row.lease_lost === true;
  return {
    name: row.name,
    schedule: row.schedule,
    enabled: row.enabled,
    lastRun:
      row.last_started_at === null || row.last_outcome === null
        ? null
        : {
            startedAt: iso(row.last_started_at),
            finishedAt: isoOrNull(row.last_finished_at),
            durationMs: row.last_duration_ms,
            outcome: lost ? 'failed' : row.last_outcome,
            detail: lost ? LEASE_LOST_DETAIL : row.last_detail,
            result: row.last_result ?? {},
            nodeId: row.last_node ?? '',
            manual: row.last_manual,
          },
    nextRunAt: isoOrNull(row.next_run_at),
  };
}

const ORDER = JobName.options;
const byName = (a: Job, b: Job) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name);

/** Every job with its last run and next run, in the order of `JobName`. */
export async function listJobs(db: Db): Promise<Job[]> {
  const rows = await db.query<JobRow>(`SELECT ${COLUMNS} FROM scheduled_jobs`);
  return rows
    .filter((row) => JobName.safeParse(row.name).success)
    .map(jobFromRow)
    .sort(byName);
}

export async function getJob(db: Db, name: JobName): Promise<Job | undefined> {
  const [row] = await db.query<JobRow>(`SELECT ${COLUMNS} FROM scheduled_jobs WHERE name = $1`, [name]);
  return row && jobFromRow(row);
}

/**
 * Creates the jobs' rows at start; the schedules are the code's, so a changed one replaces the
 * stored one. Runs on every node, so it is idempotent.
 */
export async function ensureJobs(
  db: Db,
  jobs: readonly { name: JobName; schedule: string }[],
): Promise<void> {
  for (const job of jobs) {
    await db.execute(
      `INSERT INTO scheduled_jobs (name, schedule) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET schedule = EXCLUDED.schedule`,
      [job.name, job.schedule],
    );
  }
}

/** The next time the schedule fires, as the scheduler computed it (null: no schedule runs). */
export async function setNextRun(db: Db, name: JobName, nextRunAt: Date | null): Promise<void> {
  await db.execute('UPDATE scheduled_jobs SET next_run_at = $2 WHERE name = $1', [name, nextRunAt]);
}

export interface Claim {
  name: JobName;
  nodeId: string;
  /** How long the lease lasts unless renewed. */
  leaseMs: number;
  /**
   * The scheduled occurrence being claimed: taken only if no run started at or after it. Its
   * start is recorded as at least the occurrence, so a node whose clock is ahead of the database's
   * cannot leave the occurrence claimable by another. Null: a manual run ("run now").
   */
  occurrence: Date | null;
}

/**
 * Takes a job's lease in one statement: free (or expired) and, for a scheduled run, this
 * occurrence not taken yet. Answers the started run's time, or null when another node has it
 * (running now, or this occurrence already ran) or the job is unknown.
 */
export async function claimJob(db: Db, claim: Claim): Promise<{ startedAt: string } | null> {
  const [row] = await db.query<{ last_started_at: Timestamp }>(
    `UPDATE scheduled_jobs
        SET running_node = $2, lease_until = now() + make_interval(secs => $3::double precision / 1000),
            last_started_at = GREATEST(now(), COALESCE($4::timestamptz, now())),
            last_finished_at = NULL, last_duration_ms = NULL, last_outcome = 'running',
            last_detail = '', last_result = '{}', last_node = $2, last_manual = $4::timestamptz IS NULL
      WHERE name = $1
        AND (running_node IS NULL OR lease_until IS NULL OR lease_until < now())
        AND ($4::timestamptz IS NULL OR (enabled AND (last_started_at IS NULL OR last_started_at < $4::timestamptz)))
      RETURNING last_started_at`,
    [claim.name, claim.nodeId, claim.leaseMs, claim.occurrence],
  );
  return row ? { startedAt: iso(row.last_started_at) } : null;
}

/** Extends a running job's lease; false when this node no longer holds it. */
export async function renewJobLease(
  db: Db,
  name: JobName,
  nodeId: string,
  leaseMs: number,
): Promise<boolean> {
  const count = await db.execute(
    `UPDATE scheduled_jobs SET lease_until = now() + make_interval(secs => $3::double precision / 1000)
      WHERE name = $1 AND running_node = $2`,
    [name, nodeId, leaseMs],
  );
  return count > 0;
}

export interface RunEnd {
  name: JobName;
  nodeId: string;
  outcome: 'ok' | 'failed';
  durationMs: number;
  detail: string;
  result: Record<string, string | number>;
  /** The schedule's next occurrence (null: none, e.g. the scheduler is disabled). */
  nextRunAt: Date | null;
}

/**
 * Records a run's end and frees the lease, only if this node still holds it (a node whose lease
 * expired and was taken by another must not overwrite that run). Answers the job as it now is.
 */
export async function finishJob(db: Db, end: RunEnd): Promise<Job | undefined> {
  const [row] = await db.query<JobRow>(
    `UPDATE scheduled_jobs
        SET running_node = NULL, lease_until = NULL, last_finished_at = now(), last_duration_ms = $3,
            last_outcome = $4, last_detail = $5, last_result = $6::jsonb,
            next_run_at = COALESCE($7, next_run_at)
      WHERE name = $1 AND running_node = $2
      RETURNING ${COLUMNS}`,
    [
      end.name,
      end.nodeId,
      Math.round(end.durationMs),
      end.outcome,
      end.detail.slice(0, 2000),
      end.result,
      end.nextRunAt,
    ],
  );
  return row && jobFromRow(row);
}

/** The collector's values, in one statement. */
export async function insertSamples(db: Db, samples: readonly Sample[]): Promise<void> {
  if (samples.length === 0) return;
  await db.execute(
    `INSERT INTO ops_samples (at, node_id, metric, value, total)
     SELECT (s->>'at')::timestamptz, s->>'nodeId', s->>'metric', (s->>'value')::double precision,
            (s->>'total')::double precision
       FROM jsonb_array_elements($1::jsonb -> 'samples') AS s`,
    [{ samples }],
  );
}

interface SampleRow {
  at: Timestamp;
  node_id: string;
  metric: SampleMetric;
  value: number;
  total: number | null;
}

/** One metric's samples over the last `hours`, oldest first (every node's). */
export async function listSamples(db: Db, metric: SampleMetric, hours: number): Promise<Sample[]> {
  const rows = await db.query<SampleRow>(
    `SELECT at, node_id, metric, value, total FROM ops_samples
      WHERE metric = $1 AND at > now() - make_interval(hours => $2)
      ORDER BY at, node_id LIMIT 20000`,
    [metric, hours],
  );
  return rows.map((row) => ({
    at: iso(row.at),
    nodeId: row.node_id,
    metric: row.metric,
    value: Number(row.value),
    total: row.total === null ? null : Number(row.total),
  }));
}

/** Removes samples older than `days`; returns how many. */
export const purgeSamples = (db: Db, days: number): Promise<number> =>
  db.execute('DELETE FROM ops_samples WHERE at < now() - make_interval(days => $1)', [days]);

/** The detail of a run a restore interrupted (the archive's copy of the row said running). */
export const RESTORE_DETAIL = 'interrupted: a backup was restored while it ran';

/**
 * After a restore: the archive was taken while its own `backup` run held the lease, so the
 * restored rows say running. No run survives a restore: every lease is freed.
 */
export const releaseRestoredLeases = (db: Db): Promise<number> =>
  db.execute(
    `UPDATE scheduled_jobs SET running_node = NULL, lease_until = NULL,
            last_outcome = CASE WHEN last_outcome = 'running' THEN 'failed' ELSE last_outcome END,
            last_detail = CASE WHEN last_outcome = 'running' THEN $1 ELSE last_detail END
      WHERE running_node IS NOT NULL OR last_outcome = 'running'`,
    [RESTORE_DETAIL],
  );
