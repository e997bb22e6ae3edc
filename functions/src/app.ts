import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { adminRoutes } from './admin/routes.js';
import { apiKeyRoutes } from './api-keys/routes.js';
import { authRoutes } from './auth/routes.js';
import { catalogRoutes } from './catalog/routes.js';
import type { AppEnv } from './context.js';
import { downloadRoutes } from './downloads/routes.js';
import { ApiError } from './errors.js';
import { healthRoutes } from './health/routes.js';
import { historyRoutes } from './history/routes.js';
import { docsPage, webAssets } from './http/assets.js';
import { errorResponse, handleError } from './http/errors.js';
import { createRouter, type Router } from './http/openapi.js';
import { requestContext } from './http/request-log.js';
import { favoritesRoutes, libraryRoutes, watchlistRoutes } from './library/routes.js';
import { mediaRoutes } from './media/routes.js';
import { opsRoutes } from './ops/routes.js';
import { pushRoutes } from './push/routes.js';
import { realDebridRoutes } from './realdebrid/routes.js';
import { searchRoutes } from './search/routes.js';
import { settingsOverlay, settingsRoutes } from './settings/routes.js';
import { streamingRoutes } from './streaming/routes.js';
import { taskRoutes } from './tasks/routes.js';
import { telegramRoutes } from './telegram/routes.js';
import { wsRoutes } from './ws/routes.js';

/**
 * Middleware that depends on the configuration, built once per isolate (the configuration is read
 * once per isolate too) instead of on every request.
 */
function once(
  build: (config: AppEnv['Variables']['config']) => MiddlewareHandler<AppEnv>,
): MiddlewareHandler<AppEnv> {
  let built: MiddlewareHandler<AppEnv> | undefined;
  return (c, next) => {
    built ??= build(c.var.config);
    return built(c, next);
  };
}

const corsFromConfig = once((config) => {
  const origins = config.CORS_ORIGINS;
  if (!origins) return (_c, next) => next();
  const list = origins.split(',').map((o) => o.trim());
  return cors({ origin: list.includes('*') ? '*' : list, maxAge: 600 });
});

const bodyLimitFromConfig = once((config) =>
  bodyLimit({
    maxSize: config.MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, 'payload_too_large', `The body is larger than ${config.MAX_BODY_BYTES} bytes`);
    },
  }),
);

/** The OpenAPI 3.1 document, generated from the route declarations the app registered. */
export function openApiDocument(app: Router) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Sokoul API',
      version: '0.1.0',
      description:
        'Discover, search, download, stream and track films and series. Errors are always `{ "error": { "code", "message" } }`.',
    },
  });
}

export function createApp() {
  const app = createRouter();

  app.use(requestContext);
  app.use(corsFromConfig);
  app.use(webAssets);
  app.use(bodyLimitFromConfig);
  app.use(settingsOverlay);

  app.route('/', healthRoutes);
  app.route('/', wsRoutes);
  app.route('/', authRoutes);
  app.route('/', apiKeyRoutes);
  app.route('/', taskRoutes);
  app.route('/', adminRoutes);
  app.route('/', catalogRoutes);
  app.route('/', mediaRoutes);
  app.route('/', libraryRoutes);
  app.route('/', favoritesRoutes);
  app.route('/', watchlistRoutes);
  app.route('/', historyRoutes);
  app.route('/', searchRoutes);
  app.route('/', downloadRoutes);
  app.route('/', streamingRoutes);
  app.route('/', telegramRoutes);
  app.route('/', opsRoutes);
  app.route('/', pushRoutes);
  app.route('/', settingsRoutes);
  app.route('/', realDebridRoutes);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The access token from /auth/login, /auth/signup or /auth/refresh',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Api-Key',
    description: 'A personal API key (Settings → API keys), or the instance API_KEY',
  });
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', (c) => {
    document ??= openApiDocument(app);
    return c.json(document);
  });
  app.get('/docs', docsPage);

  app.notFound((c) =>
    errorResponse(
      c,
      new ApiError(404, 'not_found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}`),
    ),
  );
  app.onError(handleError);
  return app;
}
