import { access, readdir, readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { Backup, BackupKind, JobName, Sample, SampleMetric, TorrentNodeConfig } from '@sokoul/contracts';
import {
  ARCHIVE_STEPS,
  CLEANUP_STEPS,
  type Db,
  insertSamples,
  listDownloadFilePaths,
  listMediaFilePaths,
  listTmdbMedia,
  type MediaMetadata,
  purgeSamples,
  refreshMediaMetadata,
} from '@sokoul/db';
import { BackupRefused, createBackup, listBackups, pruneBackups, restoreBackup } from '@sokoul/db/backup';
import { z } from 'zod';
import { type BackupOps, RequestError } from './requests.js';
import type { JobContext, JobDefinition, JobResult, Scheduler } from './scheduler.js';
import { VERSION } from './sentinel.js';

/*
 * The scheduler's jobs. Default schedules (croner, server time): cleanup hourly, backup daily at
 * 03:15, archive daily at 04:00, orphans daily at 05:30, metadata weekly (Monday 02:30), metrics
 * every 5 minutes.
 */
export const DEFAULT_SCHEDULES: Record<JobName, string> = {
  'searches.cleanup': '7 * * * *',
  archive: '0 4 * * *',
  backup: '15 3 * * *',
  'metadata.refresh': '30 2 * * 1',
  'orphans.check': '30 5 * * *',
  'metrics.collect': '*/5 * * * *',
};

/** Samples older than this are purged by the collector. */
export const SAMPLE_RETENTION_DAYS = 90;

const counts = (removed: Record<string, number>) =>
  Object.entries(removed)
    .map(([name, n]) => `${n} ${name}`)
    .join(', ');

async function runSteps(
  ctx: JobContext,
  steps: readonly { name: string; run(db: Db, days?: number): Promise<number> }[],
  verb: string,
): Promise<JobResult> {
  const removed: Record<string, number> = {};
  for (const step of steps) {
    ctx.signal.throwIfAborted();
    removed[step.name] = await step.run(ctx.db, ctx.config.TASK_RETENTION_DAYS);
  }
  return { detail: `${verb} ${counts(removed)}`, result: removed };
}

// ---- backup ----

/** The scheduled backup taken on a Sunday is the weekly one; a manual one is `manual`. */
export const backupKind = (occurrence: Date | null): BackupKind =>
  occurrence === null ? 'manual' : occurrence.getDay() === 0 ? 'weekly' : 'daily';

async function backupJob(ctx: JobContext, version: string): Promise<JobResult> {
  const { config } = ctx;
  const backup = await createBackup({
    databaseUrl: config.DATABASE_URL,
    backupDir: config.BACKUP_DIR,
    dataDir: config.DATA_DIR,
    method: config.BACKUP_METHOD,
    kind: backupKind(ctx.occurrence),
    log: ctx.log,
    version,
    signal: ctx.signal,
  });
  const removed = await pruneBackups(
    config.BACKUP_DIR,
    { daily: config.BACKUP_KEEP_DAILY, weekly: config.BACKUP_KEEP_WEEKLY },
    ctx.log,
  );
  return {
    detail: `wrote ${backup.name} (${backup.method}, ${backup.sizeBytes} bytes); removed ${removed.length} old backups`,
    result: {
      name: backup.name,
      method: backup.method,
      sizeBytes: backup.sizeBytes,
      ...(backup.tables === null ? {} : { tables: backup.tables }),
      ...(backup.rows === null ? {} : { rows: backup.rows }),
      removed: removed.length,
    },
  };
}

// ---- metadata.refresh ----

const Genre = z.object({ id: z.number().int(), name: z.string() });
const TmdbTitle = z.object({
  title: z.string().optional(),
  name: z.string().optional(),
  original_title: z.string().nullish(),
  original_name: z.string().nullish(),
  release_date: z.string().nullish(),
  first_air_date: z.string().nullish(),
  overview: z.string().nullish(),
  poster_path: z.string().nullish(),
  backdrop_path: z.string().nullish(),
  genres: z.array(Genre).default([]),
  runtime: z.number().nullish(),
  episode_run_time: z.array(z.number()).default([]),
});

/**
 * The fields the API stores when it adds a title (functions/src/media/service.ts from the
 * catalogue's normaliser), read straight from TMDB's details: the same values for these fields.
 */
export function metadataOf(data: unknown): MediaMetadata | null {
  const raw = TmdbTitle.safeParse(data);
  if (!raw.success) return null;
  const t = raw.data;
  const title = t.title ?? t.name;
  if (!title) return null;
  const original = t.original_title ?? t.original_name ?? null;
  const when = t.release_date ?? t.first_air_date ?? null;
  const year = when && /^\d{4}-\d{2}-\d{2}/.test(when) ? Number.parseInt(when.slice(0, 4), 10) : null;
  const runtime = t.runtime ?? t.episode_run_time[0] ?? null;
  return {
    title: title.slice(0, 500),
    originalTitle: original && original !== title ? original : null,
    year: year !== null && year >= 1874 && year <= 2100 ? year : null,
    overview: t.overview ?? '',
    posterPath: t.poster_path?.startsWith('/') ? t.poster_path : null,
    backdropPath: t.backdrop_path?.startsWith('/') ? t.backdrop_path : null,
    genreIds: t.genres.map((g) => g.id),
    genres: t.genres.map((g) => g.name),
    runtimeMinutes: runtime ? Math.round(runtime) : null,
  };
}

/** One TMDB call's limit (the API's TMDB_TIMEOUT_MS is not torrent-node's configuration). */
const TMDB_TIMEOUT_MS = 10_000;

async function tmdbDetails(config: TorrentNodeConfig, type: 'movie' | 'tv', id: number, signal: AbortSignal) {
  const key = config.TMDB_API_KEY ?? '';
  const url = new URL(`${config.TMDB_API_BASE_URL.replace(/\/+$/, '')}/${type}/${id}`);
  url.searchParams.set('language', config.TMDB_LANGUAGE);
  const headers: Record<string, string> = { accept: 'application/json' };
  // Like the API's client: a 32-hex v3 key goes in the query, a v4 token as a bearer.
  if (/^[0-9a-f]{32}$/i.test(key)) url.searchParams.set('api_key', key);
  else headers.authorization = `Bearer ${key}`;
  const response = await fetch(url, {
    headers,
    signal: AbortSignal.any([signal, AbortSignal.timeout(TMDB_TIMEOUT_MS)]),
  });
  if (response.status === 404) return { status: 'gone' as const };
  if (!response.ok) throw new Error(`TMDB answered ${response.status} for ${type}/${id}`);
  return { status: 'ok' as const, data: (await response.json()) as unknown };
}

async function metadataJob(ctx: JobContext): Promise<JobResult> {
  if (!ctx.config.TMDB_API_KEY)
    return {
      detail: 'skipped: no TMDB_API_KEY',
      result: { refreshed: 0, changed: 0, failed: 0, skipped: 1 },
    };
  const titles = await listTmdbMedia(ctx.db);
  let refreshed = 0;
  let changed = 0;
  let failed = 0;
  let gone = 0;
  for (const title of titles) {
    ctx.signal.throwIfAborted();
    try {
      const answer = await tmdbDetails(ctx.config, title.type, title.tmdbId, ctx.signal);
      if (answer.status === 'gone') {
        gone++;
        continue;
      }
      const meta = metadataOf(answer.data);
      if (!meta) {
        failed++;
        continue;
      }
      if (await refreshMediaMetadata(ctx.db, title.id, meta)) changed++;
      refreshed++;
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      failed++;
      ctx.log.warn('metadata refresh failed for a title', { mediaId: title.id, error: String(error) });
      // TMDB down: the rest would fail the same way.
      if (failed >= 5 && refreshed === 0)
        throw new Error(`TMDB failed ${failed} times in a row: ${String(error)}`);
    }
  }
  return {
    detail: `refreshed ${refreshed} of ${titles.length} titles (${changed} changed, ${failed} failed, ${gone} gone from TMDB)`,
    result: { titles: titles.length, refreshed, changed, failed, gone },
  };
}

// ---- orphans.check ----

const MAX_FILES = 200_000;
const EXAMPLES = 5;

/** Every regular file under `root` (hidden names — partial writes — left out), up to MAX_FILES. */
async function walk(root: string, out: string[], signal: AbortSignal): Promise<void> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (out.length >= MAX_FILES) return;
    if (entry.name.startsWith('.')) continue;
    const path = join(root, entry.name);
    if (entry.isDirectory()) {
      signal.throwIfAborted();
      await walk(path, out, signal);
    } else if (entry.isFile()) out.push(path);
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function orphansJob(ctx: JobContext): Promise<JobResult> {
  const { config } = ctx;
  const rows = await listMediaFilePaths(ctx.db);
  const known = new Set(rows.map((r) => resolve(r.path)));
  for (const path of await listDownloadFilePaths(ctx.db)) known.add(resolve(path));
  const folders = [
    ...(config.LIBRARY_DIR ? [{ key: 'library', path: config.LIBRARY_DIR }] : []),
    { key: 'downloads', path: config.DOWNLOAD_DIR },
  ];
  const result: Record<string, string | number> = {};
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const folder of folders) {
    const files: string[] = [];
    await walk(resolve(folder.path), files, ctx.signal);
    const orphans = files.filter((f) => !seen.has(f) && !known.has(f));
    for (const f of files) seen.add(f);
    result[`${folder.key}Files`] = files.length;
    result[`${folder.key}Orphans`] = orphans.length;
    if (orphans.length) result[`${folder.key}Examples`] = orphans.slice(0, EXAMPLES).join('\n');
    parts.push(`${orphans.length} of ${files.length} files in ${folder.key} have no media file row`);
  }
  const missing: string[] = [];
  for (const row of rows) {
    ctx.signal.throwIfAborted();
    if (!(await exists(row.path))) missing.push(row.path);
  }
  result.rows = rows.length;
  result.missingFiles = missing.length;
  if (missing.length) result.missingExamples = missing.slice(0, EXAMPLES).join('\n');
  parts.push(`${missing.length} of ${rows.length} media file rows point to no file`);
  return { detail: parts.join('; '), result };
}

// ---- metrics.collect ----

type CpuTimes = { idle: number; total: number };
const cpuTimes = (): CpuTimes =>
  cpus().reduce(
    (sum, c) => {
      const t = c.times;
      return { idle: sum.idle + t.idle, total: sum.total + t.user + t.nice + t.sys + t.idle + t.irq };
    },
    { idle: 0, total: 0 },
  );

/** Memory in use (Linux's MemAvailable when readable: free memory alone counts the page cache as used). */
async function memoryPercent(): Promise<number> {
  const total = totalmem();
  const info = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const available = /MemAvailable:\s+(\d+) kB/.exec(info);
  const free = available ? Number(available[1]) * 1024 : freemem();
  return Math.round(((total - free) / total) * 1000) / 10;
}

/** The CPU over the interval since the last collection (a short sample the first time). */
function cpuCollector() {
  let last: CpuTimes | null = null;
  return async (signal: AbortSignal): Promise<number> => {
    if (!last) {
      last = cpuTimes();
      await new Promise((r) => setTimeout(r, 500));
      signal.throwIfAborted();
    }
    const now = cpuTimes();
    const total = now.total - last.total;
    const busy = total - (now.idle - last.idle);
    last = now;
    return total > 0 ? Math.round((busy / total) * 1000) / 10 : 0;
  };
}

async function metricsJob(
  ctx: JobContext,
  cpu: (signal: AbortSignal) => Promise<number>,
): Promise<JobResult> {
  const { config } = ctx;
  const at = new Date().toISOString();
  const nodeId = config.NODE_ID;
  const samples: Sample[] = [];
  const disks: { metric: SampleMetric; path: string | undefined }[] = [
    { metric: 'disk.downloads', path: config.DOWNLOAD_DIR },
    { metric: 'disk.library', path: config.LIBRARY_DIR },
    { metric: 'disk.data', path: config.DATA_DIR },
  ];
  for (const d of disks) {
    if (!d.path) continue;
    const s = await statfs(d.path).catch(() => null);
    if (s)
      samples.push({ at, nodeId, metric: d.metric, value: s.bavail * s.bsize, total: s.blocks * s.bsize });
  }
  samples.push({ at, nodeId, metric: 'cpu', value: await cpu(ctx.signal), total: null });
  samples.push({ at, nodeId, metric: 'memory', value: await memoryPercent(), total: null });
  await insertSamples(ctx.db, samples);
  const purged = await purgeSamples(ctx.db, SAMPLE_RETENTION_DAYS);
  return {
    detail: `recorded ${samples.length} samples; purged ${purged} older than ${SAMPLE_RETENTION_DAYS} days`,
    result: { samples: samples.length, purged },
  };
}

/** Every job with its default schedule; `schedules` overrides some (tests). */
export function createJobs(
  deps: { version?: string } = {},
  schedules: Partial<Record<JobName, string>> = {},
): JobDefinition[] {
  const cpu = cpuCollector();
  const bodies: Record<JobName, (ctx: JobContext) => Promise<JobResult>> = {
    'searches.cleanup': (ctx) => runSteps(ctx, CLEANUP_STEPS, 'removed'),
    archive: (ctx) => runSteps(ctx, ARCHIVE_STEPS, 'archived'),
    backup: (ctx) => backupJob(ctx, deps.version ?? VERSION),
    'metadata.refresh': metadataJob,
    'orphans.check': orphansJob,
    'metrics.collect': (ctx) => metricsJob(ctx, cpu),
  };
  return (Object.keys(bodies) as JobName[]).map((name) => ({
    name,
    schedule: schedules[name] ?? DEFAULT_SCHEDULES[name],
    run: bodies[name],
  }));
}

/**
 * The backups as the API's requests reach them: a manual backup goes through the scheduler's
 * `backup` job (one at a time across nodes, its run recorded); one restore at a time, and no manual
 * backup while it runs.
 */
export function backupOps(deps: {
  config: TorrentNodeConfig;
  scheduler: Scheduler;
  log: JobContext['log'];
}): BackupOps {
  const { config } = deps;
  let restoring = false;
  return {
    async list() {
      return { items: await listBackups(config.BACKUP_DIR), directory: resolve(config.BACKUP_DIR) };
    },
    async create(userId) {
      if (restoring) throw new RequestError('conflict', 'A restore is running');
      const outcome = await deps.scheduler.runNow('backup', userId);
      if (!outcome.ok) throw new RequestError(outcome.code, outcome.message);
      const run = outcome.job.lastRun;
      if (run?.outcome !== 'ok') throw new Error(run?.detail || 'The backup failed');
      const name = String(run.result.name ?? '');
      const backup: Backup | undefined = (await listBackups(config.BACKUP_DIR)).find((b) => b.name === name);
      if (!backup) throw new Error(`The backup ${name} is not in ${config.BACKUP_DIR}`);
      return backup;
    },
    async restore(name, userId) {
      if (restoring) throw new RequestError('conflict', 'A restore is running already');
      restoring = true;
      try {
        deps.log.warn('restoring a backup', { name, userId });
        return await restoreBackup({
          databaseUrl: config.DATABASE_URL,
          backupDir: config.BACKUP_DIR,
          dataDir: config.DATA_DIR,
          file: name,
          log: deps.log.child({ module: 'restore' }),
        });
      } catch (error) {
        if (error instanceof BackupRefused) throw new RequestError(error.code, error.message);
        throw error;
      } finally {
        restoring = false;
      }
    },
  };
}
