import { z } from 'zod';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  errors,
  idParam,
  jsonBody,
  jsonContent,
  MediaTypeParam,
  noContent,
  route,
  TmdbIdParam,
  USER_AUTH,
} from '../http.js';
import {
  LibraryStatus,
  ListEntry,
  MediaRef,
  PersonalList,
  type PersonalListName,
  PersonalListQuery,
} from '../library.js';

const tags = ['Library'];

/** POST (idempotent), GET and DELETE of one of the caller's lists; other users' rows never show. */
const personalList = <const L extends PersonalListName>(list: L, what: string) => ({
  add: route({
    method: 'post',
    path: `/${list}`,
    tags,
    summary: `Add a title to ${what} (a TMDB title is added to Sokoul on the way)`,
    security: USER_AUTH,
    request: { body: jsonBody(MediaRef) },
    responses: {
      200: jsonContent(ListEntry, 'The title was already there: unchanged'),
      201: jsonContent(ListEntry, 'The title, added'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 502, 503),
    },
  }),
  list: route({
    method: 'get',
    path: `/${list}`,
    tags,
    summary: `The titles in ${what}, filtered, sorted and paged`,
    security: USER_AUTH,
    request: { query: PersonalListQuery },
    responses: { 200: jsonContent(PersonalList, 'A page of titles'), ...errors(400, ...AUTH_ERRORS) },
  }),
  remove: route({
    method: 'delete',
    path: `/${list}/{mediaId}`,
    tags,
    summary: `Take a title off ${what}`,
    security: USER_AUTH,
    request: { params: z.object({ mediaId: idParam('Media') }) },
    responses: { 204: noContent('Removed'), ...errors(...AUTH_ERRORS, 404) },
  }),
});

/** The caller's library, and a TMDB title's whole state for the caller. */
export const LibraryRoutes = {
  ...personalList('library', 'your library'),
  status: route({
    method: 'get',
    path: '/library/status/{tmdbId}/{type}',
    tags,
    summary: 'Everything a details page shows about the caller and a TMDB title: lists, progress, files',
    security: USER_AUTH,
    request: { params: z.object({ tmdbId: TmdbIdParam, type: MediaTypeParam }) },
    responses: { 200: jsonContent(LibraryStatus, 'The title’s state'), ...errors(400, ...AUTH_ERRORS) },
  }),
};
export const FavoritesRoutes = personalList('favorites', 'your favourites');
export const WatchlistRoutes = personalList('watchlist', 'your watchlist');
