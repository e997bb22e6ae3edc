import { PushRoutes } from '@sokoul/contracts';
import { createRouter, handle } from '../http/openapi.js';
import * as push from './service.js';

/** Web push devices (PushRoutes). */
export const pushRoutes = createRouter();
handle(pushRoutes, PushRoutes.status, async (c) =>
  c.json(await push.status(c.var.deps, c.var.principal), 200),
);
handle(pushRoutes, PushRoutes.subscribe, async (c) =>
  c.json(await push.subscribe(c.var.deps, c.var.principal, c.req.valid('json')), 201),
);
handle(pushRoutes, PushRoutes.update, async (c) =>
  c.json(await push.update(c.var.deps, c.var.principal, c.req.valid('param').id, c.req.valid('json')), 200),
);
handle(pushRoutes, PushRoutes.remove, async (c) => {
  await push.remove(c.var.deps, c.var.principal, c.req.valid('param').id);
  return c.body(null, 204);
});
handle(pushRoutes, PushRoutes.test, async (c) => {
  await push.test(c.var.deps, c.var.principal, c.req.valid('param').id);
  return c.body(null, 202);
});
