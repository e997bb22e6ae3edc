import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type HealthReport,
  parseConfig,
  type SokoulEvent,
  Subjects,
  type TorrentNodeConfig,
  TorrentNodeConfigSchema,
} from '@sokoul/contracts';
import {
  type Db,
  getCheck,
  linkChat,
  listAlerts,
  listNodes,
  openAlertFor,
  recordHeartbeat,
} from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../launcher/src/ports.js';
import { QBittorrentEngine } from '../torrent-node/src/downloads/clients/qbittorrent.js';
import { Engines } from '../torrent-node/src/downloads/engines.js';
import { AlertManager } from '../torrent-node/src/ops/alerts.js';
import {
  databaseSource,
  diskSource,
  engineSource,
  indexerSource,
  natsSource,
  nodesSource,
} from '../torrent-node/src/ops/checks.js';
import { type CheckOutcome, type CheckSource, Sentinel } from '../torrent-node/src/ops/sentinel.js';
import { IndexerPool } from '../torrent-node/src/search/scout.js';
import { startTelegram } from '../torrent-node/src/telegram/index.js';
import { notificationTexts } from '../torrent-node/src/telegram/texts.js';
import { api } from './helpers/api.js';
import { createUser } from './helpers/bittorrent.js';
import { startQBittorrent } from './helpers/clients.js';
import { type FakeIndexer, STACK_RELEASES, startFakeIndexer } from './helpers/fake-indexer.js';
import { type FakeTelegram, startFakeTelegram } from './helpers/fake-telegram.js';
import { captureLogger } from './helpers/logger.js';
import { addJobsStream, connectWhenUp, spawnNatsServer } from './helpers/nats.js';
import { dropTestDatabase, migratedDatabase } from './helpers/stack.js';
import { until } from './helpers/wait.js';

/**
 * Sentinel against real dependencies: its own nats-server (killed and started again), a Torznab
 * fake that goes away, a real qBittorrent killed, the real free space of a folder; alerts through
 * the database (one per cause, even with two nodes), on Subjects.alerts, on admins' own subjects
 * and to a fake Telegram chat of an admin. Intervals and back-off are shortened.
 */

type AlertEvent = Extract<SokoulEvent, { type: 'alert' }>;
const SIGNING_KEY = 'stream-signing-key-for-tests-0123456789abcdef';
const SECRET = 'telegram-webhook-secret-for-tests-0123456789';
const json = JSONCodec<unknown>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logs = captureLogger();

let work: string;
let nats: ChildProcess;
let natsPort: number;
let natsUrl: string;
let nc: NatsConnection;
let databaseUrl: string;
let sql: postgres.Sql;
let db: ReturnType<typeof postgresDb>;
let fake: FakeTelegram;
let admin: string;
let member: string;
let adminChat: number;

const startNats = () => spawnNatsServer(natsPort, join(work, 'nats'));

async function killNats(): Promise<void> {
  const gone = new Promise<void>((resolve) => nats.once('exit', () => resolve()));
  nats.kill('SIGKILL');
  await gone;
}

function configWith(env: Record<string, string>): TorrentNodeConfig {
  return parseConfig(TorrentNodeConfigSchema, {
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    INTERNAL_SIGNING_KEY: SIGNING_KEY,
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    PUBLIC_URL: 'https://sokoul.example.test',
    DOWNLOAD_DIR: join(work, 'downloads'),
    DATA_DIR: join(work, 'data'),
    BACKUP_DIR: join(work, 'data', 'backups'),
    SENTINEL_INTERVAL_SECONDS: '0.2',
    // 0.6 s: the back-off doubles from 100 ms up to this.
    SENTINEL_MAX_BACKOFF_MINUTES: '0.01',
    ...env,
  });
}

/** Every alert event seen on `subject` over `conn`, in order. */
function collect(conn: NatsConnection, subject: string): AlertEvent[] {
  const seen: AlertEvent[] = [];
  conn.subscribe(subject, {
    callback: (err, msg) => {
      if (err) return;
      const event = json.decode(msg.data) as SokoulEvent;
      if (event.type === 'alert') seen.push(event);
    },
  });
  return seen;
}

const phases = (events: AlertEvent[], cause: string) =>
  events.filter((e) => e.data.cause === cause).map((e) => e.data.phase);

async function alertRows(cause: string) {
  return sql<{ id: string; cleared_at: Date | null; notifications: number }[]>`
    SELECT id, cleared_at, notifications FROM alerts WHERE cause = ${cause} ORDER BY raised_at`;
}

function sentinel(
  conn: NatsConnection,
  config: TorrentNodeConfig,
  sources: CheckSource[],
): { sentinel: Sentinel; alerts: AlertManager } {
  const alerts = new AlertManager({ db, nc: conn, config, log: logs });
  return {
    alerts,
    sentinel: new Sentinel({ db, alerts, config, log: logs, sources, backoffBaseMs: 100 }),
  };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sokoul-sentinel-'));
  mkdirSync(join(work, 'downloads'));
  mkdirSync(join(work, 'data'));
  [natsPort] = (await freePorts(1)) as [number];
  natsUrl = `nats://127.0.0.1:${natsPort}`;
  nats = startNats();
  ({ url: databaseUrl, sql, db } = await migratedDatabase('sokoul_sentinel'));
  fake = await startFakeTelegram();
  nc = await connectWhenUp(natsUrl);
  await addJobsStream(nc);
  admin = await createUser(sql, 'admin', 'en');
  member = await createUser(sql, 'member', 'en');
  adminChat = 5_550_001;
  await linkChat(db, {
    userId: admin,
    chatId: adminChat,
    telegramUserId: adminChat,
    chatType: 'private',
    chatTitle: 'admin',
    username: null,
  });
  await linkChat(db, {
    userId: member,
    chatId: 5_550_002,
    telegramUserId: 5_550_002,
    chatType: 'private',
    chatTitle: 'member',
    username: null,
  });
}, 60_000);

afterAll(async () => {
  await nc?.close();
  nats?.kill();
  await fake?.stop();
  await sql?.end({ timeout: 2 });
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  rmSync(work, { recursive: true, force: true });
});

describe('a dependency stopped', () => {
  it('NATS killed: the check fails, one alert goes out on every channel, cleared when NATS returns', async () => {
    // torrent-node's own connection: the notifier and the alerts share it, as in main.ts.
    const node = await connect({
      servers: natsUrl,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    const config = configWith({});
    const onAlerts = collect(node, Subjects.alerts);
    const onAdmin = collect(node, Subjects.userEvents(admin));
    const onMember = collect(node, Subjects.userEvents(member));
    const telegram = startTelegram({ nc: node, db, config, log: logs });
    const { sentinel: s } = sentinel(node, config, [natsSource({ nc: node })]);
    const chatBefore = fake.sent(adminChat).length;
    await s.start();
    try {
      await until('nats ok', async () => (await getCheck(db, 'nats'))?.status === 'ok');
      await killNats();
      const failing = await until('nats failing', async () => {
        const check = await getCheck(db, 'nats');
        return check?.status === 'error' ? check : undefined;
      });
      expect(failing).toMatchObject({ kind: 'nats', code: 'dependency.down', nodeId: 'torrent-node' });
      expect(failing.impact).not.toBe('');
      expect(failing.fix).toContain('NATS_URL');
      const open = await until('nats alert', () => openAlertFor(db, 'nats'));
      expect(open).toMatchObject({ level: 'critical', code: 'dependency.down', notifications: 1 });
      // Down for a while: failing runs back off, and none opens a second alert.
      await until('a few failed runs', async () => ((await getCheck(db, 'nats'))?.failures ?? 0) >= 3);
      nats = startNats();
      await until('nats cleared', async () => (await alertRows('nats'))[0]?.cleared_at);
      expect(await alertRows('nats')).toHaveLength(1);
      const [cleared] = (await listAlerts(db)).filter((a) => a.cause === 'nats');
      expect(cleared?.clearMessage).toMatch(/^Resolved: NATS answers/);
      expect((await getCheck(db, 'nats'))?.status).toBe('ok');

      await until('raised and cleared on Subjects.alerts', () => phases(onAlerts, 'nats').length === 2);
      expect(phases(onAlerts, 'nats')).toEqual(['raised', 'cleared']);
      expect(onAlerts[0]?.data).toMatchObject({
        alertId: open.id,
        level: 'critical',
        code: 'dependency.down',
      });
      await until('the admin subject', () => phases(onAdmin, 'nats').length === 2);
      expect(phases(onAdmin, 'nats')).toEqual(['raised', 'cleared']);
      expect(onMember).toEqual([]);

      const texts = await until('two Telegram messages', () => {
        const sent = fake.sent(adminChat).slice(chatBefore);
        return sent.length >= 2 ? sent.map((c) => String(c.params.text)) : undefined;
      });
      expect(texts.filter((t) => t.includes('Sokoul alert'))).toHaveLength(1);
      expect(texts.find((t) => t.includes('Sokoul alert'))).toContain('NATS is not connected');
      expect(texts.filter((t) => t.includes('Alert over'))).toHaveLength(1);
      expect(fake.sent(5_550_002)).toEqual([]);
    } finally {
      await s.stop();
      await telegram?.stop();
      await node.close();
      // The tests' own connection is back too before the next test uses it.
      await until(
        'nc reconnected',
        () =>
          nc.rtt().then(
            () => true,
            () => false,
          ),
        30_000,
      );
    }
  }, 90_000);

  it('the database down: its alert is sent once from memory (admins known before), cleared when it answers', async () => {
    // A real pool on a port nothing listens on: every statement fails as in an outage.
    const [deadPort] = (await freePorts(1)) as [number];
    const deadSql = postgres(`postgres://postgres@127.0.0.1:${deadPort}/none`, {
      max: 1,
      connect_timeout: 1,
      onnotice: () => {},
      types: WIRE_TYPES,
    });
    const dead = postgresDb(deadSql);
    let current: Db = db;
    const switchable: Db = {
      query: (text, params) => current.query(text, params),
      execute: (text, params) => current.execute(text, params),
      transaction: (statements) => current.transaction(statements),
      ping: () => current.ping(),
    };
    const onAlerts = collect(nc, Subjects.alerts);
    const onAdmin = collect(nc, Subjects.userEvents(admin));
    const config = configWith({ NODE_ID: 'db-node' });
    const alerts = new AlertManager({ db: switchable, nc, config, log: logs });
    // An earlier alert taught it who the admins are.
    await alerts.raise('warm-up', 'info', 'test.warm', 'warm-up');
    await alerts.clear('warm-up', 'done');
    const s = new Sentinel({
      db: switchable,
      alerts,
      config,
      log: logs,
      sources: [databaseSource({ db: switchable })],
      backoffBaseMs: 100,
      // A connection that never comes may also just hang: each run is cut at 1 s.
      checkTimeoutMs: 1000,
    });
    await s.start();
    try {
      await until('database ok', async () => (await getCheck(db, 'database'))?.status === 'ok');
      current = dead;
      await until('raised', () => phases(onAlerts, 'database').includes('raised'), 20_000);
      await until(
        'a few failed runs',
        () => s.checks.some((c) => c.id === 'database' && c.failures >= 2),
        20_000,
      );
      current = db;
      await until('cleared', () => phases(onAlerts, 'database').includes('cleared'), 20_000);
      expect(phases(onAlerts, 'database')).toEqual(['raised', 'cleared']);
      expect(phases(onAdmin, 'database')).toEqual(['raised', 'cleared']);
      expect(onAlerts.find((e) => e.data.cause === 'database')?.data).toMatchObject({
        level: 'critical',
        code: 'dependency.down',
      });
      await until('saved ok again', async () => (await getCheck(db, 'database'))?.status === 'ok');
    } finally {
      await s.stop();
      await deadSql.end({ timeout: 1 });
    }
  }, 60_000);

  it('an indexer that went away: failing with an alert; answering again clears it', async () => {
    let indexer: FakeIndexer | null = await startFakeIndexer({ name: 'Tracker', releases: STACK_RELEASES });
    let url = indexer.url;
    const onAlerts = collect(nc, Subjects.alerts);
    const pool = new IndexerPool();
    const source = indexerSource({
      pool,
      endpoints: async () => ({ endpoints: [{ name: 'Tracker', url, timeoutMs: 2000 }], errors: [] }),
    });
    const { sentinel: s } = sentinel(nc, configWith({ NODE_ID: 'indexer-node' }), [source]);
    await s.start();
    try {
      await until('indexer ok', async () => (await getCheck(db, 'indexer:Tracker'))?.status === 'ok');
      expect((await getCheck(db, 'indexer:discovery'))?.status).toBe('ok');
      await indexer.close();
      indexer = null;
      const failing = await until('indexer failing', async () => {
        const check = await getCheck(db, 'indexer:Tracker');
        return check?.status === 'error' ? check : undefined;
      });
      expect(failing).toMatchObject({ code: 'indexer.unreachable', subject: 'Tracker' });
      await until('indexer alert', () => openAlertFor(db, 'indexer:Tracker'));
      // It comes back (at a new address, as after a restart behind a new port).
      indexer = await startFakeIndexer({ name: 'Tracker', releases: STACK_RELEASES });
      url = indexer.url;
      await until('indexer cleared', async () => (await alertRows('indexer:Tracker'))[0]?.cleared_at);
      expect(await alertRows('indexer:Tracker')).toHaveLength(1);
      await until('events', () => phases(onAlerts, 'indexer:Tracker').length === 2);
      expect(phases(onAlerts, 'indexer:Tracker')).toEqual(['raised', 'cleared']);
    } finally {
      await s.stop();
      await indexer?.close();
    }
  }, 60_000);

  it('an indexer removed from the configuration: its check is deleted and its alert cleared', async () => {
    let names = ['Gone'];
    const source = indexerSource({
      pool: new IndexerPool(),
      endpoints: async () => ({
        endpoints: names.map((name) => ({ name, url: 'http://127.0.0.1:9/api', timeoutMs: 500 })),
        errors: [],
      }),
    });
    const { sentinel: s } = sentinel(nc, configWith({ NODE_ID: 'prune-node' }), [source]);
    await s.start();
    try {
      await until('alert', () => openAlertFor(db, 'indexer:Gone'));
      names = [];
      await until('check deleted', async () => !(await getCheck(db, 'indexer:Gone')));
      await until('alert cleared', async () => (await alertRows('indexer:Gone'))[0]?.cleared_at);
      await until(
        'no indexer left',
        async () => (await getCheck(db, 'indexer:discovery'))?.code === 'indexer.none',
      );
    } finally {
      await s.stop();
    }
  }, 30_000);

  it('qBittorrent killed: its engine check fails with an alert; restarted, it clears', async () => {
    const home = join(work, 'qbt');
    mkdirSync(home, { recursive: true });
    const client = await startQBittorrent(home);
    const config = configWith({ NODE_ID: 'engine-node' });
    const engine = new QBittorrentEngine({
      client: {
        name: 'qbittorrent',
        url: client.url,
        username: client.username,
        password: client.password,
        category: 'sokoul',
        remotePath: join(work, 'downloads', 'qbittorrent'),
        localPath: join(work, 'downloads', 'qbittorrent'),
        enabled: true,
        updatedAt: new Date().toISOString(),
      },
      config,
      log: logs,
    });
    const engines = new Engines(engine);
    const { sentinel: s } = sentinel(nc, config, [engineSource({ engines })]);
    await s.start();
    try {
      await until('engine ok', async () => (await getCheck(db, 'engine:qbittorrent'))?.status === 'ok');
      // (With the shortened back-off, the client's "connecting" state at start may have raised one.)
      await until('nothing open', async () => !(await openAlertFor(db, 'engine:qbittorrent')));
      const before = (await alertRows('engine:qbittorrent')).length;
      await client.kill();
      // The client is asked every 10 s while it follows no torrent.
      const failing = await until(
        'engine failing',
        async () => {
          const check = await getCheck(db, 'engine:qbittorrent');
          return check?.status === 'error' ? check : undefined;
        },
        40_000,
      );
      expect(failing).toMatchObject({ code: 'engine.unreachable', subject: 'qBittorrent' });
      await until('engine alert', () => openAlertFor(db, 'engine:qbittorrent'));
      await client.restart();
      await until(
        'engine cleared',
        async () => (await alertRows('engine:qbittorrent'))[before]?.cleared_at,
        40_000,
      );
      expect(await alertRows('engine:qbittorrent')).toHaveLength(before + 1);
    } finally {
      await s.stop();
      await engines.destroy();
      await client.stop();
    }
  }, 120_000);
});

describe('thresholds, back-off, repeats', () => {
  it('free space below ALERT_DISK_FREE_MB raises disk:downloads; back above, it clears', async () => {
    const config = configWith({ NODE_ID: 'disk-node', ALERT_DISK_FREE_MB: '100000000' });
    const onAlerts = collect(nc, Subjects.alerts);
    const { sentinel: s } = sentinel(nc, config, [diskSource({ config })]);
    await s.start();
    try {
      const alert = await until('disk alert', () => openAlertFor(db, 'disk:downloads'));
      expect(alert).toMatchObject({ code: 'disk.low', level: 'critical' });
      expect(alert.params).toMatchObject({ folder: 'downloads', minFreeMb: 100_000_000 });
      expect(Number(alert.params.freeMb)).toBeLessThan(100_000_000);
      await until('the data folder too', () => openAlertFor(db, 'disk:data'));
      // The threshold changes at run time (one config object, as the settings overlay does).
      config.ALERT_DISK_FREE_MB = 0;
      await until('disk cleared', async () => (await alertRows('disk:downloads'))[0]?.cleared_at);
      expect((await getCheck(db, 'disk:downloads'))?.status).toBe('ok');
      await until('events', () => phases(onAlerts, 'disk:downloads').length === 2);
      expect(phases(onAlerts, 'disk:downloads')).toEqual(['raised', 'cleared']);
    } finally {
      await s.stop();
    }
  }, 30_000);

  it('a failing check is tried again later and later (nextCheckAt), up to the maximum', async () => {
    let failing = true;
    const outcome = (): CheckOutcome =>
      failing
        ? { status: 'error', code: 'test.down', message: 'down', impact: 'none', fix: 'none' }
        : { status: 'ok', code: 'ok', message: 'up' };
    const source: CheckSource = {
      kind: 'tmdb',
      list: () => [{ id: 'backoff-test', kind: 'tmdb', subject: null, run: async () => outcome() }],
    };
    const { sentinel: s } = sentinel(nc, configWith({ NODE_ID: 'backoff-node' }), [source]);
    const delays = new Map<number, number>();
    await s.start();
    try {
      await until(
        'five failures',
        async () => {
          const check = await getCheck(db, 'backoff-test');
          if (check) delays.set(check.failures, Date.parse(check.nextCheckAt) - Date.parse(check.checkedAt));
          return check && check.failures >= 5;
        },
        20_000,
      );
      // 100 ms doubling, capped at SENTINEL_MAX_BACKOFF_MINUTES (0.6 s).
      const expected = new Map([
        [1, 100],
        [2, 200],
        [3, 400],
        [4, 600],
        [5, 600],
      ]);
      for (const [failures, delay] of delays)
        if (expected.has(failures)) expect(delay).toBe(expected.get(failures));
      expect(delays.size).toBeGreaterThanOrEqual(3);
      const check = await getCheck(db, 'backoff-test');
      expect(check?.failingSince).not.toBeNull();
      expect(await alertRows('backoff-test')).toHaveLength(1);
      failing = false;
      await until('recovered', async () => (await getCheck(db, 'backoff-test'))?.status === 'ok');
      const ok = await getCheck(db, 'backoff-test');
      expect(ok).toMatchObject({ failures: 0, failingSince: null, impact: '', fix: '' });
      expect(Date.parse(ok?.nextCheckAt ?? '') - Date.parse(ok?.checkedAt ?? '')).toBe(200);
    } finally {
      await s.stop();
    }
  }, 30_000);

  it('an alert that lasts is sent again after ALERT_REPEAT_MINUTES, not before', async () => {
    const onAlerts = collect(nc, Subjects.alerts);
    const alerts = new AlertManager({ db, nc, config: { ALERT_REPEAT_MINUTES: 0.02 }, log: logs });
    expect(await alerts.raise('repeat-test', 'warning', 'test.repeat', 'still broken')).toBe('raised');
    expect(await alerts.raise('repeat-test', 'warning', 'test.repeat', 'still broken')).toBeNull();
    const repeated = await until('repeated', async () =>
      (await alerts.raise('repeat-test', 'warning', 'test.repeat', 'still broken, again')) === 'repeated'
        ? true
        : undefined,
    );
    expect(repeated).toBe(true);
    const [row] = await alertRows('repeat-test');
    expect(row?.notifications).toBe(2);
    expect(row?.cleared_at).toBeNull();
    expect((await openAlertFor(db, 'repeat-test'))?.message).toBe('still broken, again');
    expect(await alerts.clear('repeat-test', 'fixed')).toBe(true);
    expect(await alerts.clear('repeat-test', 'fixed')).toBe(false);
    await until('events', () => phases(onAlerts, 'repeat-test').length === 3);
    expect(phases(onAlerts, 'repeat-test')).toEqual(['raised', 'repeated', 'cleared']);
    expect(onAlerts.find((e) => e.data.phase === 'cleared')?.data.message).toBe('fixed');
    // The bot words each phase, in French and English.
    const data = (phase: 'raised' | 'repeated' | 'cleared') => ({
      level: 'warning' as const,
      message: 'NATS is not connected',
      code: 'dependency.down',
      cause: 'nats',
      phase,
    });
    expect(notificationTexts('fr').alert(data('raised'))).toBe(
      '⚠️ <b>Alerte Sokoul</b> : NATS is not connected',
    );
    expect(notificationTexts('fr').alert(data('repeated'))).toContain('toujours en cours');
    expect(notificationTexts('fr').alert(data('cleared'))).toContain('Alerte terminée');
    expect(notificationTexts('en').alert(data('repeated'))).toContain('Alert still on');
    expect(notificationTexts('en').alert(data('cleared'))).toContain('Alert over');
  }, 30_000);

  it('the alerts list: the open ones first, then the most recently cleared', async () => {
    const alerts = new AlertManager({ db, nc, config: { ALERT_REPEAT_MINUTES: 60 }, log: logs });
    await alerts.raise('list-open', 'critical', 'test.open', 'open one');
    await alerts.raise('list-old', 'info', 'test.old', 'cleared first');
    await alerts.clear('list-old', 'over');
    await alerts.raise('list-new', 'info', 'test.new', 'cleared last');
    await alerts.clear('list-new', 'over too');
    const list = await listAlerts(db, 1);
    const firstCleared = list.findIndex((a) => a.clearedAt !== null);
    expect(list.slice(firstCleared).every((a) => a.clearedAt !== null)).toBe(true);
    expect(list.filter((a) => a.clearedAt !== null).map((a) => a.cause)).toEqual(['list-new']);
    expect(list.find((a) => a.cause === 'list-open')).toMatchObject({ level: 'critical', clearedAt: null });
  });

  it('two sentinels (two nodes) on one database: still one alert per cause, sent once', async () => {
    let failing = true;
    const source: CheckSource = {
      kind: 'tmdb',
      list: () => [
        {
          id: 'shared-test',
          kind: 'tmdb',
          subject: null,
          run: async () =>
            failing
              ? { status: 'error', code: 'test.down', message: 'shared is down' }
              : { status: 'ok', code: 'ok', message: 'shared is up' },
        },
      ],
    };
    const onAlerts = collect(nc, Subjects.alerts);
    const a = sentinel(nc, configWith({ NODE_ID: 'node-a' }), [source]).sentinel;
    const b = sentinel(nc, configWith({ NODE_ID: 'node-b' }), [source]).sentinel;
    await Promise.all([a.start(), b.start()]);
    try {
      await until(
        'both ran it several times',
        async () => ((await getCheck(db, 'shared-test'))?.failures ?? 0) >= 4,
      );
      expect(await alertRows('shared-test')).toHaveLength(1);
      failing = false;
      await until('cleared', async () => (await alertRows('shared-test'))[0]?.cleared_at);
      await sleep(500);
      expect(await alertRows('shared-test')).toHaveLength(1);
      expect(phases(onAlerts, 'shared-test')).toEqual(['raised', 'cleared']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 30_000);
});

describe('heartbeats', () => {
  it('a node whose heartbeats stop is reported missing; beating again clears it', async () => {
    const config = configWith({ NODE_ID: 'watcher', HEARTBEAT_INTERVAL_MS: '200' });
    const beat = () =>
      recordHeartbeat(db, { nodeId: 'silent-node', startedAt: new Date(), rssBytes: 1024, version: '0.1.0' });
    await beat();
    const { sentinel: s } = sentinel(nc, config, [nodesSource({ db, config, log: logs })]);
    await s.start();
    try {
      await until('node ok', async () => (await getCheck(db, 'torrentNode:silent-node'))?.status === 'ok');
      const alert = await until('node missing', () => openAlertFor(db, 'torrentNode:silent-node'));
      expect(alert.code).toBe('node.missing');
      expect((await listNodes(db, 600)).find((n) => n.nodeId === 'silent-node')?.alive).toBe(false);
      await beat();
      await until('cleared', async () => (await alertRows('torrentNode:silent-node'))[0]?.cleared_at);
      // A node never checks itself.
      expect(await getCheck(db, 'torrentNode:watcher')).toBeNull();
    } finally {
      await s.stop();
    }
  }, 30_000);

  it('the API’s /health lists the torrent-nodes seen by their heartbeats', async () => {
    const report = await until('torrent-node seen', async () => {
      const { body } = await api<HealthReport>('GET', '/health');
      return body.nodes.some((n) => n.alive) ? body : undefined;
    });
    const node = report.nodes.find((n) => n.alive);
    expect(node?.version).toBe('0.1.0');
    expect(node?.rssBytes).toBeGreaterThan(0);
    expect(report.checks.torrentNode.status).toBe('up');
    expect(report.checks.torrentNode.detail).toBe(node?.nodeId);
  }, 60_000);
});
