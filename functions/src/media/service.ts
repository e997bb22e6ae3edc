import {
  type CreateMediaRequest,
  type MediaRef,
  MovieDetails,
  Season,
  type TmdbRef,
  TvDetails,
} from '@sokoul/contracts';
import type { Context } from 'hono';
import { catalogOf } from '../catalog/service.js';
import type { AppEnv } from '../context.js';
import { notFound } from '../http/errors.js';
import type { Db } from '../infra/db.js';
import { titlesChanged } from '../infra/user-data.js';
import {
  findByTmdb,
  findMedia,
  insertMedia,
  mediaKind,
  type NewEpisode,
  type NewMedia,
} from './repository.js';

const yearOf = (date: string | null) => (date ? Number(date.slice(0, 4)) : null);

/**
 * The media row for a TMDB title, created from TMDB's details on first use. A series comes with
 * all its episodes (one cached TMDB call per season), so progress and "next episode" can use them.
 */
export async function ensureFromTmdb(
  c: Context<AppEnv>,
  ref: TmdbRef,
): Promise<{ id: string; created: boolean }> {
  const result = await storeFromTmdb(c, ref);
  // A new title changes other users' answers (its status now has an id).
  if (result.created) await titlesChanged(c.var.infra.cache);
  return result;
}

async function storeFromTmdb(c: Context<AppEnv>, ref: TmdbRef): Promise<{ id: string; created: boolean }> {
  const db = c.var.infra.db;
  const existing = await findByTmdb(db, ref.type, ref.tmdbId);
  if (existing) return { id: existing, created: false };
  const catalog = catalogOf(c);
  if (ref.type === 'movie') {
    const movie = MovieDetails.parse(JSON.parse((await catalog.movie(ref.tmdbId)).body));
    return insertMedia(db, {
      tmdbId: movie.id,
      type: 'movie',
      title: movie.title,
      originalTitle: movie.originalTitle,
      year: movie.year,
      overview: movie.overview,
      posterPath: movie.poster?.path ?? null,
      backdropPath: movie.backdrop?.path ?? null,
      genreIds: movie.genres.map((g) => g.id),
      genres: movie.genres.map((g) => g.name),
      runtimeMinutes: movie.runtime,
    });
  }
  const show = TvDetails.parse(JSON.parse((await catalog.tv(ref.tmdbId)).body));
  const seasons = await Promise.all(
    show.seasons.map(async (s) =>
      Season.parse(JSON.parse((await catalog.season(show.id, s.seasonNumber)).body)),
    ),
  );
  const episodes: NewEpisode[] = seasons.flatMap((season) =>
    season.episodes.map((e) => ({
      season_number: e.seasonNumber,
      episode_number: e.episodeNumber,
      title: e.name || `S${e.seasonNumber}E${e.episodeNumber}`,
      overview: e.overview,
      air_date: e.airDate,
      runtime_minutes: e.runtime,
      still_path: e.still?.path ?? null,
    })),
  );
  return insertMedia(
    db,
    {
      tmdbId: show.id,
      type: 'tv',
      title: show.title,
      originalTitle: show.originalTitle,
      year: yearOf(show.firstAirDate),
      overview: show.overview,
      posterPath: show.poster?.path ?? null,
      backdropPath: show.backdrop?.path ?? null,
      genreIds: show.genres.map((g) => g.id),
      genres: show.genres.map((g) => g.name),
      runtimeMinutes: show.episodeRuntime,
    },
    episodes,
  );
}

/** POST /media: from TMDB, or entered by hand. */
export async function createMedia(
  c: Context<AppEnv>,
  input: CreateMediaRequest,
): Promise<{ id: string; created: boolean }> {
  if ('tmdbId' in input) return ensureFromTmdb(c, input);
  const manual: NewMedia = {
    tmdbId: null,
    type: input.type,
    title: input.title,
    originalTitle: input.originalTitle ?? null,
    year: input.year ?? null,
    overview: input.overview ?? '',
    posterPath: null,
    backdropPath: null,
    genreIds: [],
    genres: input.genres ?? [],
    runtimeMinutes: input.runtimeMinutes ?? null,
  };
  const result = await insertMedia(c.var.infra.db, manual);
  await titlesChanged(c.var.infra.cache);
  return result;
}

/** A media id from a request must exist; anything else is a 404 like a missing one. */
export async function requireMedia(db: Db, id: string): Promise<void> {
  if (!(await mediaKind(db, id))) throw notFound('Media');
}

/** A media row as the API answers it. */
export async function mediaResponse(c: Context<AppEnv>, id: string) {
  const media = await findMedia(c.var.infra.db, c.var.config.TMDB_IMAGE_BASE_URL, id);
  if (!media) throw notFound('Media');
  return media;
}

/** A page of JSON text built by the database, sent as it is. */
export const jsonBody = (c: Context<AppEnv>, body: string) =>
  c.body(body, 200, { 'content-type': 'application/json; charset=utf-8' });

/** The media a request points at: an existing id, or a TMDB title added on the way. */
export async function resolveRef(c: Context<AppEnv>, ref: MediaRef): Promise<string> {
  if ('mediaId' in ref) {
    await requireMedia(c.var.infra.db, ref.mediaId);
    return ref.mediaId;
  }
  return (await ensureFromTmdb(c, ref)).id;
}
