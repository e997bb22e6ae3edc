import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  type Download,
  type DownloadClientList,
  type DownloadControlMessage,
  DownloadEngines,
  type DownloadList,
  type DownloadPreferences,
  type ErrorBody,
  type Media,
  SearchResults,
  type StartedDownload,
  type StoredResult,
  Subjects,
  TorrentHealthReply,
} from '@sokoul/contracts';
import { type Db, forgetCached, rememberCached } from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, api, eventually, memberSession, runSearch, stack } from './helpers/api.js';

/**
 * The download engines as the API shows them (torrent-node's health answer), each user's default
 * engine, the engine of one download, the external clients an admin configures, and the
 * "instantané" flag of search results Real-Debrid is known to have cached. On the shared stack:
 * no REAL_DEBRID_API_KEY, so Real-Debrid is never configured; the qBittorrent configured here
 * points at a port nothing listens on, so torrent-node runs it and reports it unreachable.
 */

const json = JSONCodec<unknown>();
let nc: NatsConnection;
let sql: postgres.Sql;
let db: Db;
const control: DownloadControlMessage[] = [];

let alice: { token: string; id: string };
let bob: { token: string; id: string };
let admin: string;
let film: Media;
const started = new Set<string>();

/** Where the shared stack's torrent-node writes (tests/helpers/stack.ts). */
const downloadDir = () => join(stack().dataDir, 'downloads');
/** A loopback port nothing listens on (discard): the client is configured but unreachable. */
const DEAD_URL = 'http://127.0.0.1:9';

const hash = () => randomBytes(20).toString('hex');
const magnet = (infoHash = hash()) => `magnet:?xt=urn:btih:${infoHash}&dn=Engine.Test.1080p`;

const session = async (label: string) => {
  const s = await memberSession(label);
  return { token: s.accessToken, id: s.user.id };
};

async function start(token: string, body: Record<string, unknown>) {
  const res = await api<StartedDownload & ErrorBody>('POST', '/downloads', { token, body });
  if (res.status === 202) started.add(res.body.download.id);
  return res;
}

const engines = async (token: string) => {
  const res = await api<DownloadEngines>('GET', '/downloads/engines', { token });
  expect(res.status).toBe(200);
  return DownloadEngines.parse(res.body);
};

const setPreferences = (token: string, body: unknown) =>
  api<DownloadPreferences & ErrorBody>('PUT', '/downloads/preferences', { token, body });

const qbittorrent = (extra: Record<string, unknown> = {}) => ({
  url: DEAD_URL,
  username: 'admin',
  password: 'adminadmin-secret',
  remotePath: '/srv/qbittorrent/downloads',
  localPath: join(downloadDir(), 'qbittorrent'),
  ...extra,
});

const putClient = (token: string, name: string, body: unknown) =>
  api<DownloadClientList & ErrorBody>('PUT', `/admin/download-clients/${name}`, { token, body });

const clientsMessages = () => control.filter((m) => m.action === 'clients').length;

beforeAll(async () => {
  nc = await connect({ servers: stack().natsUrl, token: stack().natsToken });
  const sub = nc.subscribe(Subjects.downloadControl);
  void (async () => {
    for await (const msg of sub) control.push(json.decode(msg.data) as DownloadControlMessage);
  })();
  await nc.flush();
  sql = postgres(stack().databaseUrl, { max: 2, types: WIRE_TYPES, onnotice: () => {} });
  db = postgresDb(sql);
  [alice, bob] = await Promise.all([session('eng-alice'), session('eng-bob')]);
  admin = (await adminSession()).accessToken;
  film = (
    await api<Media>('POST', '/media', {
      token: admin,
      body: { type: 'movie', title: 'Download engines film', year: 2003 },
    })
  ).body;
});

afterAll(async () => {
  for (const id of started) await api('DELETE', `/downloads/${id}`, { token: admin });
  if (admin) {
    // Other files run on this stack after this one: no external client left behind.
    for (const name of ['qbittorrent', 'transmission'])
      await api('DELETE', `/admin/download-clients/${name}`, { token: admin });
    if (film) await api('DELETE', `/media/${film.id}`, { token: admin });
  }
  await sql?.end();
  await nc?.drain();
});

describe('the engines and a user’s default', () => {
  it('lists what torrent-node runs, Sokoul’s own first-hand, and the default preferences', async () => {
    const listed = await engines(alice.token);
    // The same engines torrent-node answers over NATS to the health probe.
    const reply = TorrentHealthReply.parse(
      json.decode((await nc.request(Subjects.torrentHealth, json.encode({}), { timeout: 3000 })).data),
    );
    expect(listed.engines.map((e) => e.name).sort()).toEqual(reply.engines.map((e) => e.name).sort());
    expect(listed.engines.find((e) => e.name === 'webtorrent')).toEqual({
      name: 'webtorrent',
      state: 'ok',
      message: null,
      streaming: 'pieces',
    });
    // No REAL_DEBRID_API_KEY on this stack.
    expect(listed.engines.map((e) => e.name)).not.toContain('realdebrid');
    expect(listed.preferences).toEqual({ engine: 'webtorrent', debridFallback: true });
  });

  it('saves a user’s choice for them only, and refuses an engine not configured here', async () => {
    const saved = await setPreferences(alice.token, { engine: 'webtorrent', debridFallback: false });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ engine: 'webtorrent', debridFallback: false });
    expect((await engines(alice.token)).preferences).toEqual({ engine: 'webtorrent', debridFallback: false });
    // Another user's default is untouched.
    expect((await engines(bob.token)).preferences).toEqual({ engine: 'webtorrent', debridFallback: true });

    for (const engine of ['realdebrid', 'transmission']) {
      const refused = await setPreferences(alice.token, { engine, debridFallback: true });
      expect(refused.status, engine).toBe(409);
      expect(refused.body.error.code).toBe('engine_unavailable');
      expect(refused.body.error.message).toContain(engine);
    }
    expect((await engines(alice.token)).preferences.debridFallback).toBe(false);

    for (const body of [
      {},
      { engine: 'webtorrent' },
      { debridFallback: true },
      { engine: 'aria2', debridFallback: true },
      { engine: 'webtorrent', debridFallback: 'yes' },
      { engine: 'webtorrent', debridFallback: true, extra: 1 },
      [],
    ]) {
      const res = await setPreferences(alice.token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await api<ErrorBody>('PUT', '/downloads/preferences', { rawBody: '{"engine":' })).status).toBe(
      401,
    );
    expect(
      (await api<ErrorBody>('PUT', '/downloads/preferences', { token: alice.token, rawBody: '{"engine":' }))
        .status,
    ).toBe(400);
    expect((await api('GET', '/downloads/engines')).status).toBe(401);
  });

  it('starts a download with the caller’s default or the engine asked for, never one not configured', async () => {
    // Alice's default says not to fall back to BitTorrent: the row keeps it for torrent-node.
    await setPreferences(alice.token, { engine: 'webtorrent', debridFallback: false });
    const mine = await start(alice.token, { magnetUrl: magnet(), mediaId: film.id });
    expect(mine.status, JSON.stringify(mine.body)).toBe(202);
    expect(mine.body.download).toMatchObject({ engine: 'webtorrent', engineState: null });
    const [row] = await sql<{ engine: string; debrid_fallback: boolean }[]>`
      SELECT engine, debrid_fallback FROM downloads WHERE id = ${mine.body.download.id}`;
    expect(row).toEqual({ engine: 'webtorrent', debrid_fallback: false });

    // Bob never chose: Sokoul's engine, falling back allowed.
    const his = await start(bob.token, { magnetUrl: magnet(), mediaId: film.id, engine: 'webtorrent' });
    expect(his.status).toBe(202);
    const [bobRow] = await sql<{ debrid_fallback: boolean }[]>`
      SELECT debrid_fallback FROM downloads WHERE id = ${his.body.download.id}`;
    expect(bobRow?.debrid_fallback).toBe(true);

    const refused = await start(alice.token, { magnetUrl: magnet(), mediaId: film.id, engine: 'realdebrid' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('engine_unavailable');
    expect(refused.body.error.message).toContain('realdebrid');
    const bad = await start(alice.token, { magnetUrl: magnet(), mediaId: film.id, engine: 'aria2' });
    expect(bad.status).toBe(400);
  });
});

describe('external clients (admin)', () => {
  it('keeps members out', async () => {
    for (const [method, path, body] of [
      ['GET', '/admin/download-clients', undefined],
      ['PUT', '/admin/download-clients/qbittorrent', qbittorrent()],
      ['DELETE', '/admin/download-clients/qbittorrent', undefined],
    ] as const) {
      const res = await api<ErrorBody>(method, path, { token: alice.token, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await api('GET', '/admin/download-clients')).status).toBe(401);
  });

  it('saves a client without ever answering its password, keeps it when absent, and tells torrent-node', async () => {
    const before = clientsMessages();
    const saved = await putClient(admin, 'qbittorrent', qbittorrent());
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const client = saved.body.clients.find((c) => c.name === 'qbittorrent');
    expect(client).toMatchObject({
      name: 'qbittorrent',
      url: DEAD_URL,
      username: 'admin',
      hasPassword: true,
      category: 'sokoul',
      remotePath: '/srv/qbittorrent/downloads',
      localPath: join(downloadDir(), 'qbittorrent'),
      enabled: true,
    });
    expect(client).not.toHaveProperty('password');
    expect(JSON.stringify(saved.body)).not.toContain('adminadmin-secret');
    await eventually(async () => expect(clientsMessages()).toBeGreaterThan(before));

    // torrent-node read it again and runs it: unreachable (nothing listens there), never a crash.
    await eventually(async () => {
      const listed = await api<DownloadClientList>('GET', '/admin/download-clients', { token: admin });
      expect(listed.body.clients.find((c) => c.name === 'qbittorrent')?.state).toBe('unreachable');
      expect(JSON.stringify(listed.body)).not.toContain('adminadmin-secret');
    }, 15_000);
    const info = (await engines(bob.token)).engines.find((e) => e.name === 'qbittorrent');
    expect(info).toMatchObject({ name: 'qbittorrent', state: 'unreachable' });

    // Saved again without a password: the stored one stays; another category and a resolved path.
    const again = await putClient(admin, 'qbittorrent', {
      ...qbittorrent({ password: undefined, category: 'films sokoul' }),
      localPath: `${downloadDir()}/./qbittorrent/../qbittorrent`,
    });
    expect(again.status).toBe(200);
    expect(again.body.clients.find((c) => c.name === 'qbittorrent')).toMatchObject({
      hasPassword: true,
      category: 'films sokoul',
      localPath: join(downloadDir(), 'qbittorrent'),
    });
    const [stored] = await sql<{ password: string; local_path: string }[]>`
      SELECT password, local_path FROM download_clients WHERE name = 'qbittorrent'`;
    expect(stored).toEqual({ password: 'adminadmin-secret', local_path: join(downloadDir(), 'qbittorrent') });
  });

  it('refuses a save folder outside DOWNLOAD_DIR and malformed configurations', async () => {
    for (const localPath of ['/etc', `${downloadDir()}/../elsewhere`, `${downloadDir()}-other`, '/']) {
      const res = await putClient(admin, 'transmission', qbittorrent({ localPath }));
      expect(res.status, localPath).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.issues?.[0]?.path).toBe('localPath');
      expect(res.body.error.message).toContain('DOWNLOAD_DIR');
    }
    for (const body of [
      qbittorrent({ url: 'ftp://127.0.0.1/' }),
      qbittorrent({ localPath: 'relative/path' }),
      qbittorrent({ remotePath: '' }),
      qbittorrent({ category: 'bad/category' }),
      qbittorrent({ enabled: 'yes' }),
      qbittorrent({ extra: true }),
    ]) {
      const res = await putClient(admin, 'transmission', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await putClient(admin, 'deluge', qbittorrent())).status).toBe(400);
    // None of them was stored.
    const listed = await api<DownloadClientList>('GET', '/admin/download-clients', { token: admin });
    expect(listed.body.clients.map((c) => c.name)).not.toContain('transmission');
  });

  it('follows a download on the engine asked for, says its engine is down, and refuses it once removed', async () => {
    await putClient(admin, 'qbittorrent', qbittorrent());
    await eventually(async () => {
      expect((await engines(alice.token)).engines.map((e) => e.name)).toContain('qbittorrent');
    }, 15_000);

    // A default that is down for now may be chosen: its downloads wait for it.
    const chosen = await setPreferences(alice.token, { engine: 'qbittorrent', debridFallback: true });
    expect(chosen.status).toBe(200);
    const waiting = await start(alice.token, { magnetUrl: magnet(), mediaId: film.id });
    expect(waiting.status, JSON.stringify(waiting.body)).toBe(202);
    expect(waiting.body.download).toMatchObject({ engine: 'qbittorrent', engineState: 'unreachable' });
    const id = waiting.body.download.id;
    // The list, the detail and an action's answer say so too; Sokoul's own downloads do not.
    const own = await start(alice.token, { magnetUrl: magnet(), mediaId: film.id, engine: 'webtorrent' });
    const list = await api<DownloadList>('GET', '/downloads', { token: alice.token });
    expect(list.body.downloads.find((d) => d.id === id)?.engineState).toBe('unreachable');
    expect(list.body.downloads.find((d) => d.id === own.body.download.id)?.engineState).toBeNull();
    const detail = await api<Download>('GET', `/downloads/${id}`, { token: alice.token });
    expect(detail.body).toMatchObject({ engine: 'qbittorrent', engineState: 'unreachable' });
    const paused = await api<Download>('POST', `/downloads/${id}/pause`, { token: alice.token });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', engineState: 'unreachable' });
    // Finished ones have no engine state.
    expect((await api('DELETE', `/downloads/${id}`, { token: alice.token })).status).toBe(204);
    started.delete(id);

    // Removed: its engine is gone from the list, and neither a default nor an override can use it.
    const before = clientsMessages();
    expect((await api('DELETE', '/admin/download-clients/qbittorrent', { token: admin })).status).toBe(204);
    await eventually(async () => expect(clientsMessages()).toBeGreaterThan(before));
    expect(
      (await api<ErrorBody>('DELETE', '/admin/download-clients/qbittorrent', { token: admin })).status,
    ).toBe(404);
    await eventually(async () => {
      expect((await engines(alice.token)).engines.map((e) => e.name)).not.toContain('qbittorrent');
    }, 15_000);
    const stale = await start(alice.token, { magnetUrl: magnet(), mediaId: film.id });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'engine_unavailable' });
    expect(stale.body.error.message).toContain('default');
    const override = await start(alice.token, {
      magnetUrl: magnet(),
      mediaId: film.id,
      engine: 'qbittorrent',
    });
    expect(override.body.error.code).toBe('engine_unavailable');
    expect((await setPreferences(alice.token, { engine: 'qbittorrent', debridFallback: true })).status).toBe(
      409,
    );
    // Sokoul's own engine always works, whatever the default says.
    expect(
      (await start(alice.token, { magnetUrl: magnet(), mediaId: film.id, engine: 'webtorrent' })).status,
    ).toBe(202);
    await setPreferences(alice.token, { engine: 'webtorrent', debridFallback: true });
  });
});

describe('results known cached on Real-Debrid', () => {
  it('are flagged instant until their memory expires or is forgotten', async () => {
    const { started: search, task } = await runSearch(alice.token, {
      tmdbId: 603,
      type: 'movie',
      query: 'Matrix download engines',
      fresh: true,
    });
    expect(task.status).toBe('done');
    const read = async () => {
      const res = await api('GET', `/searches/${search.searchId}`, { token: alice.token });
      expect(res.status).toBe(200);
      return SearchResults.parse(res.body).results;
    };
    const hashed = (await read()).filter((r) => r.infoHash);
    expect(hashed.length).toBeGreaterThanOrEqual(2);
    expect(hashed.every((r) => r.instant === false)).toBe(true);
    const [cached, expired] = hashed as [StoredResult, StoredResult];
    const instantOf = async () => Object.fromEntries((await read()).map((r) => [r.id, r.instant]));
    try {
      // Torrent-node remembers hashes as Real-Debrid spells them (either case).
      await rememberCached(db, (cached.infoHash ?? '').toUpperCase(), 1);
      await rememberCached(db, expired.infoHash ?? '', 0);
      const flags = await instantOf();
      expect(flags[cached.id]).toBe(true);
      expect(flags[expired.id]).toBe(false);
      expect(Object.values(flags).filter(Boolean)).toHaveLength(1);
      await forgetCached(db, cached.infoHash ?? '');
      expect((await instantOf())[cached.id]).toBe(false);
    } finally {
      for (const r of hashed) await forgetCached(db, r.infoHash ?? '');
    }
  });
});
