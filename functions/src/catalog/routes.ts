import { CatalogRoutes } from '@sokoul/contracts';
import type { Context } from 'hono';
import type { AppEnv } from '../context.js';
import { createRouter, handle, rawJson } from '../http/openapi.js';
import type { CatalogAnswer } from './service.js';
import * as catalog from './service.js';

/** Cached answers are stored serialised and sent as they are, saying how fresh they are. */
const send = <T>(c: Context<AppEnv>, answer: CatalogAnswer<T>) =>
  rawJson(c, answer.body, {
    'x-cache': answer.state.toUpperCase(),
    'cache-control': 'private, max-age=60',
  });

export const catalogRoutes = createRouter();
handle(catalogRoutes, CatalogRoutes.trending, async (c) =>
  send(c, await catalog.trending(c.var.deps, c.var.principal, c.req.valid('query'))),
);
handle(catalogRoutes, CatalogRoutes.discover, async (c) =>
  send(c, await catalog.discover(c.var.deps, c.var.principal, c.req.valid('query'))),
);
handle(catalogRoutes, CatalogRoutes.search, async (c) =>
  send(c, await catalog.search(c.var.deps, c.var.principal, c.req.valid('query'))),
);
handle(catalogRoutes, CatalogRoutes.genres, async (c) =>
  send(
    c,
    await catalog.genres(c.var.deps, c.var.principal, { ...c.req.valid('param'), ...c.req.valid('query') }),
  ),
);
handle(catalogRoutes, CatalogRoutes.movie, async (c) =>
  send(
    c,
    await catalog.movie(c.var.deps, c.var.principal, { ...c.req.valid('param'), ...c.req.valid('query') }),
  ),
);
handle(catalogRoutes, CatalogRoutes.tv, async (c) =>
  send(
    c,
    await catalog.tv(c.var.deps, c.var.principal, { ...c.req.valid('param'), ...c.req.valid('query') }),
  ),
);
handle(catalogRoutes, CatalogRoutes.season, async (c) =>
  send(
    c,
    await catalog.season(c.var.deps, c.var.principal, { ...c.req.valid('param'), ...c.req.valid('query') }),
  ),
);
handle(catalogRoutes, CatalogRoutes.credits, async (c) =>
  send(
    c,
    await catalog.credits(c.var.deps, c.var.principal, { ...c.req.valid('param'), ...c.req.valid('query') }),
  ),
);
handle(catalogRoutes, CatalogRoutes.videos, async (c) =>
  send(
    c,
    await catalog.videos(c.var.deps, c.var.principal, { ...c.req.valid('param'), ...c.req.valid('query') }),
  ),
);
handle(catalogRoutes, CatalogRoutes.similar, async (c) =>
  send(
    c,
    await catalog.similar(c.var.deps, c.var.principal, { ...c.req.valid('param'), ...c.req.valid('query') }),
  ),
);
handle(catalogRoutes, CatalogRoutes.watchProviders, async (c) =>
  send(c, await catalog.watchProviders(c.var.deps, c.var.principal, c.req.valid('query'))),
);
handle(catalogRoutes, CatalogRoutes.person, async (c) =>
  send(
    c,
    await catalog.person(c.var.deps, c.var.principal, { ...c.req.valid('param'), ...c.req.valid('query') }),
  ),
);
