import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Job,
  type JobName,
  type OpsReply,
  OpsReply as OpsReplySchema,
  parseConfig,
  Subjects,
  TorrentNodeConfigSchema,
} from '@sokoul/contracts';
import { claimJob, finishJob, LEASE_LOST_DETAIL, listJobs, listSamples, RESTORE_DETAIL } from '@sokoul/db';
import type { postgresDb } from '@sokoul/db/postgres';
import { JSONCodec, type NatsConnection } from 'nats';
import type postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePorts } from '../launcher/src/ports.js';
import { jobRuns } from '../torrent-node/src/metrics.js';
import { backupKind, backupOps, createJobs } from '../torrent-node/src/ops/jobs.js';
import { startOpsResponder } from '../torrent-node/src/ops/requests.js';
import { type JobContext, type JobDefinition, Scheduler } from '../torrent-node/src/ops/scheduler.js';
import { FAKE_V3_KEY, type FakeTmdb, startFakeTmdb } from './helpers/fake-tmdb.js';
import { captureLogger } from './helpers/logger.js';
import { connectWhenUp, spawnNatsServer } from './helpers/nats.js';
import { dropTestDatabase, migratedDatabase } from './helpers/stack.js';
import { until } from './helpers/wait.js';

/**
 * The scheduler as torrent-node runs it, on a database of its own: two schedulers ("two nodes")
 * sharing one database run each occurrence once; "run now" claims the same lease (a conflict while
 * running); a lease left by a crashed node expires; the job's outcome and next run are recorded;
 * SCHEDULER_ENABLED=false fires nothing. Then the ops responder over a nats-server of its own, and
 * the real job bodies (archive, cleanup, orphans, metrics, metadata from a fake TMDB).
 */

const SIGNING_KEY = 'stream-signing-key-for-tests-0123456789abcdef';
const json = JSONCodec<unknown>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let work: string;
let databaseUrl: string;
let sql: postgres.Sql;
let db: ReturnType<typeof postgresDb>;
let nats: ChildProcess;
let nc: NatsConnection;
let tmdb: FakeTmdb;
const logs = captureLogger();
const schedulers: Scheduler[] = [];

function configWith(env: Record<string, string> = {}) {
  return parseConfig(TorrentNodeConfigSchema, {
    DATABASE_URL: databaseUrl,
    NATS_URL: 'nats://127.0.0.1:4222',
    INTERNAL_SIGNING_KEY: SIGNING_KEY,
    DOWNLOAD_DIR: join(work, 'downloads'),
    LIBRARY_DIR: join(work, 'library'),
    DATA_DIR: join(work, 'data'),
    BACKUP_DIR: join(work, 'data', 'backups'),
    ...env,
  });
}

function scheduler(node: string, jobs: JobDefinition[], env: Record<string, string> = {}, leaseMs?: number) {
  const s = new Scheduler({
    db,
    config: configWith({ NODE_ID: node, ...env }),
    log: logs,
    jobs,
    ...(leaseMs ? { leaseMs } : {}),
  });
  schedulers.push(s);
  return s;
}

const job = async (name: JobName) => (await listJobs(db)).find((j) => j.name === name);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sokoul-scheduler-'));
  for (const dir of ['downloads', 'library', 'data']) mkdirSync(join(work, dir), { recursive: true });
  ({ url: databaseUrl, sql, db } = await migratedDatabase('sokoul_sched'));
  const [natsPort] = (await freePorts(1)) as [number];
  nats = spawnNatsServer(natsPort);
  nc = await connectWhenUp(`nats://127.0.0.1:${natsPort}`);
  tmdb = await startFakeTmdb();
}, 60_000);

beforeEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop(2_000)));
  await sql`DELETE FROM scheduled_jobs`;
});

afterAll(async () => {
  await Promise.all(schedulers.map((s) => s.stop(2_000)));
  await nc?.close();
  nats?.kill();
  await tmdb?.close();
  await sql?.end({ timeout: 2 });
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('scheduling across nodes', () => {
  it('runs each occurrence of a job due every second once, whatever the number of nodes', async () => {
    const runs: { occurrence: string; node: string }[] = [];
    const every = (node: string): JobDefinition => ({
      name: 'metrics.collect',
      schedule: '* * * * * *',
      run: async (ctx: JobContext) => {
        runs.push({ occurrence: ctx.occurrence?.toISOString() ?? 'manual', node });
        await sleep(30);
        return { detail: `ran on ${node}`, result: { runs: runs.length } };
      },
    });
    const before = (await jobRuns.get()).values.find(
      (v) => v.labels.job === 'metrics.collect' && v.labels.outcome === 'ok',
    )?.value;
    const a = scheduler('node-a', [every('node-a')]);
    const b = scheduler('node-b', [every('node-b')]);
    await Promise.all([a.start(), b.start()]);
    await until('five occurrences', () => new Set(runs.map((r) => r.occurrence)).size >= 5);
    await Promise.all([a.stop(), b.stop()]);

    const occurrences = runs.map((r) => r.occurrence);
    expect(new Set(occurrences).size).toBe(occurrences.length);
    expect(occurrences).not.toContain('manual');
    // Whole seconds: the scheduled instants, not the time a timer happened to fire.
    for (const o of occurrences) expect(o).toMatch(/:\d{2}\.000Z$/);

    const row = Job.parse(await job('metrics.collect'));
    expect(row.schedule).toBe('* * * * * *');
    expect(row.lastRun).toMatchObject({ outcome: 'ok', manual: false });
    expect(['node-a', 'node-b']).toContain(row.lastRun?.nodeId);
    expect(row.lastRun?.detail).toBe(`ran on ${row.lastRun?.nodeId}`);
    expect(row.lastRun?.durationMs).toBeGreaterThanOrEqual(0);
    expect(row.lastRun?.finishedAt).not.toBeNull();
    expect(Date.parse(row.nextRunAt ?? '')).toBeGreaterThan(Date.parse(row.lastRun?.startedAt ?? ''));
    // The metric the Grafana dashboard reads counted every run.
    const after = (await jobRuns.get()).values.find(
      (v) => v.labels.job === 'metrics.collect' && v.labels.outcome === 'ok',
    )?.value;
    expect((after ?? 0) - (before ?? 0)).toBe(runs.length);
  }, 30_000);

  it('with SCHEDULER_ENABLED=false fires nothing, and "run now" still works', async () => {
    let runs = 0;
    const s = scheduler(
      'node-a',
      [
        {
          name: 'orphans.check',
          schedule: '* * * * * *',
          run: async () => ({ detail: `run ${++runs}`, result: { runs } }),
        },
      ],
      { SCHEDULER_ENABLED: 'false' },
    );
    await s.start();
    await sleep(2_200);
    expect(runs).toBe(0);
    expect(await job('orphans.check')).toMatchObject({ lastRun: null, nextRunAt: null });

    const userId = randomUUID();
    const outcome = await s.runNow('orphans.check', userId);
    expect(outcome).toMatchObject({
      ok: true,
      job: {
        lastRun: { outcome: 'ok', manual: true, nodeId: 'node-a', detail: 'run 1', result: { runs: 1 } },
      },
    });
    expect(runs).toBe(1);
    expect(await s.runNow('archive', userId)).toMatchObject({ ok: false, code: 'not_found' });
  }, 30_000);

  it('"run now" is a conflict while the job runs on any node; a failure is recorded', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let fail = false;
    const def: JobDefinition = {
      name: 'archive',
      schedule: '0 0 1 1 *',
      run: async () => {
        if (fail) throw new Error('the disk is on fire');
        await gate;
        return { detail: 'archived', result: { tasks: 0 } };
      },
    };
    const a = scheduler('node-a', [def]);
    const b = scheduler('node-b', [def]);
    await Promise.all([a.start(), b.start()]);
    const first = a.runNow('archive', null);
    await until('the run to start', async () => (await job('archive'))?.lastRun?.outcome === 'running');
    expect(await b.runNow('archive', null)).toMatchObject({ ok: false, code: 'conflict' });
    expect(await a.runNow('archive', null)).toMatchObject({ ok: false, code: 'conflict' });
    release();
    expect(await first).toMatchObject({ ok: true, job: { lastRun: { outcome: 'ok', nodeId: 'node-a' } } });

    fail = true;
    expect(await b.runNow('archive', null)).toMatchObject({
      ok: true,
      job: { lastRun: { outcome: 'failed', detail: 'the disk is on fire', nodeId: 'node-b' } },
    });
  }, 30_000);

  it('renews the lease of a run longer than the lease', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const def: JobDefinition = {
      name: 'backup',
      schedule: '0 0 1 1 *',
      run: async () => {
        await gate;
        return { detail: 'done', result: {} };
      },
    };
    const a = scheduler('node-a', [def], {}, 600);
    const b = scheduler('node-b', [def], {}, 600);
    await Promise.all([a.start(), b.start()]);
    const first = a.runNow('backup', null);
    await until('the run to start', async () => (await job('backup'))?.lastRun?.outcome === 'running');
    // Three leases long: without renewal, b would take it.
    await sleep(1_800);
    expect(await b.runNow('backup', null)).toMatchObject({ ok: false, code: 'conflict' });
    release();
    expect(await first).toMatchObject({ ok: true, job: { lastRun: { outcome: 'ok' } } });
  }, 30_000);

  it('takes the job over once the lease of a node that crashed mid-run expires', async () => {
    let runs = 0;
    const a = scheduler('node-a', [
      {
        name: 'metadata.refresh',
        schedule: '0 0 1 1 *',
        run: async () => ({ detail: 'ok', result: { runs: ++runs } }),
      },
    ]);
    await a.start();
    // A node claimed a run and died: it never renews nor finishes.
    expect(
      await claimJob(db, { name: 'metadata.refresh', nodeId: 'crashed', leaseMs: 1_500, occurrence: null }),
    ).not.toBeNull();
    expect(await a.runNow('metadata.refresh', null)).toMatchObject({ ok: false, code: 'conflict' });
    expect(await job('metadata.refresh')).toMatchObject({
      lastRun: { outcome: 'running', nodeId: 'crashed' },
    });
    await until(
      'the lease to expire',
      async () => (await job('metadata.refresh'))?.lastRun?.outcome === 'failed',
    );
    expect((await job('metadata.refresh'))?.lastRun?.detail).toBe(LEASE_LOST_DETAIL);
    expect(await a.runNow('metadata.refresh', null)).toMatchObject({
      ok: true,
      job: { lastRun: { outcome: 'ok', nodeId: 'node-a' } },
    });
    // The dead node's late finish does not overwrite the run that replaced it.
    expect(
      await finishJob(db, {
        name: 'metadata.refresh',
        nodeId: 'crashed',
        outcome: 'failed',
        durationMs: 1,
        detail: 'late',
        result: {},
        nextRunAt: null,
      }),
    ).toBeUndefined();
    expect(await job('metadata.refresh')).toMatchObject({ lastRun: { outcome: 'ok', nodeId: 'node-a' } });
    expect(runs).toBe(1);
  }, 30_000);

  it('a scheduled occurrence already taken is not claimed again', async () => {
    await sql`INSERT INTO scheduled_jobs (name, schedule) VALUES ('backup', '* * * * * *')`;
    const occurrence = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
    expect(await claimJob(db, { name: 'backup', nodeId: 'x', leaseMs: 10, occurrence })).not.toBeNull();
    await sleep(30);
    // Lease expired, but the occurrence was taken: only a later one may be.
    expect(await claimJob(db, { name: 'backup', nodeId: 'y', leaseMs: 10, occurrence })).toBeNull();
    expect(
      await claimJob(db, {
        name: 'backup',
        nodeId: 'y',
        leaseMs: 10,
        occurrence: new Date(occurrence.getTime() + 1000),
      }),
    ).not.toBeNull();
  });
});

describe('the ops responder (Subjects.opsRequest)', () => {
  const ask = async (body: unknown, timeout = 60_000): Promise<OpsReply> =>
    OpsReplySchema.parse(
      json.decode((await nc.request(Subjects.opsRequest, json.encode(body), { timeout })).data),
    );

  it('runs a job now, lists, creates and restores backups, and refuses what it must', async () => {
    const config = configWith({ NODE_ID: 'node-ops', SCHEDULER_ENABLED: 'false', BACKUP_METHOD: 'sokoul' });
    const s = new Scheduler({ db, config, log: logs, jobs: createJobs({ version: '9.9.9' }) });
    schedulers.push(s);
    await s.start();
    const sub = startOpsResponder({
      nc,
      scheduler: s,
      backups: backupOps({ config, scheduler: s, log: logs }),
      log: logs,
    });
    try {
      const userId = randomUUID();
      const ran = await ask({ op: 'job.run', job: 'searches.cleanup', userId });
      expect(ran).toMatchObject({
        ok: true,
        job: { name: 'searches.cleanup', lastRun: { outcome: 'ok', manual: true } },
      });
      expect(ran.ok && ran.job?.lastRun?.result).toHaveProperty('searchResults');

      expect(await ask({ op: 'job.run', job: 'nope', userId })).toMatchObject({
        ok: false,
        code: 'bad_request',
      });
      expect(await ask({ op: 'backup.list' })).toMatchObject({ ok: true, backups: { items: [] } });

      await sql`INSERT INTO settings (key, value) VALUES ('ops-test', '"before"'::jsonb)`;
      const created = await ask({ op: 'backup.create', userId });
      if (!created.ok || !created.backup) throw new Error(`no backup: ${JSON.stringify(created)}`);
      expect(created.backup).toMatchObject({ kind: 'manual', method: 'sokoul' });
      const listed = await ask({ op: 'backup.list' });
      expect(listed.ok && listed.backups?.items.map((b) => b.name)).toEqual([created.backup.name]);
      expect(await job('backup')).toMatchObject({
        lastRun: { outcome: 'ok', result: { name: created.backup.name } },
      });

      await sql`UPDATE settings SET value = '"after"'::jsonb WHERE key = 'ops-test'`;
      expect(await ask({ op: 'backup.restore', name: '../../etc/passwd', userId })).toMatchObject({
        ok: false,
        code: 'bad_request',
      });
      expect(
        await ask({ op: 'backup.restore', name: 'sokoul-20000101T000000Z-daily.tar.gz', userId }),
      ).toMatchObject({ ok: false, code: 'not_found' });
      expect(await ask({ op: 'backup.restore', name: created.backup.name, userId })).toMatchObject({
        ok: true,
        backup: { name: created.backup.name },
      });
      const [row] = await sql<{ value: string }[]>`SELECT value FROM settings WHERE key = 'ops-test'`;
      expect(row?.value).toBe('before');
      // The archive's copy of the backup job said running (its own run): no lease survives a restore.
      expect(await job('backup')).toMatchObject({ lastRun: { outcome: 'failed', detail: RESTORE_DETAIL } });
      expect(await ask({ op: 'backup.create', userId })).toMatchObject({
        ok: true,
        backup: { kind: 'manual' },
      });
    } finally {
      sub.unsubscribe();
    }
  }, 120_000);
});

describe('the jobs', () => {
  const run = async (name: JobName, env: Record<string, string> = {}) => {
    const s = scheduler(`node-${name}`, createJobs({ version: '9.9.9' }), {
      SCHEDULER_ENABLED: 'false',
      ...env,
    });
    await s.start();
    const outcome = await s.runNow(name, null);
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.job.lastRun?.outcome, outcome.job.lastRun?.detail).toBe('ok');
    return outcome.job.lastRun?.result ?? {};
  };

  async function user(): Promise<string> {
    const [row] = await sql<{ id: string }[]>`INSERT INTO users (email, display_name, password_hash)
      VALUES (${`${randomUUID()}@example.test`}, 'T', 'x') RETURNING id`;
    return row?.id ?? '';
  }

  it('archive removes finished tasks and downloads older than TASK_RETENTION_DAYS', async () => {
    const owner = await user();
    const [media] = await sql<
      { id: string }[]
    >`INSERT INTO media (media_type, title) VALUES ('movie', 'Archived') RETURNING id`;
    const download = (state: string, days: number) => sql<{ id: string }[]>`
      INSERT INTO downloads (user_id, media_id, name, magnet_url, state, updated_at)
      VALUES (${owner}, ${media?.id ?? ''}, ${`d-${state}-${days}`}, 'magnet:?xt=urn:btih:x', ${state}, now() - make_interval(days => ${days}))
      RETURNING id`;
    const [oldDone] = await download('completed', 20);
    const [oldFailed] = await download('failed', 15);
    const [recent] = await download('completed', 2);
    const [active] = await download('downloading', 30);
    const task = (status: string, days: number) => sql`
      INSERT INTO tasks (user_id, type, status, finished_at) VALUES (${owner}, 'search', ${status}, now() - make_interval(days => ${days}))`;
    await task('done', 20);
    await task('done', 3);
    await task('running', 40);
    const result = await run('archive', { TASK_RETENTION_DAYS: '10' });
    expect(result).toEqual({ tasks: 1, downloads: 2 });
    const left = await sql<{ id: string }[]>`SELECT id FROM downloads WHERE user_id = ${owner}`;
    expect(left.map((r) => r.id).sort()).toEqual([recent?.id, active?.id].sort());
    expect(left.map((r) => r.id)).not.toContain(oldDone?.id);
    expect(left.map((r) => r.id)).not.toContain(oldFailed?.id);
    const tasks = await sql`SELECT status FROM tasks WHERE user_id = ${owner}`;
    expect(tasks).toHaveLength(2);
  });

  it('searches.cleanup runs the cleanup steps', async () => {
    const result = await run('searches.cleanup');
    expect(Object.keys(result).sort()).toEqual([
      'apiKeys',
      'invites',
      'refreshTokens',
      'searchResults',
      'tasks',
    ]);
  });

  it('orphans.check counts files without rows and rows without files', async () => {
    const library = join(work, 'library');
    const [media] = await sql<
      { id: string }[]
    >`INSERT INTO media (media_type, title) VALUES ('movie', 'Orphans') RETURNING id`;
    mkdirSync(join(library, 'Films', 'Known (2000)'), { recursive: true });
    writeFileSync(join(library, 'Films', 'Known (2000)', 'Known.mkv'), 'x');
    writeFileSync(join(library, 'Films', 'Stray.mkv'), 'x');
    writeFileSync(join(library, 'Films', '.sokoul-partial.mkv.part'), 'x');
    writeFileSync(join(work, 'downloads', 'leftover.bin'), 'x');
    await sql`INSERT INTO media_files (media_id, path, size_bytes) VALUES
      (${media?.id ?? ''}, ${join(library, 'Films', 'Known (2000)', 'Known.mkv')}, 1),
      (${media?.id ?? ''}, ${join(library, 'Films', 'Gone.mkv')}, 1)`;
    const result = await run('orphans.check');
    expect(result).toMatchObject({
      libraryFiles: 2,
      libraryOrphans: 1,
      libraryExamples: join(library, 'Films', 'Stray.mkv'),
      downloadsOrphans: 1,
      missingFiles: 1,
      missingExamples: join(library, 'Films', 'Gone.mkv'),
    });
  });

  it('metrics.collect records free space, CPU and memory', async () => {
    const result = await run('metrics.collect');
    expect(result.samples).toBe(5);
    const disk = await listSamples(db, 'disk.downloads', 1);
    expect(disk.at(-1)).toMatchObject({ nodeId: 'node-metrics.collect', metric: 'disk.downloads' });
    expect(disk.at(-1)?.value).toBeGreaterThan(0);
    expect(disk.at(-1)?.total).toBeGreaterThanOrEqual(disk.at(-1)?.value ?? 0);
    for (const metric of ['cpu', 'memory'] as const) {
      const [sample] = await listSamples(db, metric, 1);
      expect(sample?.value).toBeGreaterThanOrEqual(0);
      expect(sample?.value).toBeLessThanOrEqual(100);
    }
    // Samples past 90 days go.
    await sql`INSERT INTO ops_samples (at, node_id, metric, value) VALUES (now() - interval '91 days', 'old', 'cpu', 1)`;
    expect((await run('metrics.collect')).purged).toBe(1);
  });

  it('metadata.refresh writes TMDB’s fields again', async () => {
    await sql`INSERT INTO media (tmdb_id, media_type, title, year, overview) VALUES
      (603, 'movie', 'Stale title', 1990, ''), (999999, 'movie', 'Gone from TMDB', 2001, '')`;
    const env = { TMDB_API_KEY: FAKE_V3_KEY, TMDB_API_BASE_URL: tmdb.apiBase, TMDB_LANGUAGE: 'en-US' };
    const result = await run('metadata.refresh', env);
    expect(result).toMatchObject({ refreshed: 1, changed: 1, gone: 1, failed: 0 });
    const [row] = await sql<{ title: string; year: number; genre_ids: number[]; genres: string[] }[]>`
      SELECT title, year, genre_ids, genres FROM media WHERE tmdb_id = 603`;
    expect(row).toMatchObject({ title: 'The Matrix', year: 1999 });
    expect(row?.genre_ids).toEqual([28, 878]);
    expect(row?.genres.length).toBe(2);
    expect(await run('metadata.refresh', env)).toMatchObject({ refreshed: 1, changed: 0 });
    expect(await run('metadata.refresh')).toMatchObject({ skipped: 1 });
  });

  it('names the Sunday backup weekly', () => {
    expect(backupKind(new Date(2026, 10, 29, 3, 15))).toBe('weekly');
    expect(backupKind(new Date(2026, 10, 30, 3, 15))).toBe('daily');
    expect(backupKind(null)).toBe('manual');
  });
});
