import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { adminRoutes } from './admin/routes.js';
import { apiKeyRoutes } from './api-keys/routes.js';
import { requireAdmin, requireAuth } from './auth/principal.js';
import { authRoutes } from './auth/routes.js';
import { safeEqual } from './auth/tokens.js';
import { catalogRoutes } from './catalog/routes.js';
import type { AppEnv } from './context.js';
import { healthRoutes } from './health/routes.js';
import { historyRoutes } from './history/routes.js';
import { webAssets } from './http/assets.js';
import { ApiError, errorResponse, handleError } from './http/errors.js';
import { registry } from './http/metrics.js';
import { requestContext } from './http/request-log.js';
import { favoritesRoutes, libraryRoutes, watchlistRoutes } from './library/routes.js';
import { mediaRoutes } from './media/routes.js';
import { searchRoutes } from './search/routes.js';
import { taskRoutes } from './tasks/routes.js';
import { wsRoutes } from './ws/routes.js';

export function createApp() {
  const app = new Hono<AppEnv>();

  app.use(requestContext);
  app.use(async (c, next) => {
    const origins = c.var.config.CORS_ORIGINS;
    if (!origins) return next();
    const list = origins.split(',').map((o) => o.trim());
    return cors({ origin: list.includes('*') ? '*' : list, maxAge: 600 })(c, next);
  });
  app.use(webAssets);
  app.use(async (c, next) =>
    bodyLimit({
      maxSize: c.var.config.MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(
          413,
          'payload_too_large',
          `The body is larger than ${c.var.config.MAX_BODY_BYTES} bytes`,
        );
      },
    })(c, next),
  );

  app.route('/health', healthRoutes);
  app.route('/ws', wsRoutes);
  app.route('/auth', authRoutes);
  app.route('/auth/api-keys', apiKeyRoutes);
  app.route('/tasks', taskRoutes);
  app.route('/admin', adminRoutes);
  app.route('/tmdb', catalogRoutes);
  app.route('/media', mediaRoutes);
  app.route('/library', libraryRoutes);
  app.route('/favorites', favoritesRoutes);
  app.route('/watchlist', watchlistRoutes);
  app.route('/watch-history', historyRoutes);
  app.route('/search', searchRoutes);

  // Prometheus scrapes with METRICS_TOKEN when set; otherwise only admins may read metrics.
  app.get(
    '/metrics',
    async (c, next) => {
      const token = c.var.config.METRICS_TOKEN;
      const header = c.req.header('authorization') ?? '';
      if (token && safeEqual(header, `Bearer ${token}`)) return next();
      await requireAuth(c, async () => {
        await requireAdmin(c, next);
      });
    },
    async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }),
  );

  app.notFound((c) =>
    errorResponse(
      c,
      new ApiError(404, 'not_found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}`),
    ),
  );
  app.onError(handleError);
  return app;
}
