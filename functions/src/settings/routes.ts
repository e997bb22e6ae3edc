import { SettingsRoutes } from '@sokoul/contracts';
import { textBindings } from '@sokoul/durable-objects';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.js';
import { createRouter, handle } from '../http/openapi.js';
import { overlaidConfig } from './overlay.js';
import * as settings from './service.js';

/**
 * After requestContext: every service of the request sees the stored settings over the
 * environment's (see overlay.ts).
 */
export const settingsOverlay: MiddlewareHandler<AppEnv> = async (c, next) => {
  const config = await overlaidConfig(c.var.config, c.var.infra, c.var.log);
  if (config !== c.var.config) {
    c.set('config', config);
    c.set('deps', { ...c.var.deps, config });
  }
  await next();
};

/** Authentication comes from the declarations; the services refuse non-admins (403). */
export const settingsRoutes = createRouter();
handle(settingsRoutes, SettingsRoutes.config, async (c) =>
  c.json(await settings.listConfig(c.var.deps, c.var.principal, textBindings(c.env)), 200),
);
handle(settingsRoutes, SettingsRoutes.putConfig, async (c) =>
  c.json(
    await settings.putConfig(c.var.deps, c.var.principal, c.req.valid('json'), textBindings(c.env)),
    200,
  ),
);
handle(settingsRoutes, SettingsRoutes.testIndexers, async (c) =>
  c.json(await settings.testIndexers(c.var.deps, c.var.principal, c.req.valid('json')), 200),
);
handle(settingsRoutes, SettingsRoutes.testOracle, async (c) =>
  c.json(await settings.testOracle(c.var.deps, c.var.principal), 200),
);
