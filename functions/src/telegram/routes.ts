import { TELEGRAM_SECRET_HEADER, TelegramRoutes } from '@sokoul/contracts';
import type { MiddlewareHandler } from 'hono';
import { safeEqual } from '../auth/tokens.js';
import type { AppEnv } from '../context.js';
import { ApiError, unauthorized } from '../errors.js';
import { createRouter, handle } from '../http/openapi.js';
import { webhook } from './bot.js';
import * as telegram from './service.js';

/**
 * Telegram's webhook checks the secret token before anything else, the body's validation
 * included: a wrong or missing one is a 401 and nothing runs.
 */
const secretToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.var.config.TELEGRAM_WEBHOOK_SECRET;
  if (!expected) {
    throw new ApiError(
      503,
      'not_configured',
      'TELEGRAM_WEBHOOK_SECRET is not set: no update can be verified',
    );
  }
  const given = c.req.header(TELEGRAM_SECRET_HEADER);
  if (!given || !safeEqual(given, expected)) {
    throw unauthorized(`Missing or wrong ${TELEGRAM_SECRET_HEADER}`);
  }
  await next();
};

export const telegramRoutes = createRouter();
handle(telegramRoutes, TelegramRoutes.status, async (c) =>
  c.json(await telegram.status(c.var.deps, c.var.principal), 200),
);
handle(telegramRoutes, TelegramRoutes.linkCode, async (c) =>
  c.json(await telegram.linkCode(c.var.deps, c.var.principal), 201),
);
handle(telegramRoutes, TelegramRoutes.removeLink, async (c) => {
  await telegram.removeLink(c.var.deps, c.var.principal, c.req.valid('param').id);
  return c.body(null, 204);
});
handle(telegramRoutes, TelegramRoutes.setPreferences, async (c) =>
  c.json(await telegram.setPreferences(c.var.deps, c.var.principal, c.req.valid('json')), 200),
);
handle(telegramRoutes, TelegramRoutes.allLinks, async (c) =>
  c.json(await telegram.allLinks(c.var.deps, c.var.principal), 200),
);
telegramRoutes.use(TelegramRoutes.webhook.path, secretToken);
handle(telegramRoutes, TelegramRoutes.webhook, async (c) => webhook(c, c.req.valid('json').update_id));
