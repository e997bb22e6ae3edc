import {
  DiscoverQuery,
  LanguageQuery,
  SearchQuery,
  SimilarQuery,
  TrendingQuery,
  WatchProvidersQuery,
} from '@sokoul/contracts';
import { type Context, Hono } from 'hono';
import { requireAuth } from '../auth/principal.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../http/errors.js';
import { readMediaType, readQuery, readTmdbId } from '../http/validation.js';
import { type CatalogAnswer, catalogOf } from './service.js';

/** Cached answers are stored serialised and sent as they are. */
function send(c: Context<AppEnv>, answer: CatalogAnswer): Response {
  return c.body(answer.body, 200, {
    'content-type': 'application/json; charset=utf-8',
    'x-cache': answer.state.toUpperCase(),
    'cache-control': 'private, max-age=60',
  });
}

const language = (c: Context<AppEnv>) => readQuery(c, LanguageQuery).language;

export const catalogRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get('/trending', async (c) => send(c, await catalogOf(c).trending(readQuery(c, TrendingQuery))))
  .get('/discover', async (c) => send(c, await catalogOf(c).discover(readQuery(c, DiscoverQuery))))
  .get('/search', async (c) => send(c, await catalogOf(c).search(readQuery(c, SearchQuery))))
  .get('/genres/:type', async (c) => send(c, await catalogOf(c).genres(readMediaType(c), language(c))))
  .get('/movie/:id', async (c) => send(c, await catalogOf(c).movie(readTmdbId(c, 'id'), language(c))))
  .get('/tv/:id', async (c) => send(c, await catalogOf(c).tv(readTmdbId(c, 'id'), language(c))))
  .get('/tv/:id/season/:n', async (c) => {
    const n = c.req.param('n');
    if (!/^\d{1,3}$/.test(n))
      throw new ApiError(400, 'validation_failed', 'Invalid path: n must be a season number');
    return send(c, await catalogOf(c).season(readTmdbId(c, 'id'), Number(n), language(c)));
  })
  .get('/credits/:type/:id', async (c) =>
    send(c, await catalogOf(c).credits(readMediaType(c), readTmdbId(c, 'id'), language(c))),
  )
  .get('/videos/:type/:id', async (c) =>
    send(c, await catalogOf(c).videos(readMediaType(c), readTmdbId(c, 'id'), language(c))),
  )
  .get('/similar/:type/:id', async (c) =>
    send(c, await catalogOf(c).similar(readMediaType(c), readTmdbId(c, 'id'), readQuery(c, SimilarQuery))),
  )
  .get('/watch-providers', async (c) =>
    send(c, await catalogOf(c).watchProviders(readQuery(c, WatchProvidersQuery))),
  )
  .get('/person/:id', async (c) => send(c, await catalogOf(c).person(readTmdbId(c, 'id'), language(c))));
