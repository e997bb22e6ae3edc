import { USER_AUTH } from '@sokoul/contracts';
import { describe, expect, it } from 'vitest';
import { api, stack } from './helpers/api.js';
import { DECLARED } from './helpers/conformance.js';

/** Routes that are the document and its reader, not API operations. */
const NOT_OPERATIONS = new Set(['GET /openapi.json', 'GET /docs']);

interface Operation {
  security?: unknown[];
  responses?: Record<string, unknown>;
}
interface OpenApiDocument {
  openapi: string;
  paths?: Record<string, Record<string, Operation> | undefined>;
  components?: { securitySchemes?: Record<string, unknown> };
}
interface ApiModule {
  createApp(): { routes: { method: string; path: string }[] };
  openApiDocument(app: unknown): OpenApiDocument;
}

// The API's module graph loads in Node (cloudflare:workers is aliased in vitest.config.ts); it is
// imported by a computed specifier so the tests' type check does not compile workerd code.
const APP_MODULE = '../functions/src/app.js';
const { createApp, openApiDocument } = (await import(APP_MODULE)) as ApiModule;
const app = createApp();
const document = openApiDocument(app);
const documented = new Set(
  Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
  ),
);

describe('OpenAPI document', () => {
  it('documents every route the API registers', () => {
    const registered = app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path}`)
      .filter((r) => !NOT_OPERATIONS.has(r));
    expect(registered.length).toBeGreaterThan(50);
    expect(registered.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('declares every route once, from the route data in contracts', () => {
    const declared = DECLARED.map(
      (r) => `${r.method.toUpperCase()} ${r.path.replace(/\{([^}]+)\}/g, ':$1')}`,
    );
    expect(new Set(declared).size).toBe(declared.length);
    expect([...documented].sort()).toEqual([...new Set(declared)].sort());
  });

  it('gives every operation its auth scheme, responses with schemas, and error answers', () => {
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(item ?? {})) {
        const where = `${method.toUpperCase()} ${path}`;
        const op = operation;
        expect(op.security, where).toBeDefined();
        expect(Object.keys(op.responses ?? {}).length, where).toBeGreaterThan(0);
        if (op.security?.length) expect(op.responses?.['401'], where).toBeDefined();
      }
    }
  });

  it('is served as OpenAPI 3.1 with the bearer and API-key schemes', async () => {
    const res = await api<typeof document>('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.components?.securitySchemes ?? {}).sort()).toEqual(['apiKey', 'bearer']);
    expect(Object.keys(res.body.paths ?? {}).sort()).toEqual(Object.keys(document.paths ?? {}).sort());
    const me = res.body.paths?.['/auth/me']?.get as { security?: unknown } | undefined;
    expect(me?.security).toEqual(USER_AUTH);
  });

  it('serves an interactive reference at /docs from its own origin', async () => {
    const res = await api<string>('GET', '/docs', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.body).toContain('/docs/swagger-ui-bundle.js');
    // The pages' CSP allows no inline script: every script is a file of the app's own.
    expect(res.body).not.toMatch(/<script>/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    // No other site may frame the pages (clickjacking).
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    for (const file of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/docs.js']) {
      const asset = await fetch(`${stack().url}${file}`);
      expect(asset.status, file).toBe(200);
    }
  });
});
