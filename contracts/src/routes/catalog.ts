import { z } from 'zod';
import {
  CatalogPage,
  Credits,
  DiscoverQuery,
  GenreList,
  LanguageQuery,
  MovieDetails,
  Person,
  RegionProviders,
  SearchQuery,
  Season,
  SimilarQuery,
  TitleProviders,
  TrendingQuery,
  TvDetails,
  VideoList,
  WatchProvidersQuery,
} from '../catalog.js';
import {
  AUTH_ERRORS,
  errors,
  jsonContent,
  MediaTypeParam,
  route,
  SeasonNumberParam,
  TmdbIdParam,
  USER_AUTH,
} from '../http.js';

const tags = ['Catalog'];

/** Every catalog answer comes from the TMDB cache, stored serialised and sent as it is. */
const CACHE_HEADERS = z.object({
  'x-cache': z.enum(['HIT', 'STALE', 'MISS']).meta({
    description: 'HIT: a fresh copy; STALE: an expired copy, refreshed in the background; MISS: asked TMDB',
  }),
  'cache-control': z.string().meta({ example: 'private, max-age=60' }),
});

const cachedContent = <S extends z.ZodType>(schema: S, description: string) => ({
  ...jsonContent(schema, description),
  headers: CACHE_HEADERS,
});

/** TMDB failing without a cached copy: 502 upstream_error; unconfigured or rate-limited: 503. */
const LIST_ERRORS = errors(400, ...AUTH_ERRORS, 502, 503);
/** Titles, seasons and people TMDB does not have are 404s too. */
const TITLE_ERRORS = errors(400, ...AUTH_ERRORS, 404, 502, 503);

/**
 * `SearchQuery` as a plain pipe (its `q` alias step, then its object): route declarations take
 * pipes, not zod's preprocess type; validation and the documented parameters are the same.
 */
const SearchRouteQuery = z.pipe(SearchQuery.in, SearchQuery.out);

const IdParams = z.object({ id: TmdbIdParam });
const TypedIdParams = z.object({ type: MediaTypeParam, id: TmdbIdParam });

/** The TMDB catalog, normalised and cached (stale copies stand in while TMDB fails). */
export const CatalogRoutes = {
  trending: route({
    method: 'get',
    path: '/tmdb/trending',
    tags,
    summary: 'Trending films, series or both, by day or week',
    security: USER_AUTH,
    request: { query: TrendingQuery },
    responses: { 200: cachedContent(CatalogPage, 'A page of titles'), ...LIST_ERRORS },
  }),
  discover: route({
    method: 'get',
    path: '/tmdb/discover',
    tags,
    summary: 'Films or series by genre, year, rating, language and streaming service',
    security: USER_AUTH,
    request: { query: DiscoverQuery },
    responses: { 200: cachedContent(CatalogPage, 'A page of titles'), ...LIST_ERRORS },
  }),
  search: route({
    method: 'get',
    path: '/tmdb/search',
    tags,
    summary: 'Search films, series and people (`q` is short for `query`)',
    security: USER_AUTH,
    request: { query: SearchRouteQuery },
    responses: { 200: cachedContent(CatalogPage, 'A page of results'), ...LIST_ERRORS },
  }),
  genres: route({
    method: 'get',
    path: '/tmdb/genres/{type}',
    tags,
    summary: 'The genres of films or series, in the requested language',
    security: USER_AUTH,
    request: { params: z.object({ type: MediaTypeParam }), query: LanguageQuery },
    responses: { 200: cachedContent(GenreList, 'The genres'), ...LIST_ERRORS },
  }),
  movie: route({
    method: 'get',
    path: '/tmdb/movie/{id}',
    tags,
    summary: 'A film with its cast, crew, videos, similar titles and watch providers',
    security: USER_AUTH,
    request: { params: IdParams, query: LanguageQuery },
    responses: { 200: cachedContent(MovieDetails, 'The film'), ...TITLE_ERRORS },
  }),
  tv: route({
    method: 'get',
    path: '/tmdb/tv/{id}',
    tags,
    summary: 'A series with its seasons, cast, crew, videos, similar titles and watch providers',
    security: USER_AUTH,
    request: { params: IdParams, query: LanguageQuery },
    responses: { 200: cachedContent(TvDetails, 'The series'), ...TITLE_ERRORS },
  }),
  season: route({
    method: 'get',
    path: '/tmdb/tv/{id}/season/{n}',
    tags,
    summary: 'One season of a series with its episodes',
    security: USER_AUTH,
    request: { params: z.object({ id: TmdbIdParam, n: SeasonNumberParam }), query: LanguageQuery },
    responses: { 200: cachedContent(Season, 'The season'), ...TITLE_ERRORS },
  }),
  credits: route({
    method: 'get',
    path: '/tmdb/credits/{type}/{id}',
    tags,
    summary: 'Cast and crew of a film or series',
    security: USER_AUTH,
    request: { params: TypedIdParams, query: LanguageQuery },
    responses: { 200: cachedContent(Credits, 'Cast and crew'), ...TITLE_ERRORS },
  }),
  videos: route({
    method: 'get',
    path: '/tmdb/videos/{type}/{id}',
    tags,
    summary: 'Trailers and other videos of a film or series, trailers first',
    security: USER_AUTH,
    request: { params: TypedIdParams, query: LanguageQuery },
    responses: { 200: cachedContent(VideoList, 'The videos'), ...TITLE_ERRORS },
  }),
  similar: route({
    method: 'get',
    path: '/tmdb/similar/{type}/{id}',
    tags,
    summary: 'Titles like a film or series',
    security: USER_AUTH,
    request: { params: TypedIdParams, query: SimilarQuery },
    responses: { 200: cachedContent(CatalogPage, 'A page of titles'), ...TITLE_ERRORS },
  }),
  watchProviders: route({
    method: 'get',
    path: '/tmdb/watch-providers',
    tags,
    summary: "Where a title can be watched (with `id`), or a region's streaming services (without)",
    security: USER_AUTH,
    request: { query: WatchProvidersQuery },
    responses: {
      200: cachedContent(
        z.union([TitleProviders, RegionProviders]),
        "With `id`: the title's providers in the region; without: the region's services",
      ),
      ...TITLE_ERRORS,
    },
  }),
  person: route({
    method: 'get',
    path: '/tmdb/person/{id}',
    tags,
    summary: 'A person with their filmography, newest first',
    security: USER_AUTH,
    request: { params: IdParams, query: LanguageQuery },
    responses: { 200: cachedContent(Person, 'The person'), ...TITLE_ERRORS },
  }),
};
