import { z } from 'zod';

/*
 * Operations: Sentinel's health checks and alerts, the scheduler's jobs, backups, the host samples
 * behind the System page's chart, and the torrent-nodes seen by their heartbeats.
 */

export const CheckStatus = z.enum(['ok', 'warning', 'error']);
export type CheckStatus = z.infer<typeof CheckStatus>;

/** What a check is about; `subject` tells which one (an indexer's id, an engine's id, a folder). */
export const CheckKind = z.enum([
  'database',
  'cache',
  'nats',
  'torrentNode',
  'indexer',
  'engine',
  'tmdb',
  'realDebrid',
  'openSubtitles',
  'disk',
  'cpu',
  'memory',
  'backup',
]);
export type CheckKind = z.infer<typeof CheckKind>;

const Params = z.record(z.string(), z.union([z.string(), z.number()]));

/**
 * One named health check, like Sonarr's System → Health: what is wrong, why it matters, how to fix
 * it. `code` words it in the web app (with `params`); the English texts are for logs, the API and
 * the bot. A failing check is tried again later and later (`nextCheckAt`), 1 minute up to hours.
 */
export const HealthCheck = z.object({
  /** Stable id: `database`, `disk:downloads`, `indexer:<uuid>`, `engine:qbittorrent:<id>`… */
  id: z.string(),
  kind: CheckKind,
  /** The indexer's, engine's or folder's name, when the check is about one. */
  subject: z.string().nullable(),
  status: CheckStatus,
  /** `ok`, or what is wrong: `disk.low`, `indexer.failing`, `dependency.down`… */
  code: z.string(),
  params: Params,
  message: z.string(),
  /** Why it matters (empty when ok). */
  impact: z.string(),
  /** How to fix it (empty when ok). */
  fix: z.string(),
  nodeId: z.string(),
  checkedAt: z.string(),
  nextCheckAt: z.string(),
  /** When it started failing; null when ok. */
  failingSince: z.string().nullable(),
  /** Consecutive failed runs (the back-off grows with them). */
  failures: z.number().int(),
});
export type HealthCheck = z.infer<typeof HealthCheck>;

export const AlertLevel = z.enum(['info', 'warning', 'critical']);
export type AlertLevel = z.infer<typeof AlertLevel>;

/** One alert per cause at a time: raised once, repeated at a calm interval, cleared when it ends. */
export const Alert = z.object({
  id: z.uuid(),
  /** What it is about (the check's id: `disk:downloads`, `cpu`, `nats`…). */
  cause: z.string(),
  level: AlertLevel,
  code: z.string(),
  params: Params,
  message: z.string(),
  raisedAt: z.string(),
  /** Last time it was sent (raised or repeated). */
  notifiedAt: z.string(),
  /** How many times it was sent. */
  notifications: z.number().int(),
  clearedAt: z.string().nullable(),
  clearMessage: z.string().nullable(),
});
export type Alert = z.infer<typeof Alert>;

/** The scheduler's jobs (each with a cron expression; one torrent-node runs each occurrence). */
export const JobName = z.enum([
  'searches.cleanup',
  'archive',
  'backup',
  'metadata.refresh',
  'orphans.check',
  'metrics.collect',
]);
export type JobName = z.infer<typeof JobName>;

export const JobOutcome = z.enum(['running', 'ok', 'failed']);
export type JobOutcome = z.infer<typeof JobOutcome>;

export const Job = z.object({
  name: JobName,
  /** Cron expression (croner's syntax, 5 or 6 fields), in the server's time zone. */
  schedule: z.string(),
  enabled: z.boolean(),
  lastRun: z
    .object({
      startedAt: z.string(),
      finishedAt: z.string().nullable(),
      durationMs: z.number().int().nullable(),
      outcome: JobOutcome,
      /** What it did, in English (`removed 12 results`), or why it failed. */
      detail: z.string(),
      /** Counts for the web app to word (`{ removed: 12 }`). */
      result: Params,
      nodeId: z.string(),
      /** Started by an admin ("run now") rather than by its schedule. */
      manual: z.boolean(),
    })
    .nullable(),
  nextRunAt: z.string().nullable(),
});
export type Job = z.infer<typeof Job>;

export const BackupKind = z.enum(['daily', 'weekly', 'manual']);
export type BackupKind = z.infer<typeof BackupKind>;

/** How the database went into the archive: PostgreSQL's pg_dump, or Sokoul's own dump of every table. */
export const BackupMethod = z.enum(['pg_dump', 'sokoul']);
export type BackupMethod = z.infer<typeof BackupMethod>;

export const Backup = z.object({
  /** The file's name in BACKUP_DIR (`sokoul-20261202T031500Z-daily.tar.gz`). */
  name: z.string(),
  kind: BackupKind,
  method: BackupMethod,
  createdAt: z.string(),
  sizeBytes: z.number().int(),
  /** Tables and rows in the database part (Sokoul's dump; pg_dump's counts are not read back). */
  tables: z.number().int().nullable(),
  rows: z.number().int().nullable(),
  /** The schema's last migration when it was taken: a restore refuses a newer schema's backup. */
  migration: z.string().nullable(),
});
export type Backup = z.infer<typeof Backup>;

/** A torrent-node seen by its heartbeats. */
export const NodeSeen = z.object({
  nodeId: z.string(),
  lastSeenAt: z.string(),
  startedAt: z.string(),
  rssBytes: z.number(),
  version: z.string(),
  /** Seen within three heartbeat intervals. */
  alive: z.boolean(),
});
export type NodeSeen = z.infer<typeof NodeSeen>;

/** One value of the metrics collector: free space of a folder, CPU, memory. */
export const SampleMetric = z.enum(['disk.downloads', 'disk.library', 'disk.data', 'cpu', 'memory']);
export type SampleMetric = z.infer<typeof SampleMetric>;

export const Sample = z.object({
  at: z.string(),
  nodeId: z.string(),
  metric: SampleMetric,
  /** Bytes free for disks; percent used for cpu and memory. */
  value: z.number(),
  /** Bytes in all for disks; null otherwise. */
  total: z.number().nullable(),
});
export type Sample = z.infer<typeof Sample>;

/** The admin System page in one answer. */
export const SystemOverview = z.object({
  checks: z.array(HealthCheck),
  /** Current alerts, then the recently cleared ones (the last 50). */
  alerts: z.array(Alert),
  jobs: z.array(Job),
  nodes: z.array(NodeSeen),
  versions: z.object({
    sokoul: z.string(),
    postgres: z.string(),
    node: z.string().nullable(),
  }),
});
export type SystemOverview = z.infer<typeof SystemOverview>;

export const BackupList = z.object({
  items: z.array(Backup),
  /** Where the archives are written, as torrent-node sees it. */
  directory: z.string(),
});
export type BackupList = z.infer<typeof BackupList>;

export const SampleQuery = z.object({
  metric: SampleMetric.default('disk.downloads'),
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24 * 7),
});
export type SampleQuery = z.infer<typeof SampleQuery>;

export const SampleList = z.object({ items: z.array(Sample) });
export type SampleList = z.infer<typeof SampleList>;

/** NATS request/reply, API -> torrent-node (the node that owns BACKUP_DIR and runs the jobs). */
export const OpsRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('job.run'), job: JobName, userId: z.uuid() }),
  z.object({ op: z.literal('backup.list') }),
  z.object({ op: z.literal('backup.create'), userId: z.uuid() }),
  z.object({ op: z.literal('backup.restore'), name: z.string(), userId: z.uuid() }),
]);
export type OpsRequest = z.infer<typeof OpsRequest>;

export const OpsReply = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    job: Job.optional(),
    backups: BackupList.optional(),
    backup: Backup.optional(),
  }),
  z.object({
    ok: z.literal(false),
    /** An ErrorCode: `not_found`, `conflict` (already running), `bad_request`… */
    code: z.string(),
    message: z.string(),
  }),
]);
export type OpsReply = z.infer<typeof OpsReply>;

/** Backup archives are named by torrent-node; a request may only name one of that shape. */
export const BACKUP_NAME = /^sokoul-\d{8}T\d{6}Z-(daily|weekly|manual)\.tar\.gz$/;
