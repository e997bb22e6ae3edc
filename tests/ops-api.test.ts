import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  ApiConfigSchema,
  BACKUP_NAME,
  type Backup,
  type BackupList,
  type ErrorBody,
  type Job,
  JobName,
  type OpsReply,
  OpsRequest,
  type SampleList,
  type SampleQuery,
  Subjects,
  SystemOverview,
} from '@sokoul/contracts';
import { clearAlert, ensureJobs, insertSamples, openAlert, recordHeartbeat, saveCheck } from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import { JSONCodec, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../launcher/src/ports.js';
import { adminSession, api, memberSession, stack } from './helpers/api.js';
import { captureLogger } from './helpers/logger.js';
import { connectWhenUp, spawnNatsServer } from './helpers/nats.js';
import { dropTestDatabase, migratedDatabase } from './helpers/stack.js';

/**
 * The admin System page's API. Over HTTP on the shared stack: roles, the overview's shape and
 * content, the samples, "run now" answered by the stack's torrent-node, backups. In this process:
 * the services on a database and a nats-server of their own, with a responder playing
 * torrent-node, for every way torrent-node can answer (or not) an operations request.
 */

/*
 * The API's modules are loaded by path at run time (as tests/openapi.test.ts does): their types
 * reach workerd's, which this project's Node type check does not include. What is used of them:
 */
interface ApiErrorLike extends Error {
  status: number;
  code: string;
}
interface Principal {
  userId: string;
  role: 'admin' | 'member';
  via: 'token';
}
interface OpsService {
  overview(deps: unknown, principal: Principal): Promise<SystemOverview>;
  samples(deps: unknown, principal: Principal, query: SampleQuery): Promise<SampleList>;
  runJob(deps: unknown, principal: Principal, name: JobName): Promise<Job>;
  backups(deps: unknown, principal: Principal): Promise<BackupList>;
  createBackup(deps: unknown, principal: Principal): Promise<Backup>;
  restoreBackup(deps: unknown, principal: Principal, name: string): Promise<void>;
}
const SERVICE_MODULE = '../functions/src/ops/service.js';
const ERRORS_MODULE = '../functions/src/errors.js';
const HEALTH_MODULE = '../functions/src/health/service.js';
const ops = (await import(SERVICE_MODULE)) as OpsService;
const { ApiError, unavailable } = (await import(ERRORS_MODULE)) as {
  ApiError: new (...args: never[]) => ApiErrorLike;
  unavailable(what: string): ApiErrorLike;
};
const { VERSION } = (await import(HEALTH_MODULE)) as { VERSION: string };

const json = JSONCodec<unknown>();

describe('System routes on the shared stack', () => {
  let admin: string;
  let member: string;
  let sql: postgres.Sql;
  let db: ReturnType<typeof postgresDb>;

  beforeAll(async () => {
    admin = (await adminSession()).accessToken;
    member = (await memberSession('ops')).accessToken;
    sql = postgres(stack().databaseUrl, { max: 2, onnotice: () => {}, types: WIRE_TYPES });
    db = postgresDb(sql);
  });
  afterAll(async () => {
    await sql?.end({ timeout: 2 });
  });

  const ROUTES: [string, string][] = [
    ['GET', '/admin/system'],
    ['GET', '/admin/system/samples'],
    ['POST', '/admin/jobs/searches.cleanup/run'],
    ['GET', '/admin/backups'],
    ['POST', '/admin/backups'],
    ['POST', '/admin/backups/sokoul-20261202T031500Z-daily.tar.gz/restore'],
  ];

  it('refuses members (403) and anonymous callers (401) on every route, running nothing', async () => {
    const started = () => sql<{ last_started_at: Date | null }[]>`
      SELECT last_started_at FROM scheduled_jobs WHERE name = 'searches.cleanup'`;
    const before = await started();
    for (const [method, path] of ROUTES) {
      const anonymous = await api<ErrorBody>(method, path);
      expect(anonymous.status, `${method} ${path}`).toBe(401);
      const refused = await api<ErrorBody>(method, path, { token: member });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
    }
    // The member's "run now" never reached torrent-node: the job did not start.
    expect(await started()).toEqual(before);
  });

  it('answers the overview: checks, alerts, jobs, torrent-nodes and versions as stored', async () => {
    // An alert of a cause only this test uses, open then cleared, and one still open.
    const cause = `test:${randomUUID()}`;
    const raised = await openAlert(db, {
      cause,
      level: 'warning',
      code: 'disk.low',
      params: { folder: 'downloads', freeBytes: 1024 },
      message: 'Little space left',
    });
    expect(raised).not.toBeNull();
    const openCause = `test:${randomUUID()}`;
    await openAlert(db, {
      cause: openCause,
      level: 'critical',
      code: 'dependency.down',
      params: {},
      message: 'down',
    });
    await clearAlert(db, cause, 'Space is back');

    const res = await api<SystemOverview>('GET', '/admin/system', { token: admin });
    expect(res.status).toBe(200);
    const overview = SystemOverview.parse(res.body);
    const [server] = await sql<{ server_version: string }[]>`SHOW server_version`;
    expect(overview.versions).toEqual({
      sokoul: VERSION,
      postgres: server?.server_version,
      node: expect.any(String),
    });
    // Open alerts come first, then the cleared ones, newest first.
    const open = overview.alerts.find((a) => a.cause === openCause);
    const cleared = overview.alerts.find((a) => a.cause === cause);
    expect(open).toMatchObject({ level: 'critical', clearedAt: null });
    expect(cleared).toMatchObject({
      id: raised?.id,
      clearMessage: 'Space is back',
      params: { freeBytes: 1024 },
    });
    expect(overview.alerts.indexOf(open!)).toBeLessThan(overview.alerts.indexOf(cleared!));
    await clearAlert(db, openCause, 'test over');

    // The stack's torrent-node: its scheduler created every job, Sentinel checked and heartbeats arrived.
    expect(overview.jobs.map((j) => j.name)).toEqual(JobName.options);
    expect(overview.jobs.every((j) => j.schedule.length > 0)).toBe(true);
    expect(overview.checks.map((c) => c.kind)).toEqual(expect.arrayContaining(['database', 'nats', 'disk']));
    const node = overview.nodes.find((n) => n.alive);
    expect(node).toBeDefined();
    expect(node?.rssBytes).toBeGreaterThan(0);
    expect(overview.versions.node).toBe(overview.nodes[0]?.version);
  });

  it('answers one metric’s samples over the hours asked, oldest first', async () => {
    const nodeId = `test-node-${randomUUID()}`;
    const hour = 3_600_000;
    const at = (ago: number) => new Date(Date.now() - ago).toISOString();
    await insertSamples(db, [
      { at: at(30 * 60_000), nodeId, metric: 'disk.library', value: 400, total: 1000 },
      { at: at(2 * hour), nodeId, metric: 'disk.library', value: 500, total: 1000 },
      { at: at(5 * hour), nodeId, metric: 'disk.library', value: 600, total: 1000 },
      { at: at(hour), nodeId, metric: 'cpu', value: 12.5, total: null },
    ]);
    const mine = (list: SampleList) => list.items.filter((s) => s.nodeId === nodeId);
    const three = await api<SampleList>('GET', '/admin/system/samples?metric=disk.library&hours=3', {
      token: admin,
    });
    expect(three.status).toBe(200);
    expect(mine(three.body).map((s) => s.value)).toEqual([500, 400]);
    expect(mine(three.body)[0]).toMatchObject({ metric: 'disk.library', total: 1000 });
    const cpu = await api<SampleList>('GET', '/admin/system/samples?metric=cpu&hours=24', { token: admin });
    expect(mine(cpu.body)).toEqual([
      { at: expect.any(String), nodeId, metric: 'cpu', value: 12.5, total: null },
    ]);
    // The default: a week of the downloads disk.
    const fallback = await api<SampleList>('GET', '/admin/system/samples', { token: admin });
    expect(fallback.status).toBe(200);
    expect(fallback.body.items.every((s) => s.metric === 'disk.downloads')).toBe(true);
    for (const query of ['hours=0', 'hours=99999', 'metric=disk.elsewhere']) {
      const bad = await api<ErrorBody>('GET', `/admin/system/samples?${query}`, { token: admin });
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
    }
  });

  it('runs a job now on torrent-node and records the run', { timeout: 90_000 }, async () => {
    const before = Date.now();
    const res = await api<Job>('POST', '/admin/jobs/searches.cleanup/run', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('searches.cleanup');
    const run = res.body.lastRun;
    expect(run).toMatchObject({ outcome: 'ok', manual: true, nodeId: expect.any(String) });
    expect(Date.parse(run?.startedAt ?? '')).toBeGreaterThanOrEqual(before - 5_000);
    expect(run?.finishedAt).not.toBeNull();
    expect(run?.durationMs).toBeGreaterThanOrEqual(0);
    // The overview tells the same run.
    const overview = await api<SystemOverview>('GET', '/admin/system', { token: admin });
    const job = overview.body.jobs.find((j) => j.name === 'searches.cleanup');
    expect(job?.lastRun).toEqual(run);

    // A name that is no job is a 404 before anything is asked of torrent-node.
    const unknown = await api<ErrorBody>('POST', '/admin/jobs/nothing.here/run', { token: admin });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: 'not_found', message: 'Job not found' });
  });

  it('lists and takes backups on torrent-node; a restore names an archive that exists', {
    timeout: 120_000,
  }, async () => {
    const listed = await api<BackupList>('GET', '/admin/backups', { token: admin });
    expect(listed.status).toBe(200);
    expect(listed.body.directory).not.toBe('');
    const created = await api<Backup>('POST', '/admin/backups', { token: admin });
    expect(created.status).toBe(201);
    expect(created.body.name).toMatch(BACKUP_NAME);
    expect(created.body.kind).toBe('manual');
    expect(created.body.sizeBytes).toBeGreaterThan(0);
    const again = await api<BackupList>('GET', '/admin/backups', { token: admin });
    expect(again.body.items[0]).toEqual(created.body);
    expect(again.body.items.length).toBe(listed.body.items.length + 1);

    // Not an archive's name: a 404 from the route itself; one of the right shape that is not there:
    // torrent-node's 404.
    for (const name of ['secrets.json', '..%2F..%2Fetc%2Fpasswd', 'sokoul-20261202T031500Z-daily.tar']) {
      const bad = await api<ErrorBody>('POST', `/admin/backups/${name}/restore`, { token: admin });
      expect(bad.status, name).toBe(404);
      expect(bad.body.error).toEqual({ code: 'not_found', message: 'Backup not found' });
    }
    const missing = await api<ErrorBody>(
      'POST',
      '/admin/backups/sokoul-19990101T000000Z-daily.tar.gz/restore',
      {
        token: admin,
      },
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });
});

describe('System services against a responder playing torrent-node', () => {
  let databaseUrl: string;
  let sql: postgres.Sql;
  let db: ReturnType<typeof postgresDb>;
  let nats: ChildProcess;
  let nc: NatsConnection;
  let deps: unknown;
  const logs = captureLogger();
  const admin: Principal = { userId: randomUUID(), role: 'admin', via: 'token' };
  const member: Principal = { userId: randomUUID(), role: 'member', via: 'token' };
  /** What the responder answers next, and the requests it received. */
  let answer: (request: OpsRequest) => unknown = () => ({ ok: true });
  const received: OpsRequest[] = [];

  beforeAll(async () => {
    const [natsPort] = (await freePorts(1)) as [number];
    nats = spawnNatsServer(natsPort);
    nc = await connectWhenUp(`nats://127.0.0.1:${natsPort}`);
    ({ url: databaseUrl, sql, db } = await migratedDatabase('sokoul_ops'));
    // The API's bus as createBus makes it: a request nobody answers is the bus's 503.
    const bus = {
      publishEvent: async () => {},
      publish: async () => {},
      enqueue: async () => {},
      status: async () => ({ connected: true, latencyMs: 0 }),
      request: async (subject: string, data: unknown, timeoutMs: number) => {
        try {
          return json.decode((await nc.request(subject, json.encode(data), { timeout: timeoutMs })).data);
        } catch {
          throw unavailable(`NATS request ${subject}`);
        }
      },
    };
    const unused = new Proxy(
      {},
      {
        get: (_, name) => {
          throw new Error(`the System services do not use ${String(name)}`);
        },
      },
    );
    deps = {
      config: ApiConfigSchema.parse({
        DATABASE_URL: databaseUrl,
        NATS_WS_URL: 'ws://127.0.0.1:1',
        JWT_SECRET: 'x'.repeat(48),
        INTERNAL_SIGNING_KEY: 'y'.repeat(48),
      }),
      infra: { db, bus, cache: unused, passwords: unused, sockets: unused },
      log: logs,
      defer: () => {},
    };
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    nats?.kill();
    await sql?.end({ timeout: 2 });
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  /** A torrent-node answering Subjects.opsRequest with `answer` (in a queue group, like the real one). */
  async function respond(): Promise<() => void> {
    const sub = nc.subscribe(Subjects.opsRequest, {
      queue: 'torrent-node.ops',
      callback: (_, msg) => {
        const request = OpsRequest.parse(json.decode(msg.data));
        received.push(request);
        msg.respond(json.encode(answer(request)));
      },
    });
    await nc.flush();
    return () => sub.unsubscribe();
  }

  const job = (name: JobName): Job => ({
    name,
    schedule: '0 4 * * *',
    enabled: true,
    lastRun: {
      startedAt: '2026-12-02T04:00:00.000Z',
      finishedAt: '2026-12-02T04:00:00.012Z',
      durationMs: 12,
      outcome: 'ok',
      detail: 'archived 3 tasks',
      result: { tasks: 3 },
      nodeId: 'node-a',
      manual: true,
    },
    nextRunAt: null,
  });
  const backup: Backup = {
    name: 'sokoul-20261202T031500Z-manual.tar.gz',
    kind: 'manual',
    method: 'sokoul',
    createdAt: '2026-12-02T03:15:00.000Z',
    sizeBytes: 2048,
    tables: 30,
    rows: 400,
    migration: '1764900000000_ops',
  };

  async function refused(run: () => Promise<unknown>): Promise<ApiErrorLike> {
    try {
      await run();
    } catch (error) {
      if (error instanceof ApiError) return error;
      throw error;
    }
    throw new Error('expected an ApiError');
  }

  it('reads the overview from the database: every check, alert, job and node as stored', async () => {
    const checkedAt = new Date(Date.now() - 60_000).toISOString();
    await saveCheck(db, {
      id: 'disk:downloads',
      kind: 'disk',
      subject: 'downloads',
      status: 'error',
      code: 'disk.low',
      params: { freeBytes: 1_000_000 },
      message: 'Little space left in downloads',
      impact: 'Downloads pause',
      fix: 'Free some space',
      nodeId: 'node-a',
      checkedAt,
      nextCheckAt: new Date(Date.now() + 60_000).toISOString(),
      failingSince: checkedAt,
      failures: 2,
    });
    await openAlert(db, {
      cause: 'disk:downloads',
      level: 'warning',
      code: 'disk.low',
      params: {},
      message: 'low',
    });
    await ensureJobs(db, [{ name: 'archive', schedule: '0 4 * * *' }]);
    await recordHeartbeat(db, { nodeId: 'node-old', startedAt: new Date(), rssBytes: 10, version: '0.0.9' });
    await sql`UPDATE ops_nodes SET last_seen_at = now() - interval '5 minutes' WHERE node_id = 'node-old'`;
    await recordHeartbeat(db, {
      nodeId: 'node-a',
      startedAt: new Date(),
      rssBytes: 123_456,
      version: '0.1.0',
    });

    const overview = SystemOverview.parse(await ops.overview(deps, admin));
    expect(overview.checks).toEqual([
      expect.objectContaining({
        id: 'disk:downloads',
        status: 'error',
        failures: 2,
        params: { freeBytes: 1_000_000 },
      }),
    ]);
    expect(overview.alerts).toEqual([expect.objectContaining({ cause: 'disk:downloads', clearedAt: null })]);
    expect(overview.jobs).toEqual([
      { name: 'archive', schedule: '0 4 * * *', enabled: true, lastRun: null, nextRunAt: null },
    ]);
    expect(overview.nodes.map((n) => [n.nodeId, n.alive, n.rssBytes])).toEqual([
      ['node-a', true, 123_456],
      ['node-old', false, 10],
    ]);
    const [server] = await sql<{ server_version: string }[]>`SHOW server_version`;
    expect(overview.versions).toEqual({ sokoul: VERSION, postgres: server?.server_version, node: '0.1.0' });

    await insertSamples(db, [
      { at: new Date().toISOString(), nodeId: 'node-a', metric: 'memory', value: 42, total: null },
    ]);
    expect((await ops.samples(deps, admin, { metric: 'memory', hours: 1 })).items).toEqual([
      expect.objectContaining({ nodeId: 'node-a', value: 42 }),
    ]);
  });

  it('refuses members everything, before any request reaches torrent-node', async () => {
    const stop = await respond();
    received.length = 0;
    try {
      const calls = [
        () => ops.overview(deps, member),
        () => ops.samples(deps, member, { metric: 'cpu', hours: 1 }),
        () => ops.runJob(deps, member, 'backup'),
        () => ops.backups(deps, member),
        () => ops.createBackup(deps, member),
        () => ops.restoreBackup(deps, member, backup.name),
      ];
      for (const call of calls) expect((await refused(call)).status).toBe(403);
      expect(received).toEqual([]);
    } finally {
      stop();
    }
  });

  it('asks torrent-node with the admin’s id and answers what it did', async () => {
    const stop = await respond();
    received.length = 0;
    try {
      answer = (request) =>
        request.op === 'job.run'
          ? { ok: true, job: job(request.job) }
          : request.op === 'backup.list'
            ? { ok: true, backups: { items: [backup], directory: '/data/backups' } }
            : { ok: true, backup };
      expect(await ops.runJob(deps, admin, 'archive')).toEqual(job('archive'));
      expect(await ops.backups(deps, admin)).toEqual({ items: [backup], directory: '/data/backups' });
      expect(await ops.createBackup(deps, admin)).toEqual(backup);
      await ops.restoreBackup(deps, admin, backup.name);
      expect(received).toEqual([
        { op: 'job.run', job: 'archive', userId: admin.userId },
        { op: 'backup.list' },
        { op: 'backup.create', userId: admin.userId },
        { op: 'backup.restore', name: backup.name, userId: admin.userId },
      ]);
    } finally {
      stop();
    }
  });

  it('maps torrent-node’s refusals to the API’s errors, keeping its code and message', async () => {
    const stop = await respond();
    try {
      const cases: [OpsReply, number][] = [
        [{ ok: false, code: 'conflict', message: 'The job backup is running already' }, 409],
        [{ ok: false, code: 'not_found', message: 'No archive named that' }, 404],
        [{ ok: false, code: 'bad_request', message: 'The archive’s schema is newer than this Sokoul' }, 400],
        [{ ok: false, code: 'not_configured', message: 'BACKUP_DIR is not writable' }, 503],
        [{ ok: false, code: 'internal', message: 'pg_dump exited with 1' }, 500],
      ];
      for (const [reply, status] of cases) {
        answer = () => reply;
        const error = await refused(() => ops.restoreBackup(deps, admin, backup.name));
        expect(error.status).toBe(status);
        if (!reply.ok) {
          expect(error.code).toBe(reply.code);
          expect(error.message).toBe(reply.message);
        }
      }
      // A code the API does not know is torrent-node's failure, not a code sent on as is.
      answer = () => ({ ok: false, code: 'disk_on_fire', message: 'what' });
      expect(await refused(() => ops.runJob(deps, admin, 'backup'))).toMatchObject({
        status: 500,
        code: 'internal',
      });
      // An answer of the wrong shape, or one without what was asked for: torrent-node's bug (500).
      answer = () => ({ status: 'fine' });
      expect(await refused(() => ops.backups(deps, admin))).toMatchObject({ status: 500, code: 'internal' });
      answer = () => ({ ok: true });
      expect(await refused(() => ops.runJob(deps, admin, 'backup'))).toMatchObject({
        status: 500,
        code: 'internal',
      });
      expect(logs.lines.some((l) => l.level === 'error' && l.msg.includes('wrong shape'))).toBe(true);
    } finally {
      stop();
    }
  });

  it('answers 503 when no torrent-node answers', async () => {
    // Nobody subscribed: NATS says so at once (no responders), the API answers 503.
    const error = await refused(() => ops.backups(deps, admin));
    expect(error).toMatchObject({ status: 503, code: 'dependency_unavailable' });
    expect(error.message).toMatch(/No torrent-node answered/);
    expect(logs.lines.some((l) => l.level === 'warn' && l.fields.op === 'backup.list')).toBe(true);
  });
});
