import { ApiKeyRoutes } from '@sokoul/contracts';
import { createRouter, handle } from '../http/openapi.js';
import * as apiKeys from './service.js';

export const apiKeyRoutes = createRouter();
handle(apiKeyRoutes, ApiKeyRoutes.list, async (c) =>
  c.json(await apiKeys.list(c.var.deps, c.var.principal), 200),
);
// The key is in this answer only: no cache may keep it.
handle(apiKeyRoutes, ApiKeyRoutes.create, async (c) =>
  c.json(await apiKeys.create(c.var.deps, c.var.principal, c.req.valid('json')), 201, {
    'Cache-Control': 'no-store',
  }),
);
handle(apiKeyRoutes, ApiKeyRoutes.revoke, async (c) => {
  await apiKeys.revoke(c.var.deps, c.var.principal, c.req.valid('param').id);
  return c.body(null, 204);
});
