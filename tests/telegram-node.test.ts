import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DownloadEventMessage,
  JOBS_STREAM,
  parseConfig,
  Subjects,
  TELEGRAM_OUTBOX_CONSUMER,
  TELEGRAM_SECRET_HEADER,
  type TelegramCall,
  type TelegramLinkCode,
  type TelegramOutboxMessage,
  TorrentNodeConfigSchema,
} from '@sokoul/contracts';
import { linkChat, listLinks, readBotInfo, writeTelegramMuted } from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import { JSONCodec, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../launcher/src/ports.js';
import { telegramWebhookSecret } from '../launcher/src/secrets.js';
import type { Stack } from '../launcher/src/stack.js';
import { botApi } from '../torrent-node/src/telegram/api.js';
import { startTelegram } from '../torrent-node/src/telegram/index.js';
import { TelegramPoller } from '../torrent-node/src/telegram/poller.js';
import { TelegramSender } from '../torrent-node/src/telegram/sender.js';
import { adminSession, api } from './helpers/api.js';
import { createUser } from './helpers/bittorrent.js';
import { download } from './helpers/downloads.js';
import { commandUpdate, type FakeTelegram, startFakeTelegram } from './helpers/fake-telegram.js';
import { captureLogger } from './helpers/logger.js';
import { addJobsStream, connectWhenUp, spawnNatsServer } from './helpers/nats.js';
import {
  createTestDatabase,
  dropTestDatabase,
  launchStack,
  MACHINE_REDIS,
  migratedDatabase,
  ROOT,
} from './helpers/stack.js';
import { until } from './helpers/wait.js';

/**
 * torrent-node's side of the bot against the fake Bot API (tests/helpers/fake-telegram.ts): the
 * outbox sender (pacing, 429s, outages, blocked chats), the long-polling poller (delivery to a
 * stand-in webhook, offsets), the notifier (who gets what, in which language) and the CLI's
 * `sokoul telegram webhook`. A nats-server with JetStream and a database of their own.
 */

const SIGNING_KEY = 'stream-signing-key-for-tests-0123456789abcdef';
const SECRET = 'telegram-webhook-secret-for-tests-0123456789';
const json = JSONCodec<unknown>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let work: string;
let nats: ChildProcess;
let natsUrl: string;
let nc: NatsConnection;
let databaseUrl: string;
let sql: postgres.Sql;
let db: ReturnType<typeof postgresDb>;
let fake: FakeTelegram;
const logs = captureLogger();
let nextChat = 10_000;
const chat = () => nextChat++;

const text = (chatId: number, body: string): TelegramCall => ({
  method: 'sendMessage',
  params: { chat_id: chatId, text: body, parse_mode: 'HTML' },
});

async function enqueue(...calls: TelegramCall[]): Promise<void> {
  await enqueueAt(new Date(), ...calls);
}

async function enqueueAt(queuedAt: Date, ...calls: TelegramCall[]): Promise<void> {
  const js = nc.jetstream();
  for (const call of calls) {
    const message: TelegramOutboxMessage = { id: randomUUID(), call, queuedAt: queuedAt.toISOString() };
    await js.publish(Subjects.telegramOutbox, json.encode(message), { msgID: message.id });
  }
}

/** Texts Telegram accepted for a chat, in order. */
const texts = (chatId: number) => fake.sent(chatId).map((c) => String(c.params.text ?? c.params.caption));

function startSender(): TelegramSender {
  const sender = new TelegramSender({
    nc,
    db,
    api: botApi({ TELEGRAM_API_ROOT: fake.url }, fake.token, true),
    log: logs,
  });
  return sender;
}

async function outboxSettled(): Promise<boolean> {
  const info = await (await nc.jetstreamManager()).consumers.info(JOBS_STREAM.name, TELEGRAM_OUTBOX_CONSUMER);
  return info.num_pending === 0 && info.num_ack_pending === 0;
}

async function link(userId: string, chatId: number) {
  return linkChat(db, {
    userId,
    chatId,
    telegramUserId: chatId > 0 ? chatId : 42,
    chatType: chatId > 0 ? 'private' : 'supergroup',
    chatTitle: `chat ${chatId}`,
    username: null,
  });
}

function configWith(env: Record<string, string>) {
  return parseConfig(TorrentNodeConfigSchema, {
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    INTERNAL_SIGNING_KEY: SIGNING_KEY,
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TMDB_IMAGE_BASE_URL: 'https://image.tmdb.test/t/p/',
    ...env,
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sokoul-tg-'));
  const [natsPort] = (await freePorts(1)) as [number];
  nats = spawnNatsServer(natsPort, join(work, 'nats'));
  natsUrl = `nats://127.0.0.1:${natsPort}`;
  ({ url: databaseUrl, sql, db } = await migratedDatabase('sokoul_tg'));
  fake = await startFakeTelegram();
  nc = await connectWhenUp(natsUrl);
  await addJobsStream(nc);
}, 60_000);

afterAll(async () => {
  await nc?.close();
  nats?.kill();
  await fake?.stop();
  await sql?.end({ timeout: 2 });
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  rmSync(work, { recursive: true, force: true });
});

describe('sender', () => {
  it('spaces one chat ~1 s apart, in order, while other chats go in parallel at ≤ 30/s overall', async () => {
    const sender = startSender();
    await sender.start();
    try {
      const busy = chat();
      const others = Array.from({ length: 60 }, chat);
      await enqueue(...[1, 2, 3, 4, 5].map((n) => text(busy, `message ${n}`)));
      await enqueue(...others.map((id) => text(id, `hello ${id}`)));
      await until(
        'every message',
        () => texts(busy).length === 5 && others.every((id) => texts(id).length === 1),
      );
      expect(texts(busy)).toEqual([1, 2, 3, 4, 5].map((n) => `message ${n}`));
      const busyAt = fake.calls.filter((c) => c.params.chat_id === busy).map((c) => c.at);
      // Telegram's advice: about one message a second per chat (a little timer slack allowed).
      for (let i = 1; i < busyAt.length; i++) expect(busyAt[i]! - busyAt[i - 1]!).toBeGreaterThanOrEqual(950);
      const ours = new Set([busy, ...others]);
      const at = fake.calls.filter((c) => ours.has(Number(c.params.chat_id))).map((c) => c.at);
      const most = Math.max(...at.map((t) => at.filter((u) => u >= t && u < t + 1000).length));
      expect(most).toBeLessThanOrEqual(30);
      // Not one chat after another: the 60 single messages took about two seconds, not a minute.
      const othersAt = fake.calls.filter((c) => others.includes(Number(c.params.chat_id))).map((c) => c.at);
      expect(Math.max(...othersAt) - Math.min(...othersAt)).toBeLessThan(6000);
      await until('the outbox acknowledged', outboxSettled);
    } finally {
      await sender.stop();
    }
  });

  it('absorbs a 429 storm without losing or reordering a message', async () => {
    const sender = startSender();
    await sender.start();
    try {
      const chats = [chat(), chat(), chat(), chat()];
      fake.rateLimit(10, 1);
      const before = fake.calls.length;
      for (const n of [1, 2, 3]) await enqueue(...chats.map((id) => text(id, `storm ${id} #${n}`)));
      await until('every message after the storm', () => chats.every((id) => texts(id).length === 3), 30_000);
      for (const id of chats) expect(texts(id)).toEqual([1, 2, 3].map((n) => `storm ${id} #${n}`));
      expect(fake.calls.slice(before).filter((c) => c.status === 429)).toHaveLength(10);
      await until('the outbox acknowledged', outboxSettled);
    } finally {
      await sender.stop();
    }
  });

  it('keeps messages while Telegram is down, across a restart, and delivers them in order once it is back', async () => {
    fake.down(true);
    let sender = startSender();
    await sender.start();
    const one = chat();
    const two = chat();
    const warned = logs.lines.length;
    try {
      await enqueue(text(one, 'down 1'), text(two, 'down A'), text(one, 'down 2'), text(one, 'down 3'));
      await until('attempts while down', () =>
        logs.lines.slice(warned).some((l) => l.msg.includes('telegram unreachable')),
      );
      await sleep(1500);
      expect(texts(one)).toEqual([]);
      // torrent-node restarts meanwhile: what it held goes back to the stream, nothing is lost.
      await sender.stop(200);
      sender = startSender();
      await sender.start();
      await sleep(500);
      fake.down(false);
      await until(
        'delivery once Telegram is back',
        () => texts(one).length === 3 && texts(two).length === 1,
        30_000,
      );
      expect(texts(one)).toEqual(['down 1', 'down 2', 'down 3']);
      expect(texts(two)).toEqual(['down A']);
      await until('the outbox acknowledged', outboxSettled);
    } finally {
      fake.down(false);
      await sender.stop();
    }
  });

  it('answers callbacks, takes "not modified" as done and drops answers too old for Telegram', async () => {
    const sender = startSender();
    await sender.start();
    try {
      const id = chat();
      const warned = logs.lines.length;
      await enqueueAt(new Date(Date.now() - 3600_000), {
        method: 'answerCallbackQuery',
        params: { callback_query_id: 'too-old', text: 'late' },
      });
      await enqueue(
        { method: 'answerCallbackQuery', params: { callback_query_id: 'cb-1', text: 'Ajouté' } },
        text(id, 'Liste'),
        {
          method: 'editMessageText',
          params: { chat_id: id, message_id: 1, text: 'Liste', parse_mode: 'HTML' },
        },
      );
      await fake.waitFor((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === 'cb-1');
      await until('the edit tried', () =>
        fake.calls.some((c) => c.method === 'editMessageText' && c.params.chat_id === id && c.status === 400),
      );
      await until('the outbox acknowledged', outboxSettled);
      expect(fake.calls.some((c) => c.params.callback_query_id === 'too-old')).toBe(false);
      expect(logs.lines.slice(warned).filter((l) => l.msg.includes('refused'))).toEqual([]);
    } finally {
      await sender.stop();
    }
  });

  it('drops a blocked chat’s message and removes its links; a refused photo still sends the text', async () => {
    const userId = await createUser(sql, 'member', 'fr');
    const blocked = chat();
    const fine = chat();
    await link(userId, blocked);
    await link(userId, fine);
    fake.block(blocked);
    const sender = startSender();
    await sender.start();
    try {
      await enqueue(text(blocked, 'to a blocked chat'), {
        method: 'sendPhoto',
        params: {
          chat_id: fine,
          photo: 'https://posters.invalid/t/p/w500/x.jpg',
          caption: '<b>Film</b> est prêt',
          parse_mode: 'HTML',
        },
      });
      await until('the text without its photo', () => texts(fine).length === 1);
      expect(fake.sent(fine)[0]).toMatchObject({
        method: 'sendMessage',
        params: { text: '<b>Film</b> est prêt' },
      });
      await until('the blocked chat’s links removed', async () => {
        const links = await listLinks(db, userId);
        return links.length === 1 && links[0]?.chatId === fine;
      });
      expect(texts(blocked)).toEqual([]);
      expect(fake.calls.filter((c) => c.params.chat_id === blocked).map((c) => c.status)).toEqual([403]);
      await until('the outbox acknowledged', outboxSettled);
    } finally {
      await sender.stop();
    }
  });
});

/** Stands in for the API's webhook route: records what the poller POSTs, answers `status`. */
async function startWebhookStandIn() {
  const received: { update: { update_id: number }; secret: string | undefined; at: number }[] = [];
  const state = { status: 200, attempts: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.attempts++;
      if (state.status === 200) {
        received.push({
          update: JSON.parse(Buffer.concat(chunks).toString()),
          secret: req.headers[TELEGRAM_SECRET_HEADER.toLowerCase()] as string | undefined,
          at: Date.now(),
        });
      }
      res.writeHead(state.status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/telegram/webhook`;
  return { url, received, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('poller', () => {
  it('removes the webhook, then forwards each update with the secret and moves the offset past it', async () => {
    const api = await startWebhookStandIn();
    fake.webhook = { url: 'https://old.example.test/telegram/webhook' };
    const updates = [1, 2, 3].map((n) => commandUpdate({ chatId: 501, fromId: 501, text: `/help ${n}` }));
    for (const u of updates) fake.queueUpdate(u);
    const ids = updates.map((u) => (u as { update_id: number }).update_id);
    const before = fake.calls.length;
    const poller = new TelegramPoller({
      api: botApi({ TELEGRAM_API_ROOT: fake.url }, fake.token),
      webhookUrl: api.url,
      secret: SECRET,
      log: logs,
    });
    poller.start();
    try {
      await until('three updates forwarded', () => api.received.length === 3);
      expect(api.received.map((r) => r.update.update_id)).toEqual(ids);
      expect(api.received.every((r) => r.secret === SECRET)).toBe(true);
      expect(fake.webhook).toBeNull();
      const calls = fake.calls.slice(before).map((c) => c.method);
      expect(calls.indexOf('deleteWebhook')).toBeGreaterThanOrEqual(0);
      expect(calls.indexOf('deleteWebhook')).toBeLessThan(calls.indexOf('getUpdates'));
      // A long poll waiting: a new update is forwarded at once.
      const late = commandUpdate({ chatId: 501, fromId: 501, text: '/status' }) as { update_id: number };
      await until('a long poll waiting', () =>
        fake.calls.some((c) => c.method === 'getUpdates' && c.params.offset === ids[2]! + 1),
      );
      const queuedAt = Date.now();
      fake.queueUpdate(late);
      await until('the late update', () => api.received.length === 4);
      expect(api.received[3]!.at - queuedAt).toBeLessThan(2000);
      const polls = fake.calls.slice(before).filter((c) => c.method === 'getUpdates');
      expect(polls[0]!.params.timeout).toBeGreaterThanOrEqual(25);
      expect(polls[0]!.params.allowed_updates).toEqual(['message', 'callback_query']);
    } finally {
      const stopping = Date.now();
      await poller.stop();
      expect(Date.now() - stopping).toBeLessThan(3000);
      await api.close();
    }
  });

  it('keeps an update while the API is down (even across a restart) and delivers it later', async () => {
    const api = await startWebhookStandIn();
    api.state.status = 503;
    const updates = [1, 2].map((n) => commandUpdate({ chatId: 502, fromId: 502, text: `/search dune ${n}` }));
    for (const u of updates) fake.queueUpdate(u);
    const ids = updates.map((u) => (u as { update_id: number }).update_id);
    const before = fake.calls.length;
    const first = new TelegramPoller({
      api: botApi({ TELEGRAM_API_ROOT: fake.url }, fake.token),
      webhookUrl: api.url,
      secret: SECRET,
      log: logs,
    });
    first.start();
    await until('retries against the API', () => api.state.attempts >= 2, 10_000);
    await first.stop();
    // Telegram was never told the first update was handled.
    const offsets = fake.calls
      .slice(before)
      .filter((c) => c.method === 'getUpdates')
      .map((c) => Number(c.params.offset ?? 0));
    expect(Math.max(...offsets)).toBeLessThanOrEqual(ids[0]!);
    api.state.status = 200;
    const second = new TelegramPoller({
      api: botApi({ TELEGRAM_API_ROOT: fake.url }, fake.token),
      webhookUrl: api.url,
      secret: SECRET,
      log: logs,
    });
    second.start();
    try {
      await until('both updates after the restart', () => api.received.length >= 2);
      expect(api.received.map((r) => r.update.update_id)).toEqual(ids);
    } finally {
      await second.stop();
      await api.close();
    }
  });

  it('stores getMe with the mode; with PUBLIC_URL there is no polling at all', async () => {
    const webhookMode = startTelegram({
      nc,
      db,
      config: configWith({ PUBLIC_URL: 'https://sokoul.example.test' }),
      log: logs,
    });
    const before = fake.calls.length;
    try {
      expect(webhookMode?.polling).toBe(false);
      const stored = await until('the bot stored', () => readBotInfo(db).then((b) => b ?? undefined));
      expect(stored.mode).toBe('webhook');
      expect(stored.info).toMatchObject({ id: fake.bot.id, username: fake.bot.username, is_bot: true });
      await sleep(1000);
      expect(
        fake.calls.slice(before).filter((c) => c.method === 'getUpdates' || c.method === 'deleteWebhook'),
      ).toEqual([]);
    } finally {
      await webhookMode?.stop();
    }
    const api = await startWebhookStandIn();
    const pollingMode = startTelegram({
      nc,
      db,
      config: configWith({ APP_URL: api.url.replace('/telegram/webhook', '') }),
      log: logs,
    });
    try {
      expect(pollingMode?.polling).toBe(true);
      await until('mode polling stored', () => readBotInfo(db).then((b) => b?.mode === 'polling'));
      fake.queueUpdate(commandUpdate({ chatId: 503, fromId: 503, text: '/start' }));
      await until('the update at APP_URL/telegram/webhook', () => api.received.length === 1);
    } finally {
      await pollingMode?.stop();
      await api.close();
    }
    expect(startTelegram({ nc, db, config: configWith({ TELEGRAM_BOT_TOKEN: '' }), log: logs })).toBeNull();
  });
});

const event = (userId: string, e: DownloadEventMessage['event']): DownloadEventMessage => ({
  userId,
  event: e,
});
const base = () => ({ id: randomUUID(), ts: new Date().toISOString() });

describe('notifier', () => {
  it('tells each user on their own chats, in their language, with the poster, escaping the title', async () => {
    const alice = await createUser(sql, 'member', 'fr');
    const bob = await createUser(sql, 'member', 'en');
    const admin = await createUser(sql, 'admin', 'en');
    const aliceChats = [chat(), -1_000_000_000_000 - chat()];
    const bobChat = chat();
    const adminChat = chat();
    for (const id of aliceChats) await link(alice, id);
    await link(bob, bobChat);
    await link(admin, adminChat);
    const [film] = await sql<{ id: string }[]>`
      INSERT INTO media (media_type, title, year, tmdb_id, poster_path)
      VALUES ('movie', 'Tom <&> Jerry', 2021, 4242, '/poster.jpg') RETURNING id`;
    const [series] = await sql<{ id: string }[]>`
      INSERT INTO media (media_type, title, year, tmdb_id) VALUES ('tv', 'Série', 2019, 77) RETURNING id`;
    const [ep] = await sql<{ id: string }[]>`
      INSERT INTO media (media_type, title, parent_id, season_number, episode_number)
      VALUES ('episode', 'Pilot', ${series!.id}, 1, 2) RETURNING id`;
    const service = startTelegram({
      nc,
      db,
      config: configWith({ PUBLIC_URL: 'https://sokoul.example.test' }),
      log: logs,
    });
    try {
      const release = 'Tom.and.Jerry.2021.1080p.WEB-DL.x264-GRP';
      const completed = download({ userId: alice, mediaId: film!.id, name: release });
      nc.publish(
        Subjects.downloadEvents,
        json.encode(
          event(alice, { ...base(), type: 'download.completed', data: { download: completed, imported: 1 } }),
        ),
      );
      for (const id of aliceChats)
        await fake.waitFor((c) => c.method === 'sendPhoto' && c.params.chat_id === id);
      const photo = fake.sent(aliceChats[0]!)[0]!;
      expect(photo.params.photo).toBe('https://image.tmdb.test/t/p/w500/poster.jpg');
      expect(photo.params.caption).toContain('<b>Tom &lt;&amp;&gt; Jerry (2021)</b> est prêt');
      expect(photo.params.caption).toContain('1080p · WEB-DL');
      expect(photo.params.reply_markup).toEqual({
        inline_keyboard: [[{ text: '▶️ Regarder', url: 'https://sokoul.example.test/watch/movie/4242' }]],
      });
      expect(fake.sent(bobChat)).toEqual([]);
      expect(fake.sent(adminChat)).toEqual([]);

      // Bob (English): an episode without a poster is a text; failed and stalled say why and what next.
      nc.publish(
        Subjects.downloadEvents,
        json.encode(
          event(bob, {
            ...base(),
            type: 'download.completed',
            data: {
              download: download({
                userId: bob,
                mediaId: ep!.id,
                name: 'Serie.S01E02.720p.HDTV',
                season: 1,
                episode: 2,
              }),
              imported: 1,
            },
          }),
        ),
      );
      const episode = await fake.waitFor((c) => c.params.chat_id === bobChat);
      expect(episode.method).toBe('sendMessage');
      expect(episode.params.text).toContain('<b>Série S01E02</b> is ready');
      expect(episode.params.reply_markup).toEqual({
        inline_keyboard: [
          [{ text: '▶️ Watch', url: 'https://sokoul.example.test/watch/tv/77?season=1&episode=2' }],
        ],
      });
      const failed = download({
        userId: bob,
        mediaId: film!.id,
        name: 'Tom.and.Jerry.2021.2160p',
        state: 'failed',
        error: { code: 'no_peers', message: 'no peers' },
      });
      nc.publish(
        Subjects.downloadEvents,
        json.encode(event(bob, { ...base(), type: 'download.failed', data: { download: failed } })),
      );
      const failure = await fake.waitFor(
        (c) => c.params.chat_id === bobChat && String(c.params.text).startsWith('❌'),
      );
      expect(failure.params.text).toContain('nobody shares this torrent');
      expect(failure.params.text).toContain('Pick another release');
      const stalled = download({
        userId: bob,
        mediaId: film!.id,
        name: 'Tom.and.Jerry.CAM',
        state: 'stalled',
      });
      const next = download({
        userId: bob,
        mediaId: film!.id,
        name: 'Tom.and.Jerry.2021.720p',
        state: 'queued',
      });
      nc.publish(
        Subjects.downloadEvents,
        json.encode(event(bob, { ...base(), type: 'download.stalled', data: { download: stalled, next } })),
      );
      const stall = await fake.waitFor(
        (c) => c.params.chat_id === bobChat && String(c.params.text).startsWith('⏸️'),
      );
      expect(stall.params.text).toContain('“Tom.and.Jerry.CAM” is stalled');
      expect(stall.params.text).toContain('The next release started: “Tom.and.Jerry.2021.720p”');

      // Alerts go to admins only.
      nc.publish(
        Subjects.alerts,
        json.encode({
          ...base(),
          type: 'alert',
          data: {
            level: 'critical',
            message: 'low',
            code: 'disk.low',
            params: { freeMb: 12, minFreeMb: 1024 },
          },
        }),
      );
      const alert = await fake.waitFor((c) => c.params.chat_id === adminChat);
      expect(alert.params.text).toContain('<b>Low disk space</b>: 12 MB free (minimum 1024 MB)');
      await sleep(500);
      const members = new Set([...aliceChats, bobChat]);
      const leaked = fake.calls.filter(
        (c) => members.has(Number(c.params.chat_id)) && /disk|disque/i.test(String(c.params.text)),
      );
      expect(leaked).toEqual([]);
    } finally {
      await service?.stop();
    }
  });

  it('stays silent for muted kinds, imports of nothing, progress and other users', async () => {
    const { TelegramNotifier } = await import('../torrent-node/src/telegram/notifier.js');
    const notifier = new TelegramNotifier({ nc, db, config: configWith({}), log: logs });
    const carol = await createUser(sql, 'member', 'fr');
    await link(carol, chat());
    const [film] = await sql<{ id: string }[]>`
      INSERT INTO media (media_type, title, year) VALUES ('movie', 'Muet', 1927) RETURNING id`;
    const d = download({ userId: carol, mediaId: film!.id, name: 'Muet.1927' });
    const completed = (imported: number) =>
      event(carol, { ...base(), type: 'download.completed', data: { download: d, imported } });
    expect(await notifier.notifyDownload(completed(0))).toBe(0);
    expect(
      await notifier.notifyDownload(
        event(carol, { ...base(), type: 'download.progress', data: { download: d } }),
      ),
    ).toBe(0);
    expect(await notifier.notifyDownload(completed(1))).toBe(1);
    await writeTelegramMuted(db, carol, ['download.completed']);
    expect(await notifier.notifyDownload(completed(1))).toBe(0);
    expect(
      await notifier.notifyDownload(
        event(carol, { ...base(), type: 'download.failed', data: { download: d } }),
      ),
    ).toBe(1);
    const nobody = await createUser(sql, 'member', 'en');
    expect(
      await notifier.notifyDownload(
        event(nobody, { ...base(), type: 'download.failed', data: { download: d } }),
      ),
    ).toBe(0);
  });
});

describe('sokoul telegram webhook', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'launcher/bin/sokoul.mjs'), ...args], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          DATA_DIR: join(work, 'cli-data'),
          ...env,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c;
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c;
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const env = () => ({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    INTERNAL_SIGNING_KEY: SIGNING_KEY,
    LOG_LEVEL: 'warn',
  });

  it('sets, shows and deletes the webhook with the app’s secret', async () => {
    const set = await cli(['telegram', 'webhook', 'set'], {
      ...env(),
      PUBLIC_URL: 'https://sokoul.example.test/',
    });
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(fake.webhook).toEqual({
      url: 'https://sokoul.example.test/telegram/webhook',
      secret_token: telegramWebhookSecret({}, SIGNING_KEY),
      allowed_updates: ['message', 'callback_query'],
    });
    const info = await cli(['telegram', 'webhook', 'info'], env());
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({
      url: 'https://sokoul.example.test/telegram/webhook',
      has_custom_certificate: false,
      pending_update_count: expect.any(Number),
    });
    const del = await cli(['telegram', 'webhook', 'delete'], env());
    expect(del.code).toBe(0);
    expect(fake.webhook).toBeNull();
    expect(JSON.parse((await cli(['telegram', 'webhook', 'info'], env())).stdout).url).toBe('');
  }, 60_000);

  it('refuses clearly without PUBLIC_URL or a token', async () => {
    const noUrl = await cli(['telegram', 'webhook', 'set'], env());
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/PUBLIC_URL is not set/);
    const plain = await cli(['telegram', 'webhook', 'set'], {
      ...env(),
      PUBLIC_URL: 'http://sokoul.example.test',
    });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/https/);
    const { TELEGRAM_BOT_TOKEN: _token, ...withoutToken } = env();
    const noToken = await cli(['telegram', 'webhook', 'info'], withoutToken);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/TELEGRAM_BOT_TOKEN/);
    expect(fake.webhook).toBeNull();
  }, 60_000);
});

describe('a whole stack without PUBLIC_URL', () => {
  let own: Stack | undefined;
  let url: string;
  let stackDb: string;
  let stackSql: postgres.Sql;

  beforeAll(async () => {
    stackDb = await createTestDatabase('sokoul_tg_stack');
    const launched = await launchStack({
      DATABASE_URL: stackDb,
      REDIS_URL: MACHINE_REDIS,
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.url,
    });
    own = launched.stack;
    url = launched.info.url;
    stackSql = postgres(stackDb, { max: 2, onnotice: () => {}, types: WIRE_TYPES });
  }, 120_000);

  afterAll(async () => {
    await own?.stop();
    await stackSql?.end({ timeout: 2 });
    if (stackDb) await dropTestDatabase(stackDb);
  });

  it('long-polls: an update reaches the API’s webhook handlers and their reply comes back to Telegram', async () => {
    const stored = await until(
      'the bot identified',
      () => readBotInfo(postgresDb(stackSql)).then((b) => b ?? undefined),
      30_000,
    );
    expect(stored.mode).toBe('polling');
    const admin = await adminSession(url);
    const code = await api<TelegramLinkCode>('POST', '/telegram/link-code', {
      token: admin.accessToken,
      base: url,
    });
    expect(code.status).toBe(201);
    expect(code.body.url).toBe(`https://t.me/${fake.bot.username}?start=${code.body.code}`);
    const chatId = chat();
    fake.queueUpdate(commandUpdate({ chatId, fromId: chatId, text: `/start ${code.body.code}` }));
    const reply = await fake.waitFor((c) => c.params.chat_id === chatId, 30_000);
    expect(reply.method).toBe('sendMessage');
    const links = await listLinks(postgresDb(stackSql), null);
    expect(links.map((l) => l.chatId)).toEqual([chatId]);
    // And the next one, once the offset moved on: nothing is handled twice. (The admin's chat may
    // also get the Sentinel's alerts, "no indexer" here: they are not replies.)
    const replies = () => fake.sent(chatId).filter((m) => !String(m.params.text).includes('Alerte Sokoul'));
    fake.queueUpdate(commandUpdate({ chatId, fromId: chatId, text: '/help' }));
    await until('the /help answer', () => replies().length === 2, 30_000);
    await sleep(1500);
    expect(replies().map((m) => String(m.params.text).split('\n')[0])).toEqual([
      expect.stringContaining('ce chat est relié au compte'),
      '<b>Ce que je sais faire ici</b>',
    ]);
  }, 90_000);
});
