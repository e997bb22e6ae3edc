import type {
  Locale,
  Role,
  TelegramBotInfo,
  TelegramChatType,
  TelegramLink,
  TelegramNotificationKind,
} from '@sokoul/contracts';
import { type Db, iso, type Timestamp } from './db.js';

/**
 * The Telegram tables: `telegram_links`, `telegram_link_codes`, `telegram_callbacks`,
 * `telegram_preferences`, `telegram_bot`. The API's bot handlers and torrent-node's notifier and
 * poller both call these; nothing else writes them. Chat and user ids are bigint in PostgreSQL and
 * travel as text, because postgres.js gives bigint as strings (they stay below 2^53: numbers).
 */

interface LinkRow {
  id: string;
  user_id: string;
  user_name: string;
  chat_id: string;
  telegram_user_id: string;
  chat_type: TelegramChatType;
  chat_title: string;
  linked_at: Timestamp;
}

const LINK_COLUMNS = `l.id, l.user_id, u.display_name AS user_name, l.chat_id::text AS chat_id,
  l.telegram_user_id::text AS telegram_user_id, l.chat_type, l.chat_title, l.linked_at`;

const toLink = (row: LinkRow): TelegramLink => ({
  id: row.id,
  userId: row.user_id,
  userName: row.user_name,
  chatId: Number(row.chat_id),
  telegramUserId: Number(row.telegram_user_id),
  chatType: row.chat_type,
  chatTitle: row.chat_title,
  linkedAt: iso(row.linked_at),
});

// ---- linking codes ----

/** Stores a new code's hash for `userId`, valid `ttlSeconds`; the user's unused older codes go. */
export async function createLinkCode(db: Db, userId: string, codeHash: string, ttlSeconds: number) {
  const [, [row]] = (await db.transaction([
    { text: 'DELETE FROM telegram_link_codes WHERE user_id = $1 OR expires_at < now()', params: [userId] },
    {
      text: `INSERT INTO telegram_link_codes (code_hash, user_id, expires_at)
             VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING expires_at`,
      params: [codeHash, userId, ttlSeconds],
    },
  ])) as [unknown, { expires_at: Timestamp }[]];
  if (!row) throw new Error('telegram_link_codes: the insert returned nothing');
  return { expiresAt: iso(row.expires_at) };
}

/** Uses a code once: its account if it exists, is unused and has not expired, else null. */
export async function consumeLinkCode(db: Db, codeHash: string): Promise<string | null> {
  const [row] = await db.query<{ user_id: string }>(
    `UPDATE telegram_link_codes SET used_at = now()
     WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
    [codeHash],
  );
  return row?.user_id ?? null;
}

// ---- links ----

export interface NewTelegramLink {
  userId: string;
  chatId: number;
  telegramUserId: number;
  chatType: TelegramChatType;
  chatTitle: string;
  username: string | null;
}

/** Links (or relinks to another account) one Telegram user in one chat. */
export async function linkChat(db: Db, link: NewTelegramLink): Promise<TelegramLink> {
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO telegram_links (user_id, chat_id, telegram_user_id, chat_type, chat_title, username)
     VALUES ($1, $2::bigint, $3::bigint, $4, left($5, 300), left($6, 100))
     ON CONFLICT (chat_id, telegram_user_id) DO UPDATE
       SET user_id = excluded.user_id, chat_type = excluded.chat_type, chat_title = excluded.chat_title,
           username = excluded.username, linked_at = now()
     RETURNING id`,
    [
      link.userId,
      String(link.chatId),
      String(link.telegramUserId),
      link.chatType,
      link.chatTitle,
      link.username,
    ],
  );
  if (!row) throw new Error('telegram_links: the upsert returned nothing');
  const [linked] = await db.query<LinkRow>(
    `SELECT ${LINK_COLUMNS} FROM telegram_links l JOIN users u ON u.id = l.user_id WHERE l.id = $1`,
    [row.id],
  );
  if (!linked) throw new Error('telegram_links: the link vanished');
  return toLink(linked);
}

/** Who a Telegram user in a chat acts as: the link and the account's role, state and language. */
export interface LinkedAccount {
  link: TelegramLink;
  role: Role;
  disabled: boolean;
  locale: Locale;
}

export async function findLinkedAccount(
  db: Db,
  chatId: number,
  telegramUserId: number,
): Promise<LinkedAccount | null> {
  const [row] = await db.query<LinkRow & { role: Role; disabled: boolean; locale: Locale }>(
    `SELECT ${LINK_COLUMNS}, u.role, u.disabled, u.locale
     FROM telegram_links l JOIN users u ON u.id = l.user_id
     WHERE l.chat_id = $1::bigint AND l.telegram_user_id = $2::bigint`,
    [String(chatId), String(telegramUserId)],
  );
  if (!row) return null;
  return { link: toLink(row), role: row.role, disabled: row.disabled, locale: row.locale };
}

/** One user's links, or everyone's with `userId` null (admins), newest first. */
export async function listLinks(db: Db, userId: string | null): Promise<TelegramLink[]> {
  const rows = await db.query<LinkRow>(
    `SELECT ${LINK_COLUMNS} FROM telegram_links l JOIN users u ON u.id = l.user_id
     WHERE $1::uuid IS NULL OR l.user_id = $1::uuid ORDER BY l.linked_at DESC`,
    [userId],
  );
  return rows.map(toLink);
}

/** Removes a link (the owner's only, unless `userId` is null); whether one was removed. */
export async function deleteLink(db: Db, id: string, userId: string | null): Promise<boolean> {
  const count = await db.execute(
    'DELETE FROM telegram_links WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2::uuid)',
    [id, userId],
  );
  return count > 0;
}

/** A chat that blocked the bot or no longer exists: every link in it goes. */
export async function deleteChatLinks(db: Db, chatId: number): Promise<number> {
  return db.execute('DELETE FROM telegram_links WHERE chat_id = $1::bigint', [String(chatId)]);
}

/**
 * The chats a notification of `kind` for `userId` goes to: the user's linked chats, none if the
 * user muted that kind or the account is disabled. A chat appears once even if linked twice.
 */
export async function notificationChats(
  db: Db,
  userId: string,
  kind: TelegramNotificationKind,
): Promise<{ chatId: number; locale: Locale }[]> {
  const rows = await db.query<{ chat_id: string; locale: Locale }>(
    `SELECT DISTINCT l.chat_id::text AS chat_id, u.locale
     FROM telegram_links l JOIN users u ON u.id = l.user_id
     LEFT JOIN telegram_preferences p ON p.user_id = l.user_id
     WHERE l.user_id = $1 AND NOT u.disabled AND NOT ($2 = ANY (coalesce(p.muted, '{}')))`,
    [userId, kind],
  );
  return rows.map((r) => ({ chatId: Number(r.chat_id), locale: r.locale }));
}

/** Chats of enabled admins who did not mute `alert`, for admin alerts. */
export async function adminAlertChats(db: Db): Promise<{ chatId: number; locale: Locale }[]> {
  const rows = await db.query<{ chat_id: string; locale: Locale }>(
    `SELECT DISTINCT l.chat_id::text AS chat_id, u.locale
     FROM telegram_links l JOIN users u ON u.id = l.user_id
     LEFT JOIN telegram_preferences p ON p.user_id = l.user_id
     WHERE u.role = 'admin' AND NOT u.disabled AND NOT ('alert' = ANY (coalesce(p.muted, '{}')))`,
  );
  return rows.map((r) => ({ chatId: Number(r.chat_id), locale: r.locale }));
}

// ---- buttons' server-side state ----

/** Callback states older than this answer "this button has expired". */
export const CALLBACK_TTL_HOURS = 48;

/** Keeps what a button means under `id` (a short random id the caller made), for that chat and user only. */
export async function saveCallbacks(
  db: Db,
  chatId: number,
  telegramUserId: number,
  entries: readonly { id: string; data: unknown }[],
): Promise<void> {
  if (entries.length === 0) return;
  await db.transaction([
    {
      text: `DELETE FROM telegram_callbacks WHERE created_at < now() - make_interval(hours => $1)`,
      params: [CALLBACK_TTL_HOURS],
    },
    {
      text: `INSERT INTO telegram_callbacks (id, chat_id, telegram_user_id, data)
             SELECT e.id, $1::bigint, $2::bigint, e.data
             FROM jsonb_to_recordset($3::jsonb -> 'entries') AS e(id text, data jsonb)`,
      // An object, not a JSON string: the driver writes it as JSON itself (a string would stay one).
      params: [String(chatId), String(telegramUserId), { entries }],
    },
  ]);
}

/**
 * What button `id` means, if it was made in this chat for this Telegram user and has not expired;
 * null otherwise (another chat's or user's id answers exactly like an unknown one).
 */
export async function readCallback(
  db: Db,
  id: string,
  chatId: number,
  telegramUserId: number,
): Promise<unknown | null> {
  const [row] = await db.query<{ data: unknown }>(
    `SELECT data FROM telegram_callbacks
     WHERE id = $1 AND chat_id = $2::bigint AND telegram_user_id = $3::bigint
       AND created_at > now() - make_interval(hours => $4)`,
    [id, String(chatId), String(telegramUserId), CALLBACK_TTL_HOURS],
  );
  return row ? row.data : null;
}

// ---- notification preferences ----

export async function readTelegramMuted(db: Db, userId: string): Promise<TelegramNotificationKind[]> {
  const [row] = await db.query<{ muted: TelegramNotificationKind[] }>(
    'SELECT muted FROM telegram_preferences WHERE user_id = $1',
    [userId],
  );
  return row?.muted ?? [];
}

export async function writeTelegramMuted(
  db: Db,
  userId: string,
  muted: readonly TelegramNotificationKind[],
): Promise<TelegramNotificationKind[]> {
  const [row] = await db.query<{ muted: TelegramNotificationKind[] }>(
    `INSERT INTO telegram_preferences (user_id, muted)
     VALUES ($1, ARRAY(SELECT jsonb_array_elements_text($2::jsonb -> 'muted')))
     ON CONFLICT (user_id) DO UPDATE SET muted = excluded.muted, updated_at = now() RETURNING muted`,
    [userId, { muted: [...new Set(muted)] }],
  );
  return row?.muted ?? [];
}

// ---- the bot's identity ----

export interface StoredBot {
  info: TelegramBotInfo;
  mode: 'webhook' | 'polling';
}

export async function saveBotInfo(db: Db, bot: StoredBot): Promise<void> {
  await db.execute(
    `INSERT INTO telegram_bot (id, info, mode) VALUES (1, $1::jsonb, $2)
     ON CONFLICT (id) DO UPDATE SET info = excluded.info, mode = excluded.mode, updated_at = now()`,
    [bot.info, bot.mode],
  );
}

export async function readBotInfo(db: Db): Promise<StoredBot | null> {
  const [row] = await db.query<{ info: TelegramBotInfo; mode: 'webhook' | 'polling' }>(
    'SELECT info, mode FROM telegram_bot WHERE id = 1',
  );
  return row ? { info: row.info, mode: row.mode } : null;
}
