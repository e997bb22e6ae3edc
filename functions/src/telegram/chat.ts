import {
  CALLBACK_DATA_MAX_BYTES,
  type InlineKeyboardMarkup,
  type Locale,
  MediaType,
  type TelegramChatType,
} from '@sokoul/contracts';
import { type LinkedAccount, readCallback, saveCallbacks } from '@sokoul/db';
import { z } from 'zod';
import type { Deps, Principal } from '../context.js';
import { queue } from './outbox.js';
import { BUTTON_MAX, truncate } from './render.js';
import type { Texts } from './texts.js';

/** One update's chat, Telegram user, language and (when linked) the Sokoul account they act as. */
export interface Session {
  deps: Deps;
  chatId: number;
  chatType: TelegramChatType;
  telegramUserId: number;
  locale: Locale;
  t: Texts;
  account: LinkedAccount | null;
}

/** A chat linked to an enabled account: what every action but linking and /help needs. */
export interface Linked extends Session {
  account: LinkedAccount;
  principal: Principal;
}

/** The services see the linked account exactly as they see it through the API. */
export const principalOf = (account: LinkedAccount): Principal => ({
  userId: account.link.userId,
  role: account.role,
  via: 'token',
});

const isGroup = (s: Session) => s.chatType === 'group' || s.chatType === 'supergroup';

// ---- buttons ----

const Season = z.number().int().min(0);
/** What a button does, kept server-side under its short id; the letter is the action, in callback_data too. */
export const Action = z.discriminatedUnion('a', [
  /** A title card. */
  z.object({ a: z.literal('t'), type: MediaType, tmdbId: z.number().int() }),
  /** Add to the watchlist. */
  z.object({ a: z.literal('w'), type: MediaType, tmdbId: z.number().int() }),
  /** A season's episodes. */
  z.object({ a: z.literal('s'), tmdbId: z.number().int(), season: Season, title: z.string() }),
  /** Find releases (a film; a season, or one episode of a series). */
  z.object({
    a: z.literal('r'),
    type: MediaType,
    tmdbId: z.number().int(),
    season: Season.optional(),
    episode: Season.optional(),
  }),
  /** A search that took long: look again. */
  z.object({
    a: z.literal('u'),
    titleId: z.uuid(),
    label: z.string(),
    taskId: z.uuid(),
    searchId: z.uuid(),
  }),
  /** Download a stored search result. */
  z.object({ a: z.literal('d'), resultId: z.uuid() }),
  /** Pause, resume ("go on"), cancel a download. */
  z.object({ a: z.enum(['p', 'g', 'x']), downloadId: z.uuid() }),
  /** The downloads list again, in the same message. */
  z.object({ a: z.literal('l') }),
]);
export type Action = z.infer<typeof Action>;

export type Button = { text: string; action: Action } | { text: string; url: string };

/** A short id that cannot be guessed (and answers only in its own chat, for its own user anyway). */
function shortId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => alphabet[b & 63]).join('');
}

/** Inline buttons: each action saved for this chat and user, its callback_data `<letter>:<id>`. */
export async function keyboard(s: Session, rows: Button[][]): Promise<InlineKeyboardMarkup> {
  const saved: { id: string; data: Action }[] = [];
  const inline_keyboard = rows
    .filter((row) => row.length > 0)
    .map((row) =>
      row.map((button) => {
        // Labels are plain text: never escaped.
        const text = truncate(button.text, BUTTON_MAX);
        if ('url' in button) return { text, url: button.url };
        const id = shortId();
        saved.push({ id, data: button.action });
        const callback_data = `${button.action.a}:${id}`;
        if (new TextEncoder().encode(callback_data).length > CALLBACK_DATA_MAX_BYTES) {
          throw new Error('callback_data over 64 bytes');
        }
        return { text, callback_data };
      }),
    );
  await saveCallbacks(s.deps.infra.db, s.chatId, s.telegramUserId, saved);
  return { inline_keyboard };
}

/**
 * What a button's callback_data means, when it was made in this chat for this Telegram user and
 * has not expired; null otherwise (another chat's or user's id reads exactly like an unknown one).
 */
export async function actionOf(s: Session, data: string): Promise<Action | null> {
  const match = /^([a-z]):([A-Za-z0-9_-]{1,32})$/.exec(data);
  if (!match) return null;
  const stored = await readCallback(s.deps.infra.db, match[2] ?? '', s.chatId, s.telegramUserId);
  const action = Action.safeParse(stored);
  return action.success && action.data.a === match[1] ? action.data : null;
}

// ---- replies (queued on the outbox) ----

export function send(
  s: Session,
  text: string,
  options: { keyboard?: InlineKeyboardMarkup; replyTo?: number; prompt?: string } = {},
): Promise<void> {
  return queue(s.deps, {
    method: 'sendMessage',
    params: {
      chat_id: s.chatId,
      text,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(options.keyboard ? { reply_markup: options.keyboard } : {}),
      ...(options.prompt
        ? {
            // In a group, only the member who asked is prompted.
            reply_markup: {
              force_reply: true,
              input_field_placeholder: options.prompt,
              ...(isGroup(s) ? { selective: true } : {}),
            },
          }
        : {}),
      ...(options.replyTo ? { reply_parameters: { message_id: options.replyTo } } : {}),
    },
  });
}

export const sendPhoto = (s: Session, photo: string, caption: string, keyboard?: InlineKeyboardMarkup) =>
  queue(s.deps, {
    method: 'sendPhoto',
    params: {
      chat_id: s.chatId,
      photo,
      caption,
      parse_mode: 'HTML',
      ...(keyboard ? { reply_markup: keyboard } : {}),
    },
  });

export const edit = (s: Session, messageId: number, text: string, keyboard?: InlineKeyboardMarkup) =>
  queue(s.deps, {
    method: 'editMessageText',
    params: {
      chat_id: s.chatId,
      message_id: messageId,
      text,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(keyboard ? { reply_markup: keyboard } : {}),
    },
  });

/**
 * Every callback query is answered (Telegram shows a spinner on the button until it is). The
 * text is plain (no parse_mode), 200 characters at most.
 */
export const answer = (s: Session, callbackQueryId: string, text?: string) =>
  queue(s.deps, {
    method: 'answerCallbackQuery',
    params: {
      callback_query_id: callbackQueryId,
      ...(text ? { text: truncate(text, 200) } : {}),
    },
  });
