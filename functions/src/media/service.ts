import {
  type CreateMediaFileRequest,
  type CreateMediaRequest,
  type EpisodeList,
  type JsonText,
  type ListMediaQuery,
  type Media,
  type MediaFile,
  type MediaFileList,
  type MediaList,
  type MediaRef,
  MovieDetails,
  Season,
  type TmdbRef,
  TvDetails,
  type UpdateMediaRequest,
} from '@sokoul/contracts';
import {
  deleteFile,
  deleteMedia,
  findByTmdb,
  findMedia,
  insertFile,
  insertMedia,
  listFiles,
  listMedia,
  mediaKind,
  type NewEpisode,
  type NewMedia,
  updateMedia,
} from '@sokoul/db';
import { assertAdmin } from '../auth/roles.js';
import { catalogOf } from '../catalog/service.js';
import type { Deps, Principal } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { listEpisodes } from '../history/repository.js';
import { type Db, isUniqueViolation } from '../infra/db.js';
import { titlesChanged } from '../infra/user-data.js';

const yearOf = (date: string | null) => (date ? Number(date.slice(0, 4)) : null);

/**
 * The media row for a TMDB title, created from TMDB's details on first use. A series comes with
 * all its episodes (one cached TMDB call per season), so progress and "next episode" can use them.
 */
export async function ensureFromTmdb(deps: Deps, ref: TmdbRef): Promise<{ id: string; created: boolean }> {
  const result = await storeFromTmdb(deps, ref);
  // A new title changes other users' answers (its status now has an id).
  if (result.created) await titlesChanged(deps.infra.cache);
  return result;
}

async function storeFromTmdb(deps: Deps, ref: TmdbRef): Promise<{ id: string; created: boolean }> {
  const db = deps.infra.db;
  const existing = await findByTmdb(db, ref.type, ref.tmdbId);
  if (existing) return { id: existing, created: false };
  const catalog = catalogOf(deps);
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
export async function create(
  deps: Deps,
  principal: Principal,
  input: CreateMediaRequest,
): Promise<{ media: Media; created: boolean }> {
  let result: { id: string; created: boolean };
  if ('tmdbId' in input) {
    result = await ensureFromTmdb(deps, input);
  } else {
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
    result = await insertMedia(deps.infra.db, manual);
    await titlesChanged(deps.infra.cache);
  }
  return { media: await get(deps, principal, result.id), created: result.created };
}

/** A media id from a request must exist; anything else is a 404 like a missing one. */
export async function requireMedia(db: Db, id: string): Promise<void> {
  if (!(await mediaKind(db, id))) throw notFound('Media');
}

/** A media row as the API answers it. */
export async function get(deps: Deps, _principal: Principal, id: string): Promise<Media> {
  const media = await findMedia(deps.infra.db, deps.config.TMDB_IMAGE_BASE_URL, id);
  if (!media) throw notFound('Media');
  return media;
}

export const list = (
  deps: Deps,
  _principal: Principal,
  query: ListMediaQuery,
): Promise<JsonText<MediaList>> => listMedia(deps.infra.db, deps.config.TMDB_IMAGE_BASE_URL, query);

export async function update(
  deps: Deps,
  principal: Principal,
  input: { id: string; changes: UpdateMediaRequest },
): Promise<Media> {
  assertAdmin(principal);
  if (!(await updateMedia(deps.infra.db, input.id, input.changes))) throw notFound('Media');
  await titlesChanged(deps.infra.cache);
  return get(deps, principal, input.id);
}

export async function remove(deps: Deps, principal: Principal, id: string): Promise<void> {
  assertAdmin(principal);
  if (!(await deleteMedia(deps.infra.db, id))) throw notFound('Media');
  await titlesChanged(deps.infra.cache);
}

export async function files(deps: Deps, _principal: Principal, id: string): Promise<MediaFileList> {
  await requireMedia(deps.infra.db, id);
  return { files: await listFiles(deps.infra.db, id) };
}

export async function addFile(
  deps: Deps,
  principal: Principal,
  input: { id: string; file: CreateMediaFileRequest },
): Promise<MediaFile> {
  assertAdmin(principal);
  await requireMedia(deps.infra.db, input.id);
  try {
    const file = await insertFile(deps.infra.db, input.id, input.file);
    await titlesChanged(deps.infra.cache);
    return file;
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ApiError(409, 'conflict', 'A file with this path is already known');
    throw error;
  }
}

export async function removeFile(
  deps: Deps,
  principal: Principal,
  input: { id: string; fileId: string },
): Promise<void> {
  assertAdmin(principal);
  if (!(await deleteFile(deps.infra.db, input.id, input.fileId))) throw notFound('File');
  await titlesChanged(deps.infra.cache);
}

export async function episodes(deps: Deps, principal: Principal, id: string): Promise<EpisodeList> {
  const found = await listEpisodes(deps.infra.db, principal.userId, id);
  if (!found) throw notFound('Series');
  return found;
}

/** The media a request points at: an existing id, or a TMDB title added on the way. */
export async function resolveRef(deps: Deps, ref: MediaRef): Promise<string> {
  if ('mediaId' in ref) {
    await requireMedia(deps.infra.db, ref.mediaId);
    return ref.mediaId;
  }
  return (await ensureFromTmdb(deps, ref)).id;
}
