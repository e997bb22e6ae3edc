import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Download,
  type DownloadDetail,
  type ErrorBody,
  type Media,
  type PersonalList,
  type StartedDownload,
  TELEGRAM_SECRET_HEADER,
  type TelegramLinkCode,
  type TelegramLinkList,
  type TelegramPreferences,
  type TelegramStatus,
  type TokenPair,
} from '@sokoul/contracts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminSession, api, eventually, memberSession, stack } from './helpers/api.js';
import {
  type Aria2Seeder,
  makeTorrent,
  startAria2,
  startTracker,
  type Tracker,
  writeVideo,
} from './helpers/bittorrent.js';
import { startSwarmIndexer } from './helpers/fake-indexer.js';
import {
  callbackUpdate,
  commandUpdate,
  type FakeCall,
  type FakeTelegram,
  startFakeTelegram,
} from './helpers/fake-telegram.js';
import { FAKE_V3_KEY } from './helpers/fake-tmdb.js';
import {
  createTestDatabase,
  dropTestDatabase,
  launchStack,
  MACHINE_REDIS,
  type StackInfo,
  tmdbSettings,
} from './helpers/stack.js';

/**
 * The bot's handlers (the API on workerd) through a stack of its own in webhook mode (PUBLIC_URL
 * set: torrent-node does not poll): updates are POSTed to /telegram/webhook as Telegram sends
 * them, and every reply travels the outbox to torrent-node's sender, which delivers it to the
 * fake Bot API. The search → card → releases → "Télécharger" flow downloads a real torrent seeded
 * by aria2c on loopback, and ends with torrent-node's completion message.
 */

const SECRET = 'telegram-bot-webhook-secret-0123456789abcdef';
const PUBLIC_URL = 'https://sokoul.example.test';
/** Interstellar in the fake TMDB (no other title or person matches "interstellar"). */
const FILM = 157336;
const RELEASE = 'Interstellar.2014.MULTi.VFF.1080p.WEB-DL.x264-SOKOUL';
/** The default profile refuses releases under 0.1 GiB per hour of runtime: what the feed states. */
const STATED_SIZE = 2.5 * 1024 ** 3;
const SENDS = new Set(['sendMessage', 'sendPhoto', 'editMessageText']);
/** Above what one chat sends here in a minute; the flood test goes past it. */
const COMMANDS_PER_MINUTE = 30;

let fake: FakeTelegram;
let tracker: Tracker;
let indexer: Awaited<ReturnType<typeof startSwarmIndexer>>;
let seeder: Aria2Seeder | undefined;
let own: { stop(): Promise<void> } | undefined;
let info: StackInfo;
let databaseUrl: string;
let sql: postgres.Sql;
let work: string;

interface Person {
  session: TokenPair;
  /** Their private chat with the bot (its id is their Telegram user id). */
  chat: number;
}
let alice: Person;
let bob: Person;
let carol: Person;
let admin: Person;
/** Bob's group, where he linked too. */
const GROUP = -1_004_100;
/** Chats nobody linked. */
const STRANGER = 4009;
const FLOOD = 4010;

const call = <T>(method: string, path: string, token?: string, body?: unknown) =>
  api<T>(method, path, {
    base: info.url,
    ...(token ? { token } : {}),
    ...(body === undefined ? {} : { body }),
  });

function post(update: object, secret: string | null = SECRET) {
  return api<ErrorBody | string>('POST', '/telegram/webhook', {
    base: info.url,
    body: update,
    headers: secret === null ? {} : { [TELEGRAM_SECRET_HEADER]: secret },
  });
}

const textOf = (c: { params: Record<string, unknown> }) => String(c.params.text ?? c.params.caption ?? '');

interface Shown {
  text: string;
  callback_data?: string;
  url?: string;
}
const buttonsOf = (c: { params: Record<string, unknown> }): Shown[] =>
  ((c.params.reply_markup as { inline_keyboard?: Shown[][] } | undefined)?.inline_keyboard ?? []).flat();

function button(c: FakeCall, label: string | RegExp): Shown {
  const found = buttonsOf(c).find((b) => (typeof label === 'string' ? b.text === label : label.test(b.text)));
  if (!found) throw new Error(`no button ${label} in ${JSON.stringify(buttonsOf(c).map((b) => b.text))}`);
  return found;
}

/** The first call after `mark` that `pred` accepts and Telegram (the fake) accepted. */
async function callAfter(
  mark: number,
  pred: (c: FakeCall) => boolean,
  timeoutMs = 20_000,
): Promise<FakeCall> {
  let found: FakeCall | undefined;
  await eventually(
    () => {
      found = fake.calls.slice(mark).find((c) => c.status === 200 && pred(c));
      expect(
        found,
        fake.calls
          .slice(mark)
          .map((c) => `${c.method}(${c.status})`)
          .join(', '),
      ).toBeDefined();
    },
    timeoutMs,
    50,
  );
  return found as FakeCall;
}

/** Posts an update, then waits for the bot's message to `chatId` that `pred` accepts. */
async function reply(
  chatId: number,
  update: object,
  pred: (c: FakeCall) => boolean = () => true,
  timeoutMs?: number,
): Promise<FakeCall> {
  const mark = fake.calls.length;
  const res = await post(update);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return callAfter(mark, (c) => SENDS.has(c.method) && c.params.chat_id === chatId && pred(c), timeoutMs);
}

const say = (chatId: number, text: string, extra: Partial<Parameters<typeof commandUpdate>[0]> = {}) =>
  commandUpdate({ chatId, fromId: chatId, text, ...extra });

/** A tap on a button of message `messageId`; its answerCallbackQuery is found by the query's id. */
function tap(chatId: number, data: string, messageId = 1, fromId = chatId) {
  const update = callbackUpdate({ chatId, fromId, data, messageId }) as { callback_query: { id: string } };
  return { update, answered: (c: FakeCall) => c.params.callback_query_id === update.callback_query.id };
}

async function tapAndAnswer(chatId: number, data: string, messageId = 1, fromId = chatId): Promise<FakeCall> {
  const { update, answered } = tap(chatId, data, messageId, fromId);
  const mark = fake.calls.length;
  const res = await post(update);
  expect(res.status).toBe(200);
  return callAfter(mark, (c) => c.method === 'answerCallbackQuery' && answered(c));
}

/** The message id the fake gave a message it accepted (it numbers each chat's messages from 1). */
const messageIdOf = (c: FakeCall) =>
  fake
    .sent(Number(c.params.chat_id))
    .filter((s) => s.method !== 'editMessageText')
    .findIndex((s) => s.params === c.params) + 1;

async function linkCode(token: string): Promise<TelegramLinkCode> {
  const res = await call<TelegramLinkCode>('POST', '/telegram/link-code', token);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function link(person: Person, chatId = person.chat, command = '/start'): Promise<FakeCall> {
  const { code } = await linkCode(person.session.accessToken);
  return reply(chatId, say(chatId, `${command} ${code}`, { fromId: person.chat }));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sokoul-telegram-bot-'));
  const video = writeVideo(join(work, `${RELEASE}.mkv`), 4);
  video.catch(() => undefined);
  fake = await startFakeTelegram();
  tracker = await startTracker();
  indexer = await startSwarmIndexer('Jackett');
  databaseUrl = await createTestDatabase('sokoul_tg_bot');
  const launched = await launchStack({
    ...tmdbSettings(inject('tmdb'), FAKE_V3_KEY),
    DATABASE_URL: databaseUrl,
    REDIS_URL: MACHINE_REDIS,
    JACKETT_URL: indexer.root,
    JACKETT_API_KEY: 'telegram-bot-jackett-key',
    INDEXER_ALLOW_PRIVATE: 'true',
    // Peers come from the local tracker only; nothing to seed back once imported.
    TORRENT_DHT: 'false',
    TORRENT_LSD: 'false',
    TORRENT_UTP: 'false',
    SEED_RATIO: '0',
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_COMMANDS_PER_MINUTE: String(COMMANDS_PER_MINUTE),
    PUBLIC_URL,
  });
  own = launched.stack;
  info = launched.info;
  sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  await video;
  const made = await makeTorrent(work, `${RELEASE}.mkv`, { announce: [tracker.announce] });
  indexer.offer({ torrent: made, title: RELEASE, imdb: `tt0${FILM}`, size: STATED_SIZE });
  seeder = await startAria2(made);

  const adminPair = await adminSession(info.url);
  const [a, b, c] = await Promise.all([
    memberSession('tg-alice', info.url),
    memberSession('tg-bob', info.url),
    memberSession('tg-carol', info.url),
  ]);
  alice = { session: a, chat: 4001 };
  bob = { session: b, chat: 4002 };
  carol = { session: c, chat: 4004 };
  admin = { session: adminPair, chat: 4003 };
  const english = await call('PATCH', '/auth/me', bob.session.accessToken, { locale: 'en' });
  expect(english.status).toBe(200);
  // torrent-node asks Telegram who the bot is (getMe) and stores it: until then the webhook is a 503.
  await eventually(async () => {
    const [row] = await sql`SELECT mode FROM telegram_bot`;
    expect(row?.mode).toBe('webhook');
  }, 30_000);
}, 240_000);

afterAll(async () => {
  await own?.stop();
  await seeder?.kill();
  await tracker?.close();
  await indexer?.close();
  await fake?.stop();
  await sql?.end();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the webhook', () => {
  it('answers a missing or wrong secret token with a 401 and runs nothing', async () => {
    const { code } = await linkCode(alice.session.accessToken);
    const update = say(alice.chat, `/start ${code}`);
    const mark = fake.calls.length;
    for (const secret of [null, 'wrong-secret-0123456789abcdef0123456789', `${SECRET}x`]) {
      const res = await post(update, secret);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
    // Not even the body is looked at.
    const garbage = await api<ErrorBody>('POST', '/telegram/webhook', {
      base: info.url,
      rawBody: '{"nope":',
    });
    expect(garbage.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(fake.calls.slice(mark).filter((c) => c.params.chat_id === alice.chat)).toEqual([]);
    const [codes] = await sql`SELECT count(*)::int AS n FROM telegram_link_codes WHERE used_at IS NOT NULL`;
    const [links] = await sql`SELECT count(*)::int AS n FROM telegram_links`;
    expect([codes?.n, links?.n]).toEqual([0, 0]);
  });
});

describe('linking', () => {
  it('links a chat with the code Settings shows; used and expired codes are refused politely', async () => {
    const made = await linkCode(alice.session.accessToken);
    expect(made.code).toMatch(/^[A-HJ-NP-Z2-9]{10}$/);
    expect(made.url).toBe(`https://t.me/${fake.bot.username}?start=${made.code}`);
    expect(Date.parse(made.expiresAt)).toBeGreaterThan(Date.now() + 500_000);
    const linked = await reply(alice.chat, say(alice.chat, `/start ${made.code}`));
    expect(textOf(linked)).toContain('ce chat est relié au compte');
    const [row] =
      await sql`SELECT user_id, chat_type, chat_title FROM telegram_links WHERE chat_id = ${alice.chat}`;
    expect(row).toMatchObject({
      user_id: alice.session.user.id,
      chat_type: 'private',
      chat_title: `@user${alice.chat}`,
    });

    // The same code again, from a chat nobody linked: refused like any wrong code (no account named).
    const used = await reply(STRANGER, say(STRANGER, `/start ${made.code}`));
    expect(textOf(used)).toContain('Ce code ne fonctionne pas');
    // An expired one, for Bob (English once linked; Telegram's language before).
    const expired = await linkCode(bob.session.accessToken);
    await sql`UPDATE telegram_link_codes SET expires_at = now() - interval '1 second' WHERE user_id = ${bob.session.user.id}`;
    const late = await reply(bob.chat, say(bob.chat, `/start ${expired.code}`, { languageCode: 'en' }));
    expect(textOf(late)).toContain('This code does not work');
    expect(textOf(await link(bob))).toContain('Done: this chat is linked to the account');
    // /start alone: welcome (unlinked) or where the chat stands (linked).
    expect(textOf(await reply(STRANGER, say(STRANGER, '/start')))).toContain('Paramètres → Telegram');
    expect(textOf(await reply(alice.chat, say(alice.chat, '/start')))).toContain(
      'Ce chat est relié au compte',
    );
  });

  it('gives an unlinked chat only /help and how to link, for commands and buttons alike', async () => {
    const search = await reply(STRANGER, say(STRANGER, '/search dune'));
    expect(textOf(search)).toContain('n’est pas encore relié');
    const help = await reply(STRANGER, say(STRANGER, '/help'));
    expect(textOf(help)).toContain('/start CODE');
    expect(textOf(help)).not.toContain('/downloads —');
    const answer = await tapAndAnswer(STRANGER, 't:AAAAAAAAAAAA');
    expect(answer.params.text).toContain('pas relié');
  });
});

describe('search, releases and a download', () => {
  let resultsData = '';

  it('finds a film, shows its card, lists the best releases and downloads one; the completion goes to that chat only', {
    timeout: 200_000,
  }, async () => {
    await link(admin);
    await link(bob, GROUP, `/start@${fake.bot.username}`);
    const start = fake.calls.length;

    const results = await reply(alice.chat, say(alice.chat, '/search interstellar'));
    expect(textOf(results)).toBe('Résultats pour « interstellar » :');
    const film = button(results, 'Interstellar (2014) · film');
    expect(film.callback_data).toMatch(/^t:[A-Za-z0-9_-]+$/);
    expect(Buffer.byteLength(film.callback_data ?? '')).toBeLessThanOrEqual(64);

    const { update, answered } = tap(alice.chat, film.callback_data ?? '');
    const card = await reply(alice.chat, update, (c) => c.method === 'sendPhoto');
    await callAfter(start, (c) => c.method === 'answerCallbackQuery' && answered(c));
    expect(card.params.photo).toMatch(/\/t\/p\/w500\/.+/);
    expect(textOf(card)).toMatch(/^<b>Interstellar<\/b> \(2014\)\nFilm · ★ 8,4\/10/);
    expect(textOf(card).length).toBeLessThanOrEqual(1024);

    const added = await tapAndAnswer(alice.chat, button(card, '➕ Ajouter à ma liste').callback_data ?? '');
    expect(added.params.text).toBe('« Interstellar » est dans votre liste.');
    const watchlist = await call<PersonalList>('GET', '/watchlist', alice.session.accessToken);
    expect(watchlist.body.items.map((i) => i.media.tmdbId)).toContain(FILM);

    const find = button(card, '🔎 Trouver des releases').callback_data ?? '';
    const searching = await reply(alice.chat, tap(alice.chat, find).update);
    expect(textOf(searching)).toBe('🔎 Recherche des releases de <b>Interstellar</b>…');
    const releases = await callAfter(
      start,
      (c) => c.params.chat_id === alice.chat && textOf(c).includes('les meilleures releases'),
      60_000,
    );
    const listed = textOf(releases);
    expect(listed).toContain(`<code>${RELEASE}</code>`);
    expect(listed).toMatch(/1080p · WEB-DL · H\.264 · 2,5\u00a0Go · 1 seeder · 🇫🇷 MULTI VFF/);
    expect(listed).toMatch(/<i>Pourquoi la n°1 : .*audio en français.*\.<\/i>/);
    const download = button(releases, /^⬇️ Télécharger n°1/);
    expect(download.text).toBe('⬇️ Télécharger n°1 · 1080p · 2,5\u00a0Go');
    resultsData = download.callback_data ?? '';

    const started = await reply(alice.chat, tap(alice.chat, resultsData).update);
    expect(textOf(started)).toMatch(
      new RegExp(
        `^✅ Téléchargement lancé : <code>${RELEASE}</code>\\nÉtat : (En file d’attente|Récupération des métadonnées|Téléchargement) · moteur : webtorrent`,
      ),
    );

    // torrent-node's notifier, once the film is in the library: the poster and "Regarder".
    const done = await callAfter(
      start,
      (c) =>
        c.method === 'sendPhoto' &&
        c.params.chat_id === alice.chat &&
        buttonsOf(c).some((b) => b.url === `${PUBLIC_URL}/watch/movie/${FILM}`),
      150_000,
    );
    expect(done.params.photo).toMatch(/\/t\/p\/w500\/.+/);
    // Nobody else heard of it: not Bob (private or group), not the admin.
    const others = fake.calls
      .slice(start)
      .filter(
        (c) => SENDS.has(c.method) && c.params.chat_id !== alice.chat && textOf(c).includes('Interstellar'),
      );
    expect(others).toEqual([]);
  });

  it("refuses another user's buttons as expired, in that user's language", async () => {
    const mark = fake.calls.length;
    const answer = await tapAndAnswer(bob.chat, resultsData);
    expect(answer.params.text).toBe('This button has expired: run the command again.');
    // Alice's button in Alice's chat, tapped by someone not linked there.
    const stranger = await tapAndAnswer(alice.chat, resultsData, 1, STRANGER);
    expect(stranger.params.text).toContain('pas relié');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.calls.slice(mark).filter((c) => SENDS.has(c.method))).toEqual([]);
    const downloads = await call<{ downloads: Download[] }>('GET', '/downloads', bob.session.accessToken);
    expect(downloads.body.downloads).toEqual([]);
  });
});

describe('downloads, library, status and help', () => {
  it('/downloads pauses a download, then "Actualiser" and "✖" edit the same message', async () => {
    const film = await call<Media>('POST', '/media', alice.session.accessToken, {
      tmdbId: FILM,
      type: 'movie',
    });
    const hash = 'c'.repeat(40);
    const queued = await call<StartedDownload>('POST', '/downloads', alice.session.accessToken, {
      magnetUrl: `magnet:?xt=urn:btih:${hash}&dn=Interstellar.2014.2160p.Unseeded`,
      mediaId: film.body.id,
    });
    expect(queued.status).toBe(202);
    const id = queued.body.download.id;

    const list = await reply(alice.chat, say(alice.chat, '/downloads'));
    expect(textOf(list)).toContain('<b>Vos téléchargements en cours</b>');
    expect(textOf(list)).toContain('<code>Interstellar.2014.2160p.Unseeded</code>');
    const messageId = messageIdOf(list);
    expect(messageId).toBeGreaterThan(0);

    const pause = tap(alice.chat, button(list, '⏸ 1').callback_data ?? '', messageId);
    const mark = fake.calls.length;
    const paused = await reply(alice.chat, pause.update, (c) => c.method === 'editMessageText');
    expect(paused.params.message_id).toBe(messageId);
    expect(textOf(paused)).toContain('En pause');
    expect(
      (await callAfter(mark, (c) => c.method === 'answerCallbackQuery' && pause.answered(c))).params.text,
    ).toBe('En pause');
    expect(
      (await call<DownloadDetail>('GET', `/downloads/${id}`, alice.session.accessToken)).body.state,
    ).toBe('paused');

    const refreshed = await reply(
      alice.chat,
      tap(alice.chat, button(paused, '🔄 Actualiser').callback_data ?? '', messageId).update,
      (c) => c.method === 'editMessageText',
    );
    expect(refreshed.params.message_id).toBe(messageId);
    expect(button(refreshed, '▶️ 1').callback_data).toMatch(/^g:/);

    const cancelled = await reply(
      alice.chat,
      tap(alice.chat, button(refreshed, '✖️ 1').callback_data ?? '', messageId).update,
      (c) => c.method === 'editMessageText',
    );
    expect(cancelled.params.message_id).toBe(messageId);
    expect(textOf(cancelled)).toContain('Aucun téléchargement en cours');
    expect((await call('GET', `/downloads/${id}`, alice.session.accessToken)).status).toBe(404);
  });

  it('/library shows what arrived, the watchlist and what to continue, with links into the web player', async () => {
    const progress = await call('POST', '/watch-history', alice.session.accessToken, {
      tmdbId: FILM,
      type: 'movie',
      positionSeconds: 600,
      durationSeconds: 6000,
    });
    expect(progress.status).toBe(200);
    const shown = await reply(alice.chat, say(alice.chat, '/library'));
    const text = textOf(shown);
    expect(text).toContain('<b>Ajoutés récemment</b>\n• Interstellar (2014)');
    expect(text).toContain('<b>Ma liste</b>\n• Interstellar (2014)');
    expect(text).toMatch(/<b>Reprendre<\/b>\n• Interstellar — 10\s%/u);
    expect(button(shown, '▶️ Interstellar').url).toBe(`${PUBLIC_URL}/watch/movie/${FILM}`);
    expect(button(shown, 'ℹ️ Interstellar').callback_data).toMatch(/^t:/);

    const found = await reply(alice.chat, say(alice.chat, '/library inter'));
    expect(textOf(found)).toContain('<b>Dans la bibliothèque pour « inter »</b>\n• Interstellar (2014)');
    const none = await reply(alice.chat, say(alice.chat, '/library zzzz'));
    expect(textOf(none)).toContain('Rien dans la bibliothèque pour « zzzz »');
  });

  it('/status shows the services and downloads; an admin sees everyone’s too', async () => {
    const member = textOf(await reply(alice.chat, say(alice.chat, '/status')));
    expect(member).toMatch(/^<b>Sokoul<\/b> : (tout fonctionne ✅|service dégradé ⚠️)/);
    expect(member).toContain('✅ Base de données');
    expect(member).toContain('webtorrent');
    expect(member).toContain('Vos téléchargements actifs : 0');
    // torrent-node's figures: free space of the download folder, and who is watching.
    expect(member).toMatch(/💾 Téléchargements : [\d\s,]+(Go|Mo|To) libres sur [\d\s,]+(Go|Mo|To)/);
    expect(member).toContain('Personne ne regarde');
    expect(member).not.toContain('tous membres');
    const forAdmin = textOf(await reply(admin.chat, say(admin.chat, '/status')));
    expect(forAdmin).toContain('Téléchargements actifs, tous membres :');
  });

  it('/help lists what the chat can do, for a member and for an admin', async () => {
    const member = textOf(await reply(alice.chat, say(alice.chat, '/help')));
    expect(member).toContain('/search <i>titre</i>');
    expect(member).toContain('/status — l’état des services et de vos téléchargements');
    const forAdmin = textOf(await reply(admin.chat, say(admin.chat, '/help')));
    expect(forAdmin).toContain('/status — l’état des services, des moteurs et les alertes');
  });

  it('handles an update once, even when it comes again after it was answered', async () => {
    const update = say(alice.chat, '/help');
    await reply(alice.chat, update);
    const mark = fake.calls.length;
    const again = await post(update);
    expect(again.status).toBe(200);
    // The poller's and Telegram's retries are answered at once; the command does not run again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const sent = fake.calls.slice(mark).filter((c) => SENDS.has(c.method) && c.params.chat_id === alice.chat);
    expect(sent).toEqual([]);
    // A new update of the same chat still gets its answer.
    expect(textOf(await reply(alice.chat, say(alice.chat, '/help')))).toContain('/search');
  });
});

describe('English, a supergroup and the search prompt', () => {
  it('answers a reply to the prompt in a supergroup, then a series card, its seasons and episodes', async () => {
    const prompt = await reply(GROUP, say(GROUP, '/search', { fromId: bob.chat }));
    expect(textOf(prompt)).toBe('Which film or series are you looking for?');
    expect(prompt.params.reply_markup).toMatchObject({ force_reply: true, selective: true });

    const results = await reply(
      GROUP,
      say(GROUP, 'arcane', {
        fromId: bob.chat,
        replyTo: { messageId: messageIdOf(prompt), fromBot: true, text: textOf(prompt) },
      }),
    );
    expect(textOf(results)).toBe('Results for “arcane”:');
    const series = button(results, 'Arcane (2021) · series');
    const card = await reply(
      GROUP,
      tap(GROUP, series.callback_data ?? '', 1, bob.chat).update,
      (c) => c.method === 'sendPhoto',
    );
    expect(textOf(card)).toMatch(/^<b>Arcane<\/b> \(2021\)\nSeries · 3 seasons · ★ 8\.7\/10/);
    // Escaped for parse_mode HTML (the fake refuses a bare &, as Telegram does).
    expect(textOf(card)).toContain('Sci-Fi &amp; Fantasy');
    expect(buttonsOf(card).map((b) => b.text)).toEqual(
      expect.arrayContaining(['Season 1', 'Season 2', 'Season 3', 'Specials', '➕ Add to my watchlist']),
    );
    const episodes = await reply(
      GROUP,
      tap(GROUP, button(card, 'Season 1').callback_data ?? '', 1, bob.chat).update,
    );
    expect(textOf(episodes)).toBe('<b>Arcane</b> — season 1: choose an episode, or the whole season.');
    expect(buttonsOf(episodes).map((b) => b.text)).toEqual([
      '📦 Whole season',
      ...Array.from({ length: 10 }, (_, i) => `E${i + 1}`),
    ]);
    // Someone else in the group, not linked: the group is Bob's, not theirs.
    const other = await tapAndAnswer(GROUP, button(episodes, 'E1').callback_data ?? '', 1, STRANGER);
    expect(other.params.text).toContain('pas relié');
  });

  it('words a refused download by its code, in English', async () => {
    const results = await reply(bob.chat, say(bob.chat, '/search interstellar'));
    expect(textOf(results)).toBe('Results for “interstellar”:');
    const card = await reply(
      bob.chat,
      tap(bob.chat, button(results, 'Interstellar (2014) · film').callback_data ?? '').update,
      (c) => c.method === 'sendPhoto',
    );
    expect(textOf(card)).toMatch(/^<b>Interstellar<\/b> \(2014\)\nFilm · ★ 8\.4\/10/);
    const mark = fake.calls.length;
    await post(tap(bob.chat, button(card, '🔎 Find releases').callback_data ?? '').update);
    const releases = await callAfter(
      mark,
      (c) => c.params.chat_id === bob.chat && textOf(c).includes('the best releases'),
      60_000,
    );
    expect(textOf(releases)).toMatch(/1 seeder · 🇫🇷 MULTI VFF/);
    expect(textOf(releases)).toMatch(/<i>Why #1: .*audio in French.*\.<\/i>/);
    const download = button(releases, '⬇️ Download #1 · 1080p · 2.5\u00a0GB');
    // Alice's download of the same torrent holds it: Bob is told so, without whose it is.
    const refused = await reply(bob.chat, tap(bob.chat, download.callback_data ?? '').update);
    expect(textOf(refused)).toBe(
      'Another member is already downloading this release: it will arrive in the library.',
    );
  });

  it('refuses a disabled account politely', async () => {
    await link(carol);
    const disabled = await call('PATCH', `/admin/users/${carol.session.user.id}`, admin.session.accessToken, {
      disabled: true,
    });
    expect(disabled.status).toBe(200);
    expect(textOf(await reply(carol.chat, say(carol.chat, '/downloads')))).toContain('est désactivé');
    expect((await tapAndAnswer(carol.chat, 'l:AAAAAAAAAAAA')).params.text).toContain('est désactivé');
  });

  it('limits commands and taps per chat, with one polite reply per window', async () => {
    // Taps count like commands and are answered without a message (nothing paced per chat to wait for).
    const taps = Array.from({ length: COMMANDS_PER_MINUTE }, () => tap(FLOOD, 'l:AAAAAAAAAAAA'));
    const mark = fake.calls.length;
    for (const { update } of taps) expect((await post(update)).status).toBe(200);
    for (const { answered } of taps) {
      const answer = await callAfter(mark, (c) => c.method === 'answerCallbackQuery' && answered(c));
      expect(answer.params.text).toContain('pas relié');
    }
    // Over the limit: one polite message, then silence for commands; taps are still answered.
    const slowDown = /^Doucement : trop de commandes en une minute\. Réessayez dans \d+ s\.$/;
    const told = await reply(FLOOD, say(FLOOD, '/help'));
    expect(textOf(told)).toMatch(slowDown);
    expect((await post(say(FLOOD, '/help'))).status).toBe(200);
    expect((await tapAndAnswer(FLOOD, 'l:AAAAAAAAAAAA')).params.text).toMatch(slowDown);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(fake.calls.slice(mark).filter((c) => c.params.chat_id === FLOOD)).toHaveLength(1);
  });
});

describe('the account routes', () => {
  it('GET /telegram says whether there is a bot, its name and mode, the caller’s links and muted kinds', async () => {
    const res = await call<TelegramStatus>('GET', '/telegram', alice.session.accessToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      configured: true,
      botUsername: fake.bot.username,
      mode: 'webhook',
      muted: [],
    });
    expect(res.body.links).toEqual([
      expect.objectContaining({ userId: alice.session.user.id, chatId: alice.chat, chatType: 'private' }),
    ]);
  });

  it('PUT /telegram/preferences validates the kinds and keeps them', async () => {
    const token = alice.session.accessToken;
    const bad = await call<ErrorBody>('PUT', '/telegram/preferences', token, {
      muted: ['download.exploded'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const extra = await call<ErrorBody>('PUT', '/telegram/preferences', token, { muted: 'alert' });
    expect(extra.status).toBe(400);
    const ok = await call<TelegramPreferences>('PUT', '/telegram/preferences', token, {
      muted: ['download.failed', 'download.failed', 'alert'],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.muted.sort()).toEqual(['alert', 'download.failed']);
    expect((await call<TelegramStatus>('GET', '/telegram', token)).body.muted.sort()).toEqual([
      'alert',
      'download.failed',
    ]);
  });

  it('GET /admin/telegram/links is for admins; DELETE /telegram/links/{id} is the owner’s (or an admin’s)', async () => {
    const forMember = await call<ErrorBody>('GET', '/admin/telegram/links', bob.session.accessToken);
    expect(forMember.status).toBe(403);
    expect(forMember.body.error.code).toBe('forbidden');
    const all = await call<TelegramLinkList>('GET', '/admin/telegram/links', admin.session.accessToken);
    expect(all.status).toBe(200);
    const aliceLink = all.body.links.find((l) => l.chatId === alice.chat);
    const groupLink = all.body.links.find((l) => l.chatId === GROUP);
    expect(aliceLink?.userId).toBe(alice.session.user.id);
    expect(groupLink).toMatchObject({
      userId: bob.session.user.id,
      chatType: 'supergroup',
      chatTitle: 'Groupe 1004100',
    });
    if (!aliceLink || !groupLink) throw new Error('links missing');

    const crossUser = await call<ErrorBody>(
      'DELETE',
      `/telegram/links/${aliceLink.id}`,
      bob.session.accessToken,
    );
    expect(crossUser.status).toBe(404);
    expect((await call('DELETE', `/telegram/links/${aliceLink.id}`, alice.session.accessToken)).status).toBe(
      204,
    );
    expect((await call('DELETE', `/telegram/links/${groupLink.id}`, admin.session.accessToken)).status).toBe(
      204,
    );
    expect((await call('DELETE', `/telegram/links/${aliceLink.id}`, alice.session.accessToken)).status).toBe(
      404,
    );
    // Unlinked, Alice's chat is a stranger's again.
    expect(textOf(await reply(alice.chat, say(alice.chat, '/downloads')))).toContain(
      'n’est pas encore relié',
    );
  });

  it('POST /telegram/link-code is a 409 where no bot is configured', async () => {
    const member = await memberSession('tg-unconfigured');
    const res = await api<ErrorBody>('POST', '/telegram/link-code', {
      token: member.accessToken,
      base: stack().url,
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('telegram_not_configured');
  });
});
