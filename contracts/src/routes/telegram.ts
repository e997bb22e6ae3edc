import { z } from 'zod';
import { ErrorBody } from '../errors.js';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  errors,
  idParam,
  jsonBody,
  jsonContent,
  noContent,
  PUBLIC,
  route,
  USER_AUTH,
} from '../http.js';
import { TelegramLinkCode, TelegramLinkList, TelegramPreferences, TelegramStatus } from '../telegram.js';

const tags = ['Telegram'];
const LinkParams = z.object({ id: idParam('Link') });

/** A Telegram Update as the Bot API sends it (https://core.telegram.org/bots/api#update). */
export const TelegramUpdate = z
  .object({ update_id: z.number().int() })
  .catchall(z.unknown())
  .meta({ description: 'A Telegram Update object, as the Bot API sends it' });

/** The bot: linking Telegram chats to accounts, notification settings, and Telegram's webhook. */
export const TelegramRoutes = {
  status: route({
    method: 'get',
    path: '/telegram',
    tags,
    summary: "Whether a bot is configured, its name, the caller's linked chats and muted notifications",
    security: USER_AUTH,
    responses: { 200: jsonContent(TelegramStatus, 'The bot and your links'), ...errors(...AUTH_ERRORS) },
  }),
  linkCode: route({
    method: 'post',
    path: '/telegram/link-code',
    tags,
    summary: 'A one-time code (and t.me link) that links a Telegram chat to your account with /start <code>',
    description:
      'Single use; expires after TELEGRAM_LINK_CODE_TTL seconds. A 409 `telegram_not_configured` when no bot token is set.',
    security: USER_AUTH,
    responses: {
      201: jsonContent(TelegramLinkCode, 'The code'),
      ...errors(...AUTH_ERRORS, 409, 429),
    },
  }),
  removeLink: route({
    method: 'delete',
    path: '/telegram/links/{id}',
    tags,
    summary: 'Unlink a Telegram chat (yours; an admin: anyone’s)',
    security: USER_AUTH,
    request: { params: LinkParams },
    responses: { 204: noContent('Unlinked'), ...errors(...AUTH_ERRORS, 404) },
  }),
  setPreferences: route({
    method: 'put',
    path: '/telegram/preferences',
    tags,
    summary: 'Which notifications you do not want on Telegram',
    security: USER_AUTH,
    request: { body: jsonBody(TelegramPreferences) },
    responses: {
      200: jsonContent(TelegramPreferences, 'The preferences after the change'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS),
    },
  }),
  allLinks: route({
    method: 'get',
    path: '/admin/telegram/links',
    tags,
    summary: 'Every linked Telegram chat, with whose account it acts as (admin)',
    security: USER_AUTH,
    responses: { 200: jsonContent(TelegramLinkList, 'The links'), ...errors(...AUTH_ERRORS) },
  }),
  webhook: route({
    method: 'post',
    path: '/telegram/webhook',
    tags,
    summary: "Telegram's webhook (and torrent-node's poller): one update for the bot",
    description:
      'Requires the X-Telegram-Bot-Api-Secret-Token header set with setWebhook (`sokoul telegram webhook set`); without it, a 401 and nothing runs. Answers at once; replies go out through the bot’s queue.',
    security: PUBLIC,
    request: { body: jsonBody(TelegramUpdate) },
    responses: {
      200: { description: 'Handled' },
      401: jsonContent(ErrorBody, 'Missing or wrong secret token'),
      ...errors(...BODY_ERRORS, 503),
    },
  }),
} as const;
