import {
  MovieDetails,
  type QualityProfileList,
  type SearchResults,
  SearchResultsQuery,
  type SearchTaskPayload,
  StartSearchRequest,
} from '@sokoul/contracts';
import { Hono } from 'hono';
import { requireAuth } from '../auth/principal.js';
import { catalogOf } from '../catalog/service.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../http/errors.js';
import { readId, readJson, readQuery } from '../http/validation.js';
import { mediaResponse, resolveRef } from '../media/service.js';
import { createTask } from '../tasks/service.js';
import { allProfiles, profileNamed } from './profiles.js';
import { latestResults } from './repository.js';

/** The search's identity in storage: same title, episode and text = same search. */
export const queryKeyOf = (season: number | undefined, episode: number | undefined, query: string) =>
  `${season ?? ''}:${episode ?? ''}:${query.trim().toLowerCase()}`;

export const searchRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .post('/', async (c) => {
    const input = await readJson(c, StartSearchRequest);
    const mediaId = await resolveRef(
      c,
      input.mediaId ? { mediaId: input.mediaId } : { tmdbId: input.tmdbId ?? 0, type: input.type ?? 'movie' },
    );
    const media = await mediaResponse(c, mediaId);
    if (media.type === 'episode') {
      throw new ApiError(
        400,
        'validation_failed',
        'Invalid body: search a series with season and episode, not an episode',
      );
    }
    if (media.type === 'movie' && input.season !== undefined) {
      throw new ApiError(400, 'validation_failed', 'Invalid body: season and episode are for series');
    }
    // The IMDb id makes indexer searches exact; without TMDB the title alone will do.
    let imdbId: string | undefined;
    if (media.type === 'movie' && media.tmdbId !== null && c.var.config.TMDB_API_KEY) {
      imdbId = await catalogOf(c)
        .movie(media.tmdbId)
        .then((answer) => MovieDetails.parse(JSON.parse(answer.body)).imdbId ?? undefined)
        .catch(() => undefined);
    }
    const query = input.query ?? media.originalTitle ?? media.title;
    const profile = await profileNamed(c.var.infra.db, c.var.config.TMDB_LANGUAGE, input.profile ?? '1080p');
    const payload: SearchTaskPayload = {
      mediaId,
      // A different profile ranks differently: it is a different search.
      queryKey: `${queryKeyOf(input.season, input.episode, query)}:${profile.name}`,
      profile,
      target: {
        type: media.type,
        titles: [media.title, media.originalTitle].filter((t): t is string => Boolean(t)),
        year: media.year,
        season: input.season,
        episode: input.episode,
        runtimeMinutes: media.runtimeMinutes,
      },
      request: {
        mode: media.type === 'movie' ? 'movie' : 'tvsearch',
        query,
        imdbId,
        tmdbId: media.tmdbId ?? undefined,
        season: input.season,
        episode: input.episode,
      },
    };
    return c.json(await createTask(c.var.infra, c.var.principal, { type: 'search', payload }), 202);
  })
  .get('/profiles', async (c) =>
    c.json({
      profiles: await allProfiles(c.var.infra.db, c.var.config.TMDB_LANGUAGE),
    } satisfies QualityProfileList),
  )
  .get('/:mediaId', async (c) => {
    const mediaId = readId(c, 'mediaId', 'Media');
    const { season, episode } = readQuery(c, SearchResultsQuery);
    const stored = await latestResults(c.var.infra.db, mediaId, season, episode);
    // No results yet is an empty list; an unknown title is a 404.
    if (!stored) await mediaResponse(c, mediaId);
    const body: SearchResults = {
      mediaId,
      results: stored?.results ?? [],
      searchedAt: stored?.searchedAt ?? null,
    };
    return c.json(body);
  });
