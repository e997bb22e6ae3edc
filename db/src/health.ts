import type { Alert, AlertLevel, CheckKind, CheckStatus, HealthCheck, NodeSeen } from '@sokoul/contracts';
import { type Db, iso, isoOrNull, type Timestamp } from './db.js';

/**
 * Sentinel's tables: `health_checks` (the last result of each named check), `alerts` (at most one
 * open per cause: the partial unique index decides between nodes) and `ops_nodes` (torrent-nodes as
 * their heartbeats last saw them). torrent-node's Sentinel writes them; the API's System page and
 * /health read them.
 */

type Params = Record<string, string | number>;

interface CheckRow {
  id: string;
  kind: CheckKind;
  subject: string | null;
  status: CheckStatus;
  code: string;
  params: Params;
  message: string;
  impact: string;
  fix: string;
  node_id: string;
  checked_at: Timestamp;
  next_check_at: Timestamp;
  failing_since: Timestamp | null;
  failures: number;
}

const CHECK_COLUMNS = `id, kind, subject, status, code, params, message, impact, fix, node_id, checked_at,
  next_check_at, failing_since, failures`;

const toCheck = (row: CheckRow): HealthCheck => ({
  id: row.id,
  kind: row.kind,
  subject: row.subject,
  status: row.status,
  code: row.code,
  params: row.params,
  message: row.message,
  impact: row.impact,
  fix: row.fix,
  nodeId: row.node_id,
  checkedAt: iso(row.checked_at),
  nextCheckAt: iso(row.next_check_at),
  failingSince: isoOrNull(row.failing_since),
  failures: row.failures,
});

// ---- checks ----

/** Stores a check's latest result (one row per check id, whichever node ran it). */
export async function saveCheck(db: Db, check: HealthCheck): Promise<void> {
  await db.execute(
    `INSERT INTO health_checks (id, kind, subject, status, code, params, message, impact, fix, node_id,
       checked_at, next_check_at, failing_since, failures)
     VALUES ($1, $2, left($3, 300), $4, left($5, 100), $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, subject = excluded.subject,
       status = excluded.status, code = excluded.code, params = excluded.params,
       message = excluded.message, impact = excluded.impact, fix = excluded.fix,
       node_id = excluded.node_id, checked_at = excluded.checked_at,
       next_check_at = excluded.next_check_at, failing_since = excluded.failing_since,
       failures = excluded.failures`,
    [
      check.id,
      check.kind,
      check.subject,
      check.status,
      check.code,
      check.params,
      check.message,
      check.impact,
      check.fix,
      check.nodeId,
      new Date(check.checkedAt),
      new Date(check.nextCheckAt),
      check.failingSince === null ? null : new Date(check.failingSince),
      check.failures,
    ],
  );
}

/** Every check's latest result: failing ones first (errors, then warnings), then by id. */
export async function listChecks(db: Db): Promise<HealthCheck[]> {
  const rows = await db.query<CheckRow>(
    `SELECT ${CHECK_COLUMNS} FROM health_checks
     ORDER BY CASE status WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, id`,
  );
  return rows.map(toCheck);
}

export async function getCheck(db: Db, id: string): Promise<HealthCheck | null> {
  const [row] = await db.query<CheckRow>(`SELECT ${CHECK_COLUMNS} FROM health_checks WHERE id = $1`, [id]);
  return row ? toCheck(row) : null;
}

/**
 * Deletes the checks of `kind` last written by `nodeId` whose id is not in `keep` (an indexer or a
 * client that was removed); their ids, for the caller to clear their alerts. Other nodes' rows are
 * theirs to prune (each node checks the others' heartbeats, not its own).
 */
export async function pruneChecks(
  db: Db,
  nodeId: string,
  kind: CheckKind,
  keep: readonly string[],
): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `DELETE FROM health_checks
     WHERE node_id = $1 AND kind = $2 AND id NOT IN (SELECT jsonb_array_elements_text($3::jsonb -> 'ids'))
     RETURNING id`,
    [nodeId, kind, { ids: [...keep] }],
  );
  return rows.map((r) => r.id);
}

// ---- alerts ----

interface AlertRow {
  id: string;
  cause: string;
  level: AlertLevel;
  code: string;
  params: Params;
  message: string;
  raised_at: Timestamp;
  notified_at: Timestamp;
  notifications: number;
  cleared_at: Timestamp | null;
  clear_message: string | null;
}

const ALERT_COLUMNS = `id, cause, level, code, params, message, raised_at, notified_at, notifications,
  cleared_at, clear_message`;

const toAlert = (row: AlertRow): Alert => ({
  id: row.id,
  cause: row.cause,
  level: row.level,
  code: row.code,
  params: row.params,
  message: row.message,
  raisedAt: iso(row.raised_at),
  notifiedAt: iso(row.notified_at),
  notifications: row.notifications,
  clearedAt: isoOrNull(row.cleared_at),
  clearMessage: row.clear_message,
});

export interface NewAlert {
  cause: string;
  level: AlertLevel;
  code: string;
  params: Params;
  message: string;
}

/**
 * Opens an alert for its cause; null when one is open already (on any node: the partial unique
 * index makes the second insert do nothing), so only the caller that got a row sends "raised".
 */
export async function openAlert(db: Db, a: NewAlert): Promise<Alert | null> {
  const [row] = await db.query<AlertRow>(
    `INSERT INTO alerts (cause, level, code, params, message)
     VALUES (left($1, 200), $2, left($3, 100), $4::jsonb, $5)
     ON CONFLICT (cause) WHERE cleared_at IS NULL DO NOTHING
     RETURNING ${ALERT_COLUMNS}`,
    [a.cause, a.level, a.code, a.params, a.message],
  );
  return row ? toAlert(row) : null;
}

/** The open alert of a cause, if any. */
export async function openAlertFor(db: Db, cause: string): Promise<Alert | null> {
  const [row] = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE cause = $1 AND cleared_at IS NULL`,
    [cause],
  );
  return row ? toAlert(row) : null;
}

/**
 * Marks the open alert of a cause sent again, with its latest wording, when it was last sent at
 * least `repeatMinutes` ago; null otherwise. One UPDATE: of two nodes, one repeats it.
 */
export async function repeatAlert(db: Db, a: NewAlert, repeatMinutes: number): Promise<Alert | null> {
  const [row] = await db.query<AlertRow>(
    `UPDATE alerts SET level = $2, code = left($3, 100), params = $4::jsonb, message = $5,
       notified_at = now(), notifications = notifications + 1
     WHERE cause = $1 AND cleared_at IS NULL AND notified_at <= now() - make_interval(secs => $6)
     RETURNING ${ALERT_COLUMNS}`,
    [a.cause, a.level, a.code, a.params, a.message, repeatMinutes * 60],
  );
  return row ? toAlert(row) : null;
}

/** Closes the open alert of a cause with a message; null when none was open (or another node closed it). */
export async function clearAlert(db: Db, cause: string, message: string): Promise<Alert | null> {
  const [row] = await db.query<AlertRow>(
    `UPDATE alerts SET cleared_at = now(), clear_message = $2
     WHERE cause = $1 AND cleared_at IS NULL
     RETURNING ${ALERT_COLUMNS}`,
    [cause, message],
  );
  return row ? toAlert(row) : null;
}

/** Every open alert (newest first), then the `recent` last cleared ones. */
export async function listAlerts(db: Db, recent = 50): Promise<Alert[]> {
  const rows = await db.query<AlertRow>(
    `(SELECT ${ALERT_COLUMNS}, 0 AS open_rank FROM alerts WHERE cleared_at IS NULL)
     UNION ALL
     (SELECT ${ALERT_COLUMNS}, 1 AS open_rank FROM alerts WHERE cleared_at IS NOT NULL
      ORDER BY cleared_at DESC LIMIT $1)
     ORDER BY open_rank, raised_at DESC`,
    [recent],
  );
  return rows.map(toAlert);
}

/** Cleared alerts older than `days` go (the System page shows recent ones only). */
export async function purgeAlerts(db: Db, days: number): Promise<number> {
  return db.execute(
    `DELETE FROM alerts WHERE cleared_at IS NOT NULL AND cleared_at < now() - make_interval(days => $1)`,
    [days],
  );
}

// ---- torrent-nodes ----

export interface Heartbeat {
  nodeId: string;
  startedAt: Date | string;
  rssBytes: number;
  version: string;
}

export async function recordHeartbeat(db: Db, beat: Heartbeat): Promise<void> {
  await db.execute(
    `INSERT INTO ops_nodes (node_id, started_at, last_seen_at, rss_bytes, version)
     VALUES (left($1, 200), $2, now(), $3, $4)
     ON CONFLICT (node_id) DO UPDATE SET started_at = excluded.started_at, last_seen_at = now(),
       rss_bytes = excluded.rss_bytes, version = excluded.version`,
    [beat.nodeId, new Date(beat.startedAt), Math.round(beat.rssBytes), beat.version],
  );
}

interface NodeRow {
  node_id: string;
  last_seen_at: Timestamp;
  started_at: Timestamp;
  rss_bytes: string | number;
  version: string;
  alive: boolean;
}

/** Every node that sent a heartbeat, most recently seen first; `alive` when seen within the window. */
export async function listNodes(db: Db, aliveWithinMs: number): Promise<NodeSeen[]> {
  const rows = await db.query<NodeRow>(
    `SELECT node_id, last_seen_at, started_at, rss_bytes, version,
       last_seen_at > now() - make_interval(secs => $1) AS alive
     FROM ops_nodes ORDER BY last_seen_at DESC, node_id`,
    [aliveWithinMs / 1000],
  );
  return rows.map((r) => ({
    nodeId: r.node_id,
    lastSeenAt: iso(r.last_seen_at),
    startedAt: iso(r.started_at),
    rssBytes: Number(r.rss_bytes),
    version: r.version,
    alive: r.alive,
  }));
}

/** A node that stopped cleanly says so: it is no longer expected (its check is not an outage). */
export async function forgetNode(db: Db, nodeId: string): Promise<void> {
  await db.execute('DELETE FROM ops_nodes WHERE node_id = $1', [nodeId]);
}
