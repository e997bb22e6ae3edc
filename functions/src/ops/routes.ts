import type { Hook } from '@hono/zod-openapi';
import { OpenAPIHono } from '@hono/zod-openapi';
import { OpsRoutes } from '@sokoul/contracts';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { defaultHook, handle } from '../http/openapi.js';
import * as ops from './service.js';

/**
 * A job or an archive named in the path that cannot exist (not a job's name, not an archive's
 * shape) is a 404 like one that is gone, as the routes document; other inputs fail as everywhere.
 */
const hook: Hook<unknown, AppEnv, string, undefined> = (result, c) => {
  if (!result.success && result.target === 'param') {
    const what = c.req.path.startsWith('/admin/jobs/') ? 'Job' : 'Backup';
    throw new ApiError(404, 'not_found', `${what} not found`);
  }
  return defaultHook(result, c);
};

/** The admin System page's routes (OpsRoutes); the services refuse non-admins (403). */
export const opsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: hook });
handle(opsRoutes, OpsRoutes.overview, async (c) =>
  c.json(await ops.overview(c.var.deps, c.var.principal), 200),
);
handle(opsRoutes, OpsRoutes.samples, async (c) =>
  c.json(await ops.samples(c.var.deps, c.var.principal, c.req.valid('query')), 200),
);
handle(opsRoutes, OpsRoutes.runJob, async (c) =>
  c.json(await ops.runJob(c.var.deps, c.var.principal, c.req.valid('param').name), 200),
);
handle(opsRoutes, OpsRoutes.backups, async (c) =>
  c.json(await ops.backups(c.var.deps, c.var.principal), 200),
);
handle(opsRoutes, OpsRoutes.createBackup, async (c) =>
  c.json(await ops.createBackup(c.var.deps, c.var.principal), 201),
);
handle(opsRoutes, OpsRoutes.restoreBackup, async (c) => {
  await ops.restoreBackup(c.var.deps, c.var.principal, c.req.valid('param').name);
  return c.body(null, 204);
});
