import { type Locale, TelegramBotInfo, telegramToken } from '@sokoul/contracts';
import { findLinkedAccount, readBotInfo } from '@sokoul/db';
import { Bot, BotError, type Context, webhookCallback } from 'grammy';
import type { Context as HonoContext } from 'hono';
import { reserve } from '../auth/rate-limit.js';
import type { AppEnv, Deps } from '../context.js';
import { ApiError } from '../errors.js';
import { type Action, actionOf, answer, type Linked, principalOf, type Session, send } from './chat.js';
import { help, start } from './handlers/account.js';
import { downloadAction, downloadsCommand, refreshDownloads } from './handlers/downloads.js';
import { libraryCommand } from './handlers/library.js';
import {
  addToWatchlist,
  findReleases,
  isSearchPrompt,
  prompt,
  refreshSearch,
  searchTitles,
  seasonEpisodes,
  startDownload,
  titleCard,
} from './handlers/search.js';
import { statusCommand } from './handlers/status.js';
import { queue } from './outbox.js';
import { TEXTS } from './texts.js';

/**
 * The bot on workerd: grammY routes each update (from Telegram's webhook, or torrent-node's
 * poller posting what getUpdates gave it) to the handlers. The Bot is built once per isolate with
 * the identity torrent-node stored (no getMe here) and never calls Telegram: every reply is an
 * outbox message torrent-node's sender delivers.
 */

type BotContext = Context & { sokoul: Session };

/**
 * The request each update being handled came with: its Deps (workerd I/O objects cannot outlive
 * their request, so the isolate's Bot finds them by update_id).
 */
const inFlight = new Map<number, Deps>();

/** The isolate's Bot, for this token and secret; the stored identity is read once, when it is built. */
let built: { key: string; run: (c: HonoContext<AppEnv>) => Promise<Response> } | undefined;

const WINDOW_SECONDS = 60;
/** Telegram gives up redelivering an update within a day. */
const HANDLED_MEMORY_SECONDS = 24 * 3600;
const HANDLER_TIMEOUT_MS = 20_000;

const localeOf = (languageCode: string | undefined): Locale =>
  languageCode?.toLowerCase().startsWith('fr') ? 'fr' : 'en';

/** Telegram retries an update answered with an error: only outages, which pass, are worth it. */
const isOutage = (error: unknown) => error instanceof ApiError && error.code === 'dependency_unavailable';

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Commands and button taps per chat per minute (TELEGRAM_COMMANDS_PER_MINUTE), on the sign-in
 * limiter's counter; `first` only for the window's first refusal (one polite reply, not one each).
 */
async function limited(s: Session): Promise<{ seconds: number; first: boolean } | null> {
  const { cache } = s.deps.infra;
  try {
    await reserve(
      cache,
      `rl:telegram:chat:${s.chatId}`,
      s.deps.config.TELEGRAM_COMMANDS_PER_MINUTE,
      WINDOW_SECONDS,
      'Too many Telegram commands',
    );
    return null;
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'rate_limited') throw error;
    const seconds = Number(error.headers['Retry-After'] ?? WINDOW_SECONDS);
    return { seconds, first: await cache.add(`rl:telegram:told:${s.chatId}`, '1', seconds) };
  }
}

/** The chat as its linked, enabled account; why not otherwise. */
function linkedOf(s: Session): Linked | 'unlinked' | 'disabled' {
  if (!s.account) return 'unlinked';
  if (s.account.disabled) return 'disabled';
  return { ...s, account: s.account, principal: principalOf(s.account) };
}

/** A service's refusal in the reader's words (by its code). */
const failureText = (s: Session, error: unknown) =>
  (error instanceof ApiError ? s.t.errors[error.code] : undefined) ?? s.t.failed;

async function failed(s: Session, error: unknown): Promise<void> {
  if (isOutage(error)) throw error;
  if (error instanceof ApiError) {
    s.deps.log.info('telegram action refused', { chatId: s.chatId, code: error.code });
  } else {
    s.deps.log.error('telegram handler failed', { chatId: s.chatId, error: describe(error) });
  }
  await send(s, failureText(s, error));
}

/** A command or message: rate-limited, then run; refusals answered in words. */
function open<C extends BotContext>(run: (s: Session, ctx: C) => Promise<unknown>) {
  return async (ctx: C) => {
    const s = ctx.sokoul;
    const limit = await limited(s);
    if (limit) {
      if (limit.first) await send(s, s.t.slowDown(limit.seconds));
      return;
    }
    try {
      await run(s, ctx);
    } catch (error) {
      await failed(s, error);
    }
  };
}

/** The same, for what only a linked, enabled account may do (any other chat: how to link). */
const linkedOnly = <C extends BotContext>(run: (s: Linked, ctx: C) => Promise<unknown>) =>
  open<C>(async (s, ctx) => {
    const linked = linkedOf(s);
    if (linked === 'unlinked') return send(s, s.t.notLinked);
    if (linked === 'disabled') return send(s, s.t.disabled);
    return run(linked, ctx);
  });

/** What a button does; the text, when there is one, answers the tap. */
async function perform(
  s: Linked,
  action: Action,
  messageId: number | undefined,
): Promise<string | undefined> {
  switch (action.a) {
    case 't':
      await titleCard(s, action);
      return undefined;
    case 'w':
      return addToWatchlist(s, action);
    case 's':
      await seasonEpisodes(s, action);
      return undefined;
    case 'r':
      await findReleases(s, action);
      return undefined;
    case 'u':
      return refreshSearch(s, action);
    case 'd':
      return startDownload(s, action.resultId);
    case 'p':
    case 'g':
    case 'x':
      return downloadAction(s, { action: action.a, downloadId: action.downloadId, messageId });
    case 'l':
      await refreshDownloads(s, messageId);
      return undefined;
  }
}

/** A button tap: always answered, exactly once (a polite text when it is not this chat's or expired). */
async function button(ctx: BotContext & { callbackQuery: { id: string; data: string } }) {
  const s = ctx.sokoul;
  const id = ctx.callbackQuery.id;
  let answered = false;
  const reply = async (text?: string) => {
    if (answered) return;
    answered = true;
    await answer(s, id, text);
  };
  try {
    const limit = await limited(s);
    if (limit) return await reply(s.t.slowDown(limit.seconds));
    const linked = linkedOf(s);
    if (linked === 'unlinked') return await reply(s.t.notLinkedShort);
    if (linked === 'disabled') return await reply(s.t.disabled);
    const action = await actionOf(s, ctx.callbackQuery.data);
    if (!action) return await reply(s.t.expired);
    await reply(await perform(linked, action, ctx.callbackQuery.message?.message_id));
  } catch (error) {
    await reply().catch(() => undefined);
    await failed(s, error);
  } finally {
    if (!answered) await reply();
  }
}

function build(token: string, info: TelegramBotInfo): Bot<BotContext> {
  const bot = new Bot<BotContext>(token, {
    // Fields grammY's types know that the stored identity does not keep; nothing here reads them.
    botInfo: {
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
      ...info,
    },
  });
  // Nothing here talks to Telegram: a call made by mistake fails loudly instead of bypassing the outbox.
  bot.api.config.use(async () => {
    throw new Error('The API never calls Telegram itself: queue an outbox message');
  });

  bot.use(async (ctx, next) => {
    const deps = inFlight.get(ctx.update.update_id);
    if (!deps) throw new Error(`telegram: no request for update ${ctx.update.update_id}`);
    const chat = ctx.chat;
    const from = ctx.from;
    if (!chat || !from || from.is_bot) {
      // A button on a message the bot never sent (inline mode): still answered.
      if (ctx.callbackQuery) {
        await queue(deps, {
          method: 'answerCallbackQuery',
          params: {
            callback_query_id: ctx.callbackQuery.id,
            text: TEXTS[localeOf(from?.language_code)].expired,
          },
        });
      }
      return;
    }
    const account = await findLinkedAccount(deps.infra.db, chat.id, from.id);
    const locale = account?.locale ?? localeOf(from.language_code);
    ctx.sokoul = {
      deps,
      chatId: chat.id,
      chatType: chat.type,
      telegramUserId: from.id,
      locale,
      t: TEXTS[locale],
      account,
    };
    await next();
  });

  bot.command(
    'start',
    open((s, ctx) =>
      start(s, ctx.match, ctx.from ?? { first_name: '' }, 'title' in ctx.chat ? ctx.chat.title : undefined),
    ),
  );
  bot.command(
    'help',
    open((s) => help(s)),
  );
  bot.command(
    'search',
    linkedOnly((s, ctx) => {
      const query = ctx.match.trim();
      return query ? searchTitles(s, query) : prompt(s, ctx.msg.message_id);
    }),
  );
  bot.command('downloads', linkedOnly(downloadsCommand));
  bot.command(
    'library',
    linkedOnly((s, ctx) => libraryCommand(s, ctx.match.trim())),
  );
  bot.command('status', linkedOnly(statusCommand));
  bot.on('message:text', async (ctx) => {
    const replied = ctx.msg.reply_to_message;
    // A reply to the search prompt is the search (private chats and groups alike).
    if (replied?.from?.id === ctx.me.id && isSearchPrompt(replied.text)) {
      return linkedOnly((s) => {
        const query = ctx.msg.text.trim();
        return query ? searchTitles(s, query) : prompt(s, ctx.msg.message_id);
      })(ctx);
    }
    // Groups talk among themselves; a private chat gets a hint.
    if (ctx.chat.type === 'private') {
      return open((s) =>
        send(s, !s.account ? s.t.notLinked : s.account.disabled ? s.t.disabled : s.t.unknown),
      )(ctx);
    }
  });
  bot.on('callback_query:data', button);
  return bot;
}

/**
 * POST /telegram/webhook, after the secret token was checked (routes.ts): hands the update to the
 * isolate's Bot. 503 while there is no token or torrent-node has not stored the bot's identity
 * (Telegram and the poller retry); an outage met on the way is a 503 too, anything else a 200.
 */
export async function webhook(c: HonoContext<AppEnv>, updateId: number): Promise<Response> {
  const { config, deps, infra } = c.var;
  const token = telegramToken(config);
  if (!token) {
    throw new ApiError(503, 'not_configured', 'No Telegram bot is configured here (TELEGRAM_BOT_TOKEN)');
  }
  const secret = config.TELEGRAM_WEBHOOK_SECRET ?? '';
  const key = `${token}\n${secret}`;
  if (built?.key !== key) {
    const stored = await readBotInfo(infra.db);
    const info = TelegramBotInfo.safeParse(stored?.info);
    // A token changed in Settings: the identity stored is the previous bot's until torrent-node asked.
    if (!info.success || !token.startsWith(`${info.data.id}:`)) {
      throw new ApiError(
        503,
        'dependency_unavailable',
        "The bot's identity is not known yet (torrent-node asks Telegram for it): try again shortly",
      );
    }
    const run = webhookCallback(build(token, info.data), 'hono', {
      secretToken: secret,
      timeoutMilliseconds: HANDLER_TIMEOUT_MS,
    });
    built = { key, run };
  }
  // The same update delivered again while it is still being handled (a retry): done once.
  if (inFlight.has(updateId)) return c.body(null, 200);
  // Or after: Telegram and the poller deliver again what was not acknowledged in time (a handler
  // slower than their timeout), and a command must not run twice. Without the cache, handled anyway.
  const seen = `tg:update:${token.split(':')[0]}:${updateId}`;
  const first = await infra.cache.add(seen, '1', HANDLED_MEMORY_SECONDS).catch(() => true);
  if (!first) return c.body(null, 200);
  inFlight.set(updateId, deps);
  try {
    return await built.run(c);
  } catch (error) {
    // An error is answered so that the update comes again (an outage): it is not handled yet.
    await infra.cache.delete(seen).catch(() => undefined);
    throw error instanceof BotError ? error.error : error;
  } finally {
    inFlight.delete(updateId);
  }
}
