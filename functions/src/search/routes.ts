import { SearchRoutes } from '@sokoul/contracts';
import { createRouter, handle } from '../http/openapi.js';
import * as search from './service.js';

export const searchRoutes = createRouter();
handle(searchRoutes, SearchRoutes.start, async (c) =>
  c.json(await search.start(c.var.deps, c.var.principal, c.req.valid('json')), 202),
);
handle(searchRoutes, SearchRoutes.profiles, async (c) =>
  c.json(await search.profiles(c.var.deps, c.var.principal), 200),
);
handle(searchRoutes, SearchRoutes.results, async (c) =>
  c.json(await search.results(c.var.deps, c.var.principal, c.req.valid('param').searchId), 200),
);
handle(searchRoutes, SearchRoutes.latest, async (c) =>
  c.json(
    await search.latest(c.var.deps, c.var.principal, { ...c.req.valid('param'), ...c.req.valid('query') }),
    200,
  ),
);
handle(searchRoutes, SearchRoutes.latestAlias, async (c) =>
  c.json(
    await search.latest(c.var.deps, c.var.principal, { ...c.req.valid('param'), ...c.req.valid('query') }),
    200,
  ),
);
