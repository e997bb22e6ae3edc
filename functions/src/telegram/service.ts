import {
  type TelegramLinkCode,
  type TelegramLinkList,
  type TelegramPreferences,
  type TelegramStatus,
  telegramToken,
} from '@sokoul/contracts';
import {
  createLinkCode,
  deleteLink,
  listLinks,
  readBotInfo,
  readTelegramMuted,
  writeTelegramMuted,
} from '@sokoul/db';
import { reserve } from '../auth/rate-limit.js';
import { assertAdmin } from '../auth/roles.js';
import { sha256 } from '../auth/tokens.js';
import type { Deps, Principal } from '../context.js';
import { ApiError, notFound } from '../errors.js';

/**
 * The Telegram side of an account, as Settings shows it: whether there is a bot, one-time linking
 * codes, the caller's links (an admin's: everyone's) and the notifications they muted.
 */

/** Codes are read off a screen and typed: no 0/O, 1/I look-alikes; 32 symbols, so no modulo bias. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 10;
/** Fresh codes one account may ask for per window (each replaces the previous one). */
const CODES_PER_WINDOW = 10;
const CODE_WINDOW_SECONDS = 600;

function newCode(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(CODE_LENGTH)),
    (byte) => CODE_ALPHABET[byte & 31],
  ).join('');
}

/** What a code is stored as; typed codes are compared without case or spaces around them. */
export const linkCodeHash = (code: string) => sha256(code.trim().toUpperCase());

/** The shape a code has (anything else cannot be one, and is refused without a database call). */
export const LINK_CODE = new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`, 'i');

export async function status(deps: Deps, principal: Principal): Promise<TelegramStatus> {
  const { db } = deps.infra;
  const [bot, links, muted] = await Promise.all([
    readBotInfo(db),
    listLinks(db, principal.userId),
    readTelegramMuted(db, principal.userId),
  ]);
  const token = telegramToken(deps.config);
  // The identity torrent-node stored is the bot's of the token then: a token changed in Settings
  // shows its bot once torrent-node asked Telegram (a token starts with its bot's id).
  const current = bot && token?.startsWith(`${bot.info.id}:`) ? bot : null;
  return {
    configured: token !== undefined,
    botUsername: current?.info.username ?? null,
    mode: current?.mode ?? null,
    links,
    muted,
  };
}

/** POST /telegram/link-code: a single-use code, kept as its SHA-256 only. */
export async function linkCode(deps: Deps, principal: Principal): Promise<TelegramLinkCode> {
  if (!telegramToken(deps.config)) {
    throw new ApiError(
      409,
      'telegram_not_configured',
      'No Telegram bot is configured on this server: an administrator sets TELEGRAM_BOT_TOKEN',
    );
  }
  await reserve(
    deps.infra.cache,
    `rl:telegram:code:${principal.userId}`,
    CODES_PER_WINDOW,
    CODE_WINDOW_SECONDS,
    'Too many linking codes',
  );
  const code = newCode();
  const { db } = deps.infra;
  const { expiresAt } = await createLinkCode(
    db,
    principal.userId,
    await linkCodeHash(code),
    deps.config.TELEGRAM_LINK_CODE_TTL,
  );
  const bot = await readBotInfo(db);
  return { code, url: bot ? `https://t.me/${bot.info.username}?start=${code}` : null, expiresAt };
}

/** DELETE /telegram/links/:id: the caller's own link; an admin's, anyone's. Others' are a 404. */
export async function removeLink(deps: Deps, principal: Principal, id: string): Promise<void> {
  const owner = principal.role === 'admin' ? null : principal.userId;
  if (!(await deleteLink(deps.infra.db, id, owner))) throw notFound('Telegram link');
}

export async function setPreferences(
  deps: Deps,
  principal: Principal,
  input: TelegramPreferences,
): Promise<TelegramPreferences> {
  return { muted: await writeTelegramMuted(deps.infra.db, principal.userId, input.muted) };
}

/** GET /admin/telegram/links: every linked chat and whose account it acts as. */
export async function allLinks(deps: Deps, principal: Principal): Promise<TelegramLinkList> {
  assertAdmin(principal);
  return { links: await listLinks(deps.infra.db, null) };
}
