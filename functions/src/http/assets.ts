import type { Handler, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.js';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  webmanifest: 'application/manifest+json',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
  map: 'application/json',
};

/**
 * Browser hardening for the app's documents and files (JSON answers get nosniff from the request
 * middleware). Pictures come from the configured TMDB image host; trailers from YouTube.
 */
let pageHeaders: { imageBase: string; headers: Record<string, string> } | null = null;
function headersFor(imageBase: string): Record<string, string> {
  if (pageHeaders?.imageBase !== imageBase) {
    const images = new URL(imageBase).origin;
    pageHeaders = {
      imageBase,
      headers: {
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'content-security-policy': `default-src 'self'; img-src 'self' data: ${images}; media-src 'self' blob:; connect-src 'self'; style-src 'self' 'unsafe-inline'; frame-src https://www.youtube-nocookie.com; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
      },
    };
  }
  return pageHeaders.headers;
}

/** Paths that are never the web app, even when a browser navigates to them. */
const SERVER_PATHS = ['/health', '/metrics', '/ws', '/docs', '/openapi.json'];

async function serveFile(
  assets: Fetcher,
  path: string,
  method: string,
  pageHeaders: Record<string, string>,
): Promise<Response | null> {
  const response = await assets.fetch(new Request(`http://assets${path}`, { method }));
  // The disk service answers directories with a listing that has no Content-Length.
  if (!response.ok || !response.headers.has('content-length')) return null;
  const headers = new Headers(response.headers);
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  headers.set('content-type', TYPES[ext] ?? 'application/octet-stream');
  // Vite fingerprints everything under /assets/; the rest (index.html, sw.js) must revalidate.
  headers.set(
    'cache-control',
    path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
  for (const [name, value] of Object.entries(pageHeaders)) headers.set(name, value);
  return new Response(method === 'HEAD' ? null : response.body, { status: 200, headers });
}

/**
 * The SolidJS app shares the origin with the API: files with an extension are served from the
 * ASSETS directory; a browser navigation (Accept: text/html) to any other path gets index.html, so
 * the app's pages and the API can use the same paths (`/library` the page, `/library` the JSON).
 */
export const webAssets: MiddlewareHandler<AppEnv> = async (c, next) => {
  const assets = c.env.ASSETS;
  const method = c.req.method;
  if (!assets || (method !== 'GET' && method !== 'HEAD')) return next();
  const path = c.req.path;
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (last.includes('.')) {
    const file = await serveFile(assets, path, method, headersFor(c.var.config.TMDB_IMAGE_BASE_URL));
    if (file) return file;
    return next();
  }
  const navigation =
    c.req.header('sec-fetch-mode') === 'navigate' || (c.req.header('accept') ?? '').includes('text/html');
  if (
    navigation &&
    !SERVER_PATHS.some((p) => path === p || path.startsWith(`${p}/`)) &&
    !c.req.header('upgrade')
  ) {
    const index = await serveFile(
      assets,
      '/index.html',
      method,
      headersFor(c.var.config.TMDB_IMAGE_BASE_URL),
    );
    if (index) return index;
  }
  return next();
};

/**
 * `GET /docs`: the interactive API reference (Swagger UI, served from the app's own files so it
 * works offline and under the pages' CSP: no inline script, no CDN).
 */
const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sokoul API</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs.js"></script>
</body>
</html>
`;

export const docsPage: Handler<AppEnv> = (c) => {
  for (const [name, value] of Object.entries(headersFor(c.var.config.TMDB_IMAGE_BASE_URL)))
    c.header(name, value);
  return c.html(DOCS_HTML);
};
