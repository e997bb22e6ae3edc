import { createRoute } from '@hono/zod-openapi';
import { METRICS_CONTENT_TYPE, SystemRoutes } from '@sokoul/contracts';
import type { MiddlewareHandler } from 'hono';
import { requireAdmin, requireAuth } from '../auth/principal.js';
import { safeEqual } from '../auth/tokens.js';
import type { AppEnv } from '../context.js';
import { createRouter, handle } from '../http/openapi.js';
import { health, metrics } from './service.js';

/**
 * Prometheus scrapes with METRICS_TOKEN when set; any other credential must be an admin's. The
 * token is not a user, so this route keeps its own access check instead of `handle`'s requireAuth.
 */
const metricsAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = c.var.config.METRICS_TOKEN;
  const header = c.req.header('authorization') ?? '';
  if (token && safeEqual(header, `Bearer ${token}`)) return next();
  await requireAuth(c, async () => {
    await requireAdmin(c, next);
  });
};

/** GET /health and GET /metrics. */
export const healthRoutes = createRouter();
handle(healthRoutes, SystemRoutes.health, async (c) => {
  const report = await health(c.var.deps);
  return report.status === 'ok' ? c.json(report, 200) : c.json(report, 503);
});
healthRoutes.openapi(createRoute({ ...SystemRoutes.metrics, middleware: [metricsAccess] }), async (c) =>
  c.text(await metrics(), 200, { 'Content-Type': METRICS_CONTENT_TYPE }),
);
