import { AdminRoutes } from '@sokoul/contracts';
import { createRouter, handle } from '../http/openapi.js';
import * as admin from './service.js';

/** Authentication comes from the declarations; the services refuse non-admins (403). */
export const adminRoutes = createRouter();
handle(adminRoutes, AdminRoutes.users, async (c) =>
  c.json(await admin.listUsers(c.var.deps, c.var.principal), 200),
);
handle(adminRoutes, AdminRoutes.updateUser, async (c) =>
  c.json(
    await admin.updateUser(c.var.deps, c.var.principal, {
      id: c.req.valid('param').id,
      changes: c.req.valid('json'),
    }),
    200,
  ),
);
handle(adminRoutes, AdminRoutes.deleteUser, async (c) => {
  await admin.deleteUser(c.var.deps, c.var.principal, c.req.valid('param').id);
  return c.body(null, 204);
});
handle(adminRoutes, AdminRoutes.createInvite, async (c) =>
  c.json(await admin.createInvite(c.var.deps, c.var.principal, c.req.valid('json')), 201),
);
handle(adminRoutes, AdminRoutes.settings, async (c) =>
  c.json(await admin.settings(c.var.deps, c.var.principal), 200),
);
handle(adminRoutes, AdminRoutes.updateSettings, async (c) =>
  c.json(await admin.updateSettings(c.var.deps, c.var.principal, c.req.valid('json')), 200),
);
handle(adminRoutes, AdminRoutes.indexers, async (c) =>
  c.json(await admin.listIndexers(c.var.deps, c.var.principal), 200),
);
handle(adminRoutes, AdminRoutes.createIndexer, async (c) =>
  c.json(await admin.createIndexer(c.var.deps, c.var.principal, c.req.valid('json')), 201),
);
handle(adminRoutes, AdminRoutes.updateIndexer, async (c) =>
  c.json(
    await admin.updateIndexer(c.var.deps, c.var.principal, {
      id: c.req.valid('param').id,
      changes: c.req.valid('json'),
    }),
    200,
  ),
);
handle(adminRoutes, AdminRoutes.deleteIndexer, async (c) => {
  await admin.deleteIndexer(c.var.deps, c.var.principal, c.req.valid('param').id);
  return c.body(null, 204);
});
handle(adminRoutes, AdminRoutes.qualityProfiles, async (c) =>
  c.json(await admin.qualityProfiles(c.var.deps, c.var.principal), 200),
);
handle(adminRoutes, AdminRoutes.putQualityProfiles, async (c) =>
  c.json(await admin.saveQualityProfiles(c.var.deps, c.var.principal, c.req.valid('json')), 200),
);
