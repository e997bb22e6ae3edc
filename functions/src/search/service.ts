import {
  MovieDetails,
  type QualityProfileList,
  reportForMember,
  type SearchResults,
  type SearchResultsQuery,
  type SearchTaskPayload,
  type StartedSearch,
  type StartSearchRequest,
  searchKey,
  searchKeyPrefix,
  TvDetails,
} from '@sokoul/contracts';
import { createSearch, deleteSearch, latestSearch, userSearch } from '@sokoul/db';
import { catalogOf } from '../catalog/service.js';
import type { Deps, Principal } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import * as media from '../media/service.js';
import { enqueue } from '../tasks/service.js';
import { allProfiles, profileNamed } from './profiles.js';

/**
 * POST /search: records the caller's search and queues the task that fills it (every indexer,
 * ranked with the chosen quality profile, or a recent identical search's results).
 */
export async function start(
  deps: Deps,
  principal: Principal,
  input: StartSearchRequest,
): Promise<StartedSearch> {
  const mediaId = await media.resolveRef(
    deps,
    input.mediaId ? { mediaId: input.mediaId } : { tmdbId: input.tmdbId ?? 0, type: input.type ?? 'movie' },
  );
  const title = await media.get(deps, principal, mediaId);
  if (title.type === 'episode') {
    throw new ApiError(
      400,
      'validation_failed',
      'Invalid body: search a series with season and episode, not an episode',
    );
  }
  if (title.type === 'movie' && input.season !== undefined) {
    throw new ApiError(400, 'validation_failed', 'Invalid body: season and episode are for series');
  }
  const known = await tmdbFacts(deps, title);
  const query = input.query ?? title.originalTitle ?? title.title;
  const profile = await profileNamed(deps.infra.db, deps.config.TMDB_LANGUAGE, input.profile ?? '1080p');
  const searchId = crypto.randomUUID();
  const key = searchKey({ season: input.season, episode: input.episode, query, profile: profile.name });
  const { db } = deps.infra;
  await createSearch(db, { id: searchId, userId: principal.userId, mediaId, key, profile: profile.name });
  const payload: SearchTaskPayload = {
    searchId,
    mediaId,
    queryKey: key,
    fresh: input.fresh ?? false,
    detailedReports: principal.role === 'admin',
    profile,
    target: {
      type: title.type,
      titles: [
        ...new Set(
          [title.title, title.originalTitle, ...known.otherTitles].filter((t): t is string => Boolean(t)),
        ),
      ],
      year: title.year,
      season: input.season,
      episode: input.episode,
      runtimeMinutes: title.runtimeMinutes,
    },
    request: {
      mode: title.type === 'movie' ? 'movie' : 'tvsearch',
      query,
      imdbId: known.imdbId,
      tmdbId: title.tmdbId ?? undefined,
      season: input.season,
      episode: input.episode,
    },
  };
  try {
    const task = await enqueue(deps.infra, principal, { type: 'search', payload });
    return { task, mediaId, searchId };
  } catch (error) {
    // Nothing will ever fill it: a search that cannot run is not left behind.
    await deleteSearch(db, searchId).catch(() => undefined);
    throw error;
  }
}

/**
 * What TMDB adds to the stored title: the IMDb id that makes indexer searches exact, and every other
 * name the title goes by, so a release named in another language (a French name of an American film,
 * an English one of a Japanese film) is recognised. Without TMDB the stored titles alone will do.
 */
async function tmdbFacts(
  deps: Deps,
  title: { type: 'movie' | 'tv' | 'episode'; tmdbId: number | null },
): Promise<{ imdbId: string | undefined; otherTitles: string[] }> {
  const none = { imdbId: undefined, otherTitles: [] };
  if (title.tmdbId === null || !deps.config.TMDB_API_KEY) return none;
  const catalog = catalogOf(deps);
  try {
    if (title.type === 'movie') {
      const movie = MovieDetails.parse(JSON.parse((await catalog.movie(title.tmdbId)).body));
      return { imdbId: movie.imdbId ?? undefined, otherTitles: movie.alternativeTitles };
    }
    const show = TvDetails.parse(JSON.parse((await catalog.tv(title.tmdbId)).body));
    return { imdbId: undefined, otherTitles: show.alternativeTitles };
  } catch (error) {
    deps.log.warn('search goes on without TMDB details', {
      tmdbId: title.tmdbId,
      error: error instanceof Error ? error.message : String(error),
    });
    return none;
  }
}

export async function profiles(deps: Deps, _principal: Principal): Promise<QualityProfileList> {
  return { profiles: await allProfiles(deps.infra.db, deps.config.TMDB_LANGUAGE) };
}

/**
 * The title's latest completed search, whoever ran it and with whichever profile (one season's or
 * episode's when asked). A title never searched answers empty results; an unknown title is a 404.
 */
export async function latest(
  deps: Deps,
  principal: Principal,
  input: { mediaId: string } & SearchResultsQuery,
): Promise<SearchResults> {
  const prefix = input.season === undefined ? null : searchKeyPrefix(input.season, input.episode);
  const stored = await latestSearch(deps.infra.db, input.mediaId, prefix);
  if (stored) return shownTo(principal, stored);
  await media.get(deps, principal, input.mediaId);
  return {
    searchId: null,
    mediaId: input.mediaId,
    profile: null,
    results: [],
    reports: [],
    cached: false,
    searchedAt: null,
  };
}

/** One of the caller's searches, by the id POST /search gave; anyone else's is a 404. */
export async function results(deps: Deps, principal: Principal, searchId: string): Promise<SearchResults> {
  const found = await userSearch(deps.infra.db, principal.userId, searchId);
  if (!found) throw notFound('Search');
  return shownTo(principal, found);
}

/** Admins see why each indexer failed; members that it did ("indexer unavailable"). */
const shownTo = (principal: Principal, search: SearchResults): SearchResults =>
  principal.role === 'admin' ? search : { ...search, reports: search.reports.map(reportForMember) };
