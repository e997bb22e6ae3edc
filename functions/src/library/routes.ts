import { FavoritesRoutes, LibraryRoutes, type PersonalListName, WatchlistRoutes } from '@sokoul/contracts';
import { createRouter, handle, rawJson } from '../http/openapi.js';
import * as library from './service.js';

const ROUTES = { library: LibraryRoutes, favorites: FavoritesRoutes, watchlist: WatchlistRoutes };

/** POST (idempotent), GET and DELETE of one of the caller's lists. */
function personalList<L extends PersonalListName>(list: L) {
  const router = createRouter();
  const routes = ROUTES[list];
  handle(router, routes.add, async (c) => {
    const { entry, created } = await library.add(c.var.deps, c.var.principal, {
      list,
      ref: c.req.valid('json'),
    });
    return created ? c.json(entry, 201) : c.json(entry, 200);
  });
  handle(router, routes.list, async (c) =>
    rawJson(c, await library.list(c.var.deps, c.var.principal, { list, query: c.req.valid('query') })),
  );
  handle(router, routes.remove, async (c) => {
    await library.remove(c.var.deps, c.var.principal, { list, mediaId: c.req.valid('param').mediaId });
    return c.body(null, 204);
  });
  return router;
}

export const libraryRoutes = personalList('library');
handle(libraryRoutes, LibraryRoutes.status, async (c) =>
  rawJson(c, await library.status(c.var.deps, c.var.principal, c.req.valid('param'))),
);
export const favoritesRoutes = personalList('favorites');
export const watchlistRoutes = personalList('watchlist');
