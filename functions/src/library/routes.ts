import { MediaRef, type PersonalListName, PersonalListQuery } from '@sokoul/contracts';
import { Hono } from 'hono';
import { requireAuth } from '../auth/principal.js';
import type { AppEnv } from '../context.js';
import { notFound } from '../http/errors.js';
import { readId, readJson, readMediaType, readQuery, readTmdbId } from '../http/validation.js';
import { forUser, userDataChanged } from '../infra/user-data.js';
import { jsonBody, mediaResponse, resolveRef } from '../media/service.js';
import { addToList, libraryStatus, listEntries, removeFromList } from './repository.js';

const NAMES: Record<PersonalListName, string> = {
  library: 'library',
  favorites: 'favorites',
  watchlist: 'watchlist',
};

/** POST (idempotent), GET and DELETE of one of the user's lists; other users' rows never show. */
function personalList(list: PersonalListName) {
  return new Hono<AppEnv>()
    .use(requireAuth)
    .post('/', async (c) => {
      const mediaId = await resolveRef(c, await readJson(c, MediaRef));
      const { addedAt, created } = await addToList(c.var.infra.db, list, c.var.principal.userId, mediaId);
      if (created) await userDataChanged(c.var.infra.cache, c.var.principal.userId);
      return c.json({ media: await mediaResponse(c, mediaId), addedAt }, created ? 201 : 200);
    })
    .get('/', async (c) => {
      const query = readQuery(c, PersonalListQuery);
      const { userId } = c.var.principal;
      return jsonBody(
        c,
        await forUser(c.var.infra.cache, userId, `${list}${new URL(c.req.url).search}`, () =>
          listEntries(c.var.infra.db, c.var.config.TMDB_IMAGE_BASE_URL, list, userId, query),
        ),
      );
    })
    .delete('/:mediaId', async (c) => {
      const mediaId = readId(c, 'mediaId', 'Media');
      if (!(await removeFromList(c.var.infra.db, list, c.var.principal.userId, mediaId))) {
        throw notFound(`This title in your ${NAMES[list]}`);
      }
      await userDataChanged(c.var.infra.cache, c.var.principal.userId);
      return c.body(null, 204);
    });
}

export const libraryRoutes = personalList('library').get('/status/:tmdbId/:type', async (c) => {
  const tmdbId = readTmdbId(c, 'tmdbId');
  const type = readMediaType(c);
  const { userId } = c.var.principal;
  return jsonBody(
    c,
    await forUser(c.var.infra.cache, userId, `status:${type}:${tmdbId}`, async () =>
      JSON.stringify(await libraryStatus(c.var.infra.db, userId, tmdbId, type)),
    ),
  );
});
export const favoritesRoutes = personalList('favorites');
export const watchlistRoutes = personalList('watchlist');
