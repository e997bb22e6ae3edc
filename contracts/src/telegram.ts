import { z } from 'zod';
import { appLink, type SharedConfig } from './config.js';

/**
 * The Telegram bot: what the API and the web app say about links and notification settings, and
 * the outbox messages every Bot API call travels in (the API's handlers and torrent-node's notifier
 * queue them; torrent-node's sender is the only process that talks to Telegram).
 */

/** Notifications a user can mute. */
export const TelegramNotificationKind = z.enum([
  'download.completed',
  'download.failed',
  'download.stalled',
  'alert',
]);
export type TelegramNotificationKind = z.infer<typeof TelegramNotificationKind>;

export const TelegramChatType = z.enum(['private', 'group', 'supergroup', 'channel']);
export type TelegramChatType = z.infer<typeof TelegramChatType>;

/** One Telegram user in one chat, acting as a Sokoul account. */
export const TelegramLink = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  /** Admins' list names whose link it is. */
  userName: z.string(),
  chatId: z.number().int(),
  telegramUserId: z.number().int(),
  chatType: TelegramChatType,
  /** @username, the person's name, or the group's title. */
  chatTitle: z.string(),
  linkedAt: z.string(),
});
export type TelegramLink = z.infer<typeof TelegramLink>;

/** GET /telegram: whether there is a bot, the caller's links and what they muted. */
export const TelegramStatus = z.object({
  configured: z.boolean(),
  /** The bot's @username (without @), once torrent-node has asked Telegram (getMe). */
  botUsername: z.string().nullable(),
  mode: z.enum(['webhook', 'polling']).nullable(),
  links: z.array(TelegramLink),
  muted: z.array(TelegramNotificationKind),
});
export type TelegramStatus = z.infer<typeof TelegramStatus>;

/** POST /telegram/link-code: a one-time code, and the t.me link that sends `/start <code>`. */
export const TelegramLinkCode = z.object({
  code: z.string(),
  /** `https://t.me/<bot>?start=<code>`, null while the bot's name is not known yet. */
  url: z.string().nullable(),
  expiresAt: z.string(),
});
export type TelegramLinkCode = z.infer<typeof TelegramLinkCode>;

export const TelegramLinkList = z.object({ links: z.array(TelegramLink) });
export type TelegramLinkList = z.infer<typeof TelegramLinkList>;

export const TelegramPreferences = z.object({
  muted: z.array(TelegramNotificationKind).max(TelegramNotificationKind.options.length),
});
export type TelegramPreferences = z.infer<typeof TelegramPreferences>;

/** What getMe said about the bot (the fields grammY's `botInfo` needs), stored by torrent-node. */
export const TelegramBotInfo = z.object({
  id: z.number().int(),
  is_bot: z.literal(true),
  first_name: z.string(),
  username: z.string(),
  can_join_groups: z.boolean(),
  can_read_all_group_messages: z.boolean(),
  supports_inline_queries: z.boolean(),
  can_connect_to_business: z.boolean().default(false),
  has_main_web_app: z.boolean().default(false),
});
export type TelegramBotInfo = z.infer<typeof TelegramBotInfo>;

// ---- the outbox: Bot API calls, as Telegram's own parameter names ----

/** callback_data is at most 64 bytes: buttons carry an action letter and a short id. */
export const CALLBACK_DATA_MAX_BYTES = 64;

const InlineButton = z.union([
  z.object({
    text: z.string().min(1).max(200),
    callback_data: z.string().min(1).max(CALLBACK_DATA_MAX_BYTES),
  }),
  z.object({ text: z.string().min(1).max(200), url: z.string().url() }),
]);
export const InlineKeyboardMarkup = z.object({
  inline_keyboard: z.array(z.array(InlineButton).max(8)).max(100),
});
export type InlineKeyboardMarkup = z.infer<typeof InlineKeyboardMarkup>;
const ForceReply = z.object({
  force_reply: z.literal(true),
  input_field_placeholder: z.string().max(64).optional(),
  selective: z.boolean().optional(),
});

/** Every text goes out as HTML (parse_mode), escaped with `escapeTelegramHtml` where it quotes anything. */
const chatId = z.number().int();
export const TelegramCall = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('sendMessage'),
    params: z.object({
      chat_id: chatId,
      text: z.string().min(1).max(4096),
      parse_mode: z.literal('HTML'),
      reply_markup: z.union([InlineKeyboardMarkup, ForceReply]).optional(),
      reply_parameters: z.object({ message_id: z.number().int() }).optional(),
      link_preview_options: z.object({ is_disabled: z.boolean() }).optional(),
    }),
  }),
  z.object({
    method: z.literal('sendPhoto'),
    params: z.object({
      chat_id: chatId,
      /** A URL Telegram fetches itself (TMDB's image). */
      photo: z.string().url(),
      caption: z.string().max(1024),
      parse_mode: z.literal('HTML'),
      reply_markup: InlineKeyboardMarkup.optional(),
    }),
  }),
  z.object({
    method: z.literal('editMessageText'),
    params: z.object({
      chat_id: chatId,
      message_id: z.number().int(),
      text: z.string().min(1).max(4096),
      parse_mode: z.literal('HTML'),
      reply_markup: InlineKeyboardMarkup.optional(),
      link_preview_options: z.object({ is_disabled: z.boolean() }).optional(),
    }),
  }),
  z.object({
    method: z.literal('answerCallbackQuery'),
    params: z.object({
      callback_query_id: z.string(),
      text: z.string().max(200).optional(),
      show_alert: z.boolean().optional(),
    }),
  }),
]);
export type TelegramCall = z.infer<typeof TelegramCall>;

/** One queued call; `id` deduplicates a retried publish (JetStream msgID). */
export const TelegramOutboxMessage = z.object({
  id: z.uuid(),
  call: TelegramCall,
  /** When it was queued: an edit or answer older than Telegram accepts is dropped, not retried. */
  queuedAt: z.string(),
});
export type TelegramOutboxMessage = z.infer<typeof TelegramOutboxMessage>;

/** The updates the bot's handlers take: what the webhook is set for and what the poller asks for. */
export const TELEGRAM_ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/** The header Telegram (and torrent-node's poller) send with each update. */
export const TELEGRAM_SECRET_HEADER = 'X-Telegram-Bot-Api-Secret-Token';

/**
 * Escapes text for parse_mode HTML: Telegram's HTML needs only these three (quotes are fine
 * outside attributes, and Sokoul writes no attribute from user text).
 */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$|\.localhost$/i;

/**
 * A link into the web app for a URL button, or null when it would point at this machine's loopback
 * (no PUBLIC_URL, the app on 127.0.0.1): a phone cannot open it, and Telegram refuses such a button
 * with the whole message, so the message goes without it.
 */
export function telegramButtonLink(config: Pick<SharedConfig, 'PUBLIC_URL' | 'APP_URL'>, path: string) {
  const url = new URL(appLink(config, path));
  return LOOPBACK.test(url.hostname) ? null : url.href;
}
