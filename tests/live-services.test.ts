import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ConfigList,
  DownloadDetail,
  DownloadEngines,
  Media,
  RealDebridAccount,
  StartedDownload,
  TelegramStatus,
} from '@sokoul/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, api, eventually, memberSession } from './helpers/api.js';
import { writeRandomFile, writeVideo } from './helpers/bittorrent.js';
import { type FakeRealDebrid, startFakeRealDebrid } from './helpers/fake-realdebrid.js';
import { commandUpdate, type FakeTelegram, startFakeTelegram } from './helpers/fake-telegram.js';
import {
  createTestDatabase,
  dropTestDatabase,
  launchStack,
  MACHINE_REDIS,
  type StackInfo,
} from './helpers/stack.js';

/**
 * Real-Debrid's key and the Telegram bot's token set from Settings (PUT /admin/config) on a stack
 * started without either: torrent-node builds the engine and starts the bot at once, drops them
 * when cleared (Real-Debrid's downloads keep their rows and wait for a key), and the secrets are
 * never sent back. The stack is this file's own: it points Real-Debrid and Telegram at fakes.
 */

const KEY = 'real-debrid-live-key';
let rd: FakeRealDebrid;
let tg: FakeTelegram;
let own: { stop(): Promise<void> } | undefined;
let info: StackInfo;
let databaseUrl: string;
let token: string;
let work: string;

const call = <T>(method: string, path: string, body?: unknown) =>
  api<T>(method, path, { base: info.url, token, ...(body === undefined ? {} : { body }) });
const setConfig = (values: Record<string, string | null>) =>
  call<ConfigList>('PUT', '/admin/config', { values });
const engines = async () => (await call<DownloadEngines>('GET', '/downloads/engines')).body.engines;
const realDebrid = async () => (await engines()).find((e) => e.name === 'realdebrid');

beforeAll(async () => {
  rd = await startFakeRealDebrid({ apiKey: KEY });
  tg = await startFakeTelegram();
  databaseUrl = await createTestDatabase('sokoul_live_services');
  const launched = await launchStack({
    DATABASE_URL: databaseUrl,
    REDIS_URL: MACHINE_REDIS,
    REAL_DEBRID_API_KEY: '',
    REAL_DEBRID_API_URL: rd.url,
    TELEGRAM_BOT_TOKEN: '',
    TELEGRAM_API_ROOT: tg.url,
  });
  own = launched.stack;
  info = launched.info;
  work = join(info.dataDir, 'work');
  mkdirSync(work, { recursive: true });
  token = (await adminSession(info.url)).accessToken;
}, 180_000);

afterAll(async () => {
  await own?.stop();
  await rd?.close();
  await tg?.stop();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
});

describe('Real-Debrid key from Settings', () => {
  it('builds the engine without a restart, tests the account, and never returns the key', {
    timeout: 60_000,
  }, async () => {
    expect(await realDebrid()).toBeUndefined();
    const none = await call<RealDebridAccount>('GET', '/admin/realdebrid');
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ configured: false, state: 'not_configured', username: null });

    // A wrong key: listed, refused, and the test says so.
    expect((await setConfig({ REAL_DEBRID_API_KEY: 'not-the-key' })).status).toBe(200);
    await eventually(async () => expect((await realDebrid())?.state).toBe('unauthorized'), 20_000, 200);
    const refused = await call<RealDebridAccount>('GET', '/admin/realdebrid');
    expect(refused.body).toMatchObject({ configured: true, state: 'unauthorized', username: null });
    expect(refused.body.error).toMatch(/refused/);

    const saved = await setConfig({ REAL_DEBRID_API_KEY: KEY });
    expect(saved.status).toBe(200);
    const entry = saved.body.entries.find((e) => e.key === 'REAL_DEBRID_API_KEY');
    expect(entry).toMatchObject({ section: 'realDebrid', secret: true, source: 'database', set: true });
    expect(entry).not.toHaveProperty('value');
    expect(JSON.stringify(saved.body)).not.toContain(KEY);
    expect(JSON.stringify((await call('GET', '/admin/config')).body)).not.toContain(KEY);
    await eventually(async () => expect((await realDebrid())?.state).toBe('ok'), 20_000, 200);

    const account = await call<RealDebridAccount>('GET', '/admin/realdebrid');
    expect(account.body).toMatchObject({ configured: true, state: 'ok', type: 'premium', error: null });
    expect(account.body.username).toBeTruthy();
    expect(Date.parse(account.body.premiumUntil ?? '')).toBeGreaterThan(Date.now());
    expect(JSON.stringify(account.body)).not.toContain(KEY);

    // Members may not test it.
    const member = await memberSession('rd-member', info.url);
    const denied = await api('GET', '/admin/realdebrid', { base: info.url, token: member.accessToken });
    expect(denied.status).toBe(403);
  });

  it('keeps a download waiting while the key is cleared, and finishes it once set again', {
    timeout: 90_000,
  }, async () => {
    await eventually(async () => expect((await realDebrid())?.state).toBe('ok'), 20_000, 200);
    const media = await call<Media>('POST', '/media', { type: 'movie', title: 'Waiting Film', year: 2022 });
    expect(media.status).toBe(201);
    const source = join(work, 'Waiting.Film.2022.mkv');
    await writeVideo(source, 4);
    const sample = join(work, 'sample.mkv');
    await writeRandomFile(sample, 20_000);
    const hash = `${'c'.repeat(39)}3`;
    rd.torrent({
      hash,
      name: 'Waiting.Film.2022',
      files: [
        { path: '/Waiting.Film.2022/Waiting.Film.2022.mkv', source },
        { path: '/Waiting.Film.2022/Sample/sample.mkv', source: sample },
      ],
      downloadMs: 600_000,
    });
    const started = await call<StartedDownload>('POST', '/downloads', {
      magnetUrl: `magnet:?xt=urn:btih:${hash}&dn=Waiting.Film.2022`,
      mediaId: media.body.id,
      engine: 'realdebrid',
    });
    expect(started.status).toBe(202);
    const id = started.body.download.id;
    await eventually(() => expect(rd.idOf(hash)).toBeDefined(), 30_000, 200);
    const rdId = rd.idOf(hash) ?? '';
    await eventually(
      async () =>
        expect((await call<DownloadDetail>('GET', `/downloads/${id}`)).body.state).toBe('downloading'),
      30_000,
      200,
    );

    expect((await setConfig({ REAL_DEBRID_API_KEY: null })).status).toBe(200);
    await eventually(async () => expect(await realDebrid()).toBeUndefined(), 20_000, 200);
    const waiting = await call<DownloadDetail>('GET', `/downloads/${id}`);
    expect(waiting.body).toMatchObject({ engine: 'realdebrid', state: 'downloading', error: null });
    expect(waiting.body.engineState).toBe('not_configured');
    // Its torrent stays on the account for the next key.
    expect(rd.listed()).toContain(rdId);

    expect((await setConfig({ REAL_DEBRID_API_KEY: KEY })).status).toBe(200);
    await eventually(async () => expect((await realDebrid())?.state).toBe('ok'), 20_000, 200);
    // The same torrent is followed again (adopted, not added twice), and finishes.
    rd.setStatus(rdId, 'downloaded');
    await eventually(
      async () => {
        const res = await call<DownloadDetail>('GET', `/downloads/${id}`);
        expect(res.body.error).toBeNull();
        expect(res.body.state).toBe('completed');
      },
      60_000,
      250,
    );
    expect(rd.count('/torrents/addMagnet', 'POST')).toBe(1);
  });
});

describe('Telegram bot token from Settings', () => {
  it('starts the bot without a restart, polls, answers through the API, and stops when cleared', {
    timeout: 60_000,
  }, async () => {
    const before = await call<TelegramStatus>('GET', '/telegram');
    expect(before.body).toMatchObject({ configured: false, botUsername: null });
    expect(tg.calls.some((c) => c.method === 'getMe')).toBe(false);

    const saved = await setConfig({ TELEGRAM_BOT_TOKEN: tg.token });
    expect(saved.status).toBe(200);
    const entry = saved.body.entries.find((e) => e.key === 'TELEGRAM_BOT_TOKEN');
    expect(entry).toMatchObject({ section: 'telegram', secret: true, source: 'database', set: true });
    expect(JSON.stringify(saved.body)).not.toContain(tg.token);

    // torrent-node identifies the bot and long-polls; the settings show its name.
    await eventually(
      () => expect(tg.calls.some((c) => c.method === 'getMe' && c.status === 200)).toBe(true),
      20_000,
      200,
    );
    await eventually(() => expect(tg.calls.some((c) => c.method === 'getUpdates')).toBe(true), 20_000, 200);
    await eventually(
      async () =>
        expect((await call<TelegramStatus>('GET', '/telegram')).body).toMatchObject({
          configured: true,
          botUsername: tg.bot.username,
        }),
      20_000,
      200,
    );
    // An update polled from Telegram reaches the API's bot, which answers with the stored token.
    const chatId = 4_242_001;
    tg.queueUpdate(commandUpdate({ chatId, fromId: chatId, text: '/help' }));
    await tg.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chatId, 20_000);
    const status = await call('GET', '/telegram');
    expect(JSON.stringify(status.body)).not.toContain(tg.token);

    // Cleared: the API sees no bot, and torrent-node stops it (setting it again starts a new one).
    const getMes = tg.calls.filter((c) => c.method === 'getMe').length;
    expect((await setConfig({ TELEGRAM_BOT_TOKEN: null })).status).toBe(200);
    await eventually(
      async () =>
        expect((await call<TelegramStatus>('GET', '/telegram')).body).toMatchObject({
          configured: false,
          botUsername: null,
        }),
      10_000,
      200,
    );
    expect((await setConfig({ TELEGRAM_BOT_TOKEN: tg.token })).status).toBe(200);
    await eventually(
      () => expect(tg.calls.filter((c) => c.method === 'getMe').length).toBeGreaterThan(getMes),
      20_000,
      200,
    );
  });
});
