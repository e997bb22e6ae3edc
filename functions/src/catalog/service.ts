import {
  type ApiConfig,
  type CatalogPage,
  type Credits,
  type DiscoverQuery,
  type GenreList,
  type JsonText,
  type LanguageQuery,
  type MediaType,
  type MovieDetails,
  type Person,
  type RegionProviders,
  regionOf,
  type SearchQuery,
  type Season,
  type SimilarQuery,
  type TitleProviders,
  type TrendingQuery,
  type TvDetails,
  type VideoList,
  type WatchProvidersQuery,
} from '@sokoul/contracts';
import type { Logger } from '@sokoul/durable-objects';
import type { Deps, Principal } from '../context.js';
import { ApiError } from '../errors.js';
import type { Cache } from '../infra/cache.js';
import { createSwr, type SwrPolicy, type SwrState } from '../infra/swr.js';
import { UpstreamFailure } from '../infra/upstream.js';
import * as normalize from './normalize.js';
import { createTmdbClient, type TmdbParams } from './tmdb-client.js';

/** Lists move fast, searches less, details and reference data hardly at all. */
const POLICIES = {
  trending: { freshSeconds: 600, staleSeconds: 86_400 },
  discover: { freshSeconds: 1800, staleSeconds: 86_400 },
  search: { freshSeconds: 3600, staleSeconds: 86_400 },
  details: { freshSeconds: 43_200, staleSeconds: 7 * 86_400 },
  reference: { freshSeconds: 86_400, staleSeconds: 7 * 86_400 },
} satisfies Record<string, SwrPolicy>;
type PolicyName = keyof typeof POLICIES;

/** Bumped when the normalised shapes change, so old cached answers are not served. */
const KEY_VERSION = 'v1';

/** A cached answer: the normalised shape's JSON text, and whether it was fresh, stale or fetched. */
export interface CatalogAnswer<T = unknown> {
  body: JsonText<T>;
  state: SwrState;
}

export function notConfigured(): ApiError {
  return new ApiError(
    503,
    'not_configured',
    'TMDB is not configured: an administrator sets TMDB_API_KEY (a free key from themoviedb.org) in Settings → TMDB, or in .env',
  );
}

/** The answer a route gives when TMDB fails and no cached copy can stand in. */
export function failureResponse(error: UpstreamFailure): ApiError {
  switch (error.kind) {
    case 'not_found':
      return new ApiError(404, 'not_found', error.message);
    case 'rate_limited':
      return new ApiError(503, 'upstream_rate_limited', error.message, {
        'retry-after': String(error.retryAfterSeconds ?? 10),
      });
    default:
      return new ApiError(502, 'upstream_error', error.message);
  }
}

export function createCatalog(deps: {
  config: ApiConfig;
  cache: Cache;
  log: Logger;
  defer: (work: Promise<unknown>) => void;
}) {
  const { config, log } = deps;
  const apiKey = config.TMDB_API_KEY;
  if (!apiKey) throw notConfigured();
  const client = createTmdbClient({
    baseUrl: config.TMDB_API_BASE_URL,
    apiKey,
    timeoutMs: config.TMDB_TIMEOUT_MS,
    cache: deps.cache,
    log,
  });
  const swr = createSwr({
    cache: deps.cache,
    namespace: 'tmdb',
    defer: deps.defer,
    loadTimeoutMs: config.TMDB_TIMEOUT_MS,
    onRefreshError: (error) =>
      log.warn('tmdb refresh failed, serving the cached copy', { error: String(error) }),
  });
  const images = normalize.createImages(config.TMDB_IMAGE_BASE_URL);
  const defaultLanguage = config.TMDB_LANGUAGE;
  /** The household's country when an admin set one (TMDB_REGION), else the language's. */
  const regionFor = (language: string) => config.TMDB_REGION ?? regionOf(language);

  /** One cached TMDB call: the key is the path and every parameter, sorted, language included. */
  async function cached<T>(
    policy: PolicyName,
    path: string,
    params: TmdbParams,
    shape: (data: unknown) => T,
  ): Promise<CatalogAnswer<T>> {
    const query = Object.entries(params)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
      .join('&');
    const forced = config.TMDB_CACHE_TTL_SECONDS;
    const base = POLICIES[policy];
    const effective = forced ? { ...base, freshSeconds: forced } : base;
    try {
      return await swr.get(`tmdb:${KEY_VERSION}:${path}?${query}`, effective, async () =>
        shape(await client.get(path, params)),
      );
    } catch (error) {
      if (error instanceof UpstreamFailure) throw failureResponse(error);
      throw error;
    }
  }

  const lang = (language: string | undefined) => language ?? defaultLanguage;
  /** TMDB filters videos by the request language; trailers are often only in English. */
  const videoLanguages = (language: string) => `${language.slice(0, 2)},en,null`;

  return {
    trending: (q: TrendingQuery) =>
      cached<CatalogPage>(
        'trending',
        `/trending/${q.type}/${q.window}`,
        { language: lang(q.language), page: q.page },
        (d) => normalize.page(images, d, q.type === 'tv' ? 'tv' : 'movie'),
      ),

    discover(q: DiscoverQuery) {
      const movie = q.type === 'movie';
      // Sort names differ between films and series; accept either and translate.
      const sort = q.sort_by
        ?.replace(
          movie ? 'first_air_date' : 'primary_release_date',
          movie ? 'primary_release_date' : 'first_air_date',
        )
        .replace(movie ? 'name.' : 'title.', movie ? 'title.' : 'name.');
      // Ranking by rating without a vote floor surfaces obscure titles with one 10/10 vote.
      const voteFloor = q['vote_count.gte'] ?? (sort?.startsWith('vote_average') ? 200 : undefined);
      return cached<CatalogPage>(
        'discover',
        `/discover/${q.type}`,
        {
          language: lang(q.language),
          page: q.page,
          sort_by: sort,
          with_genres: q.with_genres,
          without_genres: q.without_genres,
          [movie ? 'primary_release_year' : 'first_air_date_year']: q.year,
          'vote_average.gte': q['vote_average.gte'],
          'vote_average.lte': q['vote_average.lte'],
          'vote_count.gte': voteFloor,
          region: q.region,
          with_original_language: q.with_original_language,
          with_watch_providers: q.with_watch_providers,
          watch_region: q.with_watch_providers
            ? (q.watch_region ?? regionFor(lang(q.language)))
            : q.watch_region,
          include_adult: 'false',
        },
        (d) => normalize.page(images, d, q.type),
      );
    },

    search: (q: SearchQuery) =>
      cached<CatalogPage>(
        'search',
        `/search/${q.type}`,
        {
          language: lang(q.language),
          query: q.query,
          page: q.page,
          include_adult: 'false',
          [q.type === 'tv' ? 'first_air_date_year' : 'year']: q.type === 'person' ? undefined : q.year,
        },
        (d) => normalize.page(images, d, q.type === 'multi' ? 'movie' : q.type),
      ),

    movie(id: number, language?: string) {
      const l = lang(language);
      return cached<MovieDetails>(
        'details',
        `/movie/${id}`,
        {
          language: l,
          append_to_response: 'credits,videos,similar,watch/providers,alternative_titles,translations',
          include_video_language: videoLanguages(l),
        },
        (d) => normalize.movie(images, d, l, regionFor(l)),
      );
    },

    tv(id: number, language?: string) {
      const l = lang(language);
      return cached<TvDetails>(
        'details',
        `/tv/${id}`,
        {
          language: l,
          append_to_response: 'credits,videos,similar,watch/providers,alternative_titles,translations',
          include_video_language: videoLanguages(l),
        },
        (d) => normalize.tv(images, d, l, regionFor(l)),
      );
    },

    season: (id: number, n: number, language?: string) =>
      cached<Season>('details', `/tv/${id}/season/${n}`, { language: lang(language) }, (d) =>
        normalize.season(images, d, id, n),
      ),

    credits: (type: MediaType, id: number, language?: string) =>
      cached<Credits>('details', `/${type}/${id}/credits`, { language: lang(language) }, (d) =>
        normalize.creditsOf(images, d),
      ),

    videos(type: MediaType, id: number, language?: string) {
      const l = lang(language);
      return cached<VideoList>(
        'details',
        `/${type}/${id}/videos`,
        { language: l, include_video_language: videoLanguages(l) },
        (d) => normalize.videosOf(d, l),
      );
    },

    similar: (type: MediaType, id: number, q: SimilarQuery) =>
      cached<CatalogPage>(
        'details',
        `/${type}/${id}/similar`,
        { language: lang(q.language), page: q.page },
        (d) => normalize.page(images, d, type),
      ),

    watchProviders(q: WatchProvidersQuery): Promise<CatalogAnswer<TitleProviders | RegionProviders>> {
      const l = lang(q.language);
      const region = q.region ?? regionFor(l);
      if (q.id !== undefined) {
        // TMDB answers every region at once and ignores watch_region here; it keys the cache.
        return cached<TitleProviders>(
          'details',
          `/${q.type}/${q.id}/watch/providers`,
          { watch_region: region },
          (d) => normalize.titleProvidersOf(images, d, region),
        );
      }
      return cached<RegionProviders>(
        'reference',
        `/watch/providers/${q.type}`,
        { language: l, watch_region: region },
        (d) => normalize.regionProvidersOf(images, d, region),
      );
    },

    genres: (type: MediaType, language?: string) =>
      cached<GenreList>('reference', `/genre/${type}/list`, { language: lang(language) }, (d) =>
        normalize.genres(d),
      ),

    person: (id: number, language?: string) =>
      cached<Person>(
        'details',
        `/person/${id}`,
        { language: lang(language), append_to_response: 'combined_credits' },
        (d) => normalize.person(images, d),
      ),
  };
}

/** The catalog for one request: its config, cache and logger, with background work kept alive. */
export const catalogOf = (deps: Deps) => createCatalog({ ...deps, cache: deps.infra.cache });

/** A title's TMDB id (and type, where the path has one), in the request language. */
type Title = LanguageQuery & { id: number };
type TypedTitle = Title & { type: MediaType };

// The catalog operations: each answers its normalised shape as cached JSON text (sent as it is)
// with the cache state. Every signed-in user may read the catalog.

export const trending = (deps: Deps, _principal: Principal, input: TrendingQuery) =>
  catalogOf(deps).trending(input);
export const discover = (deps: Deps, _principal: Principal, input: DiscoverQuery) =>
  catalogOf(deps).discover(input);
export const search = (deps: Deps, _principal: Principal, input: SearchQuery) =>
  catalogOf(deps).search(input);
export const genres = (deps: Deps, _principal: Principal, input: LanguageQuery & { type: MediaType }) =>
  catalogOf(deps).genres(input.type, input.language);
export const movie = (deps: Deps, _principal: Principal, input: Title) =>
  catalogOf(deps).movie(input.id, input.language);
export const tv = (deps: Deps, _principal: Principal, input: Title) =>
  catalogOf(deps).tv(input.id, input.language);
export const season = (deps: Deps, _principal: Principal, input: Title & { n: number }) =>
  catalogOf(deps).season(input.id, input.n, input.language);
export const credits = (deps: Deps, _principal: Principal, input: TypedTitle) =>
  catalogOf(deps).credits(input.type, input.id, input.language);
export const videos = (deps: Deps, _principal: Principal, input: TypedTitle) =>
  catalogOf(deps).videos(input.type, input.id, input.language);
export const similar = (deps: Deps, _principal: Principal, input: TypedTitle & SimilarQuery) =>
  catalogOf(deps).similar(input.type, input.id, input);
export const watchProviders = (deps: Deps, _principal: Principal, input: WatchProvidersQuery) =>
  catalogOf(deps).watchProviders(input);
export const person = (deps: Deps, _principal: Principal, input: Title) =>
  catalogOf(deps).person(input.id, input.language);
