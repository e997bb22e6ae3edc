import {
  COMPLETED_RATIO,
  type ContinueList,
  type ContinueQuery,
  type HistoryList,
  type HistoryQuery,
  type JsonText,
  type PlaybackPreferences,
  type RecordProgressRequest,
  type RecordProgressResponse,
} from '@sokoul/contracts';
import { findEpisode, mediaKind } from '@sokoul/db';
import type { Deps, Principal } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { forUser, userDataChanged } from '../infra/user-data.js';
import { inputKey } from '../library/service.js';
import { ensureFromTmdb, get as getMedia } from '../media/service.js';
import {
  forgetProgress,
  listContinue,
  listHistory,
  readPreferences,
  recordProgress,
  writePreferences,
} from './repository.js';

/** Clocks drift; a report from further in the future than this is refused rather than trusted. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** The film or episode a progress report is about. */
async function progressTarget(deps: Deps, input: RecordProgressRequest): Promise<string> {
  const db = deps.infra.db;
  if (input.mediaId) {
    const type = await mediaKind(db, input.mediaId);
    if (!type) throw notFound('Media');
    if (type === 'tv') {
      throw new ApiError(
        400,
        'validation_failed',
        'Invalid body: progress is recorded on an episode, not a series',
      );
    }
    return input.mediaId;
  }
  if (input.tmdbId === undefined || input.type === undefined) throw new Error('validated above');
  return (await playableFromTmdb(deps, { ...input, tmdbId: input.tmdbId, type: input.type })).mediaId;
}

/**
 * The film or episode a TMDB id (with season and episode for a series) names, the title added from
 * TMDB on first use: `mediaId` is what plays and records progress, `titleId` the film or series.
 */
export async function playableFromTmdb(
  deps: Deps,
  ref: {
    tmdbId: number;
    type: 'movie' | 'tv';
    seasonNumber?: number | undefined;
    episodeNumber?: number | undefined;
  },
): Promise<{ mediaId: string; titleId: string }> {
  const { id } = await ensureFromTmdb(deps, { tmdbId: ref.tmdbId, type: ref.type });
  if (ref.type === 'movie') return { mediaId: id, titleId: id };
  const episode = await findEpisode(deps.infra.db, id, ref.seasonNumber ?? -1, ref.episodeNumber ?? -1);
  if (!episode) throw notFound('Episode');
  return { mediaId: episode, titleId: id };
}

/**
 * Records the caller's position in a film or an episode. Idempotent, and ordered by the player's
 * clock: a report older than the stored one changes nothing (`applied: false`).
 */
export async function record(
  deps: Deps,
  principal: Principal,
  input: RecordProgressRequest,
): Promise<RecordProgressResponse> {
  const at = input.at ? new Date(input.at) : new Date();
  if (at.getTime() > Date.now() + MAX_CLOCK_SKEW_MS) {
    throw new ApiError(400, 'validation_failed', 'Invalid body: at is in the future');
  }
  const mediaId = await progressTarget(deps, input);
  const position = Math.min(input.positionSeconds, input.durationSeconds);
  const completed = input.inCredits === true || position >= COMPLETED_RATIO * input.durationSeconds;
  const result = await recordProgress(deps.infra.db, principal.userId, mediaId, {
    positionSeconds: position,
    durationSeconds: input.durationSeconds,
    completed,
    at: at.toISOString(),
  });
  if (result.applied) await userDataChanged(deps.infra.cache, principal.userId);
  return { mediaId, ...result };
}

/** The caller's history, most recent first, kept per user between writes. */
export const list = (deps: Deps, principal: Principal, query: HistoryQuery): Promise<JsonText<HistoryList>> =>
  forUser(deps.infra.cache, principal.userId, `history:${inputKey(query)}`, () =>
    listHistory(deps.infra.db, deps.config.TMDB_IMAGE_BASE_URL, principal.userId, query),
  );

/** "Continue watching": what to resume, and the next episode of series. */
export const continueWatching = (
  deps: Deps,
  principal: Principal,
  query: ContinueQuery,
): Promise<JsonText<ContinueList>> =>
  forUser(deps.infra.cache, principal.userId, `continue:${query.limit}`, () =>
    listContinue(deps.infra.db, deps.config.TMDB_IMAGE_BASE_URL, principal.userId, query.limit),
  );

export async function forget(deps: Deps, principal: Principal, mediaId: string): Promise<void> {
  if (!(await forgetProgress(deps.infra.db, principal.userId, mediaId))) {
    throw notFound('This title in your history');
  }
  await userDataChanged(deps.infra.cache, principal.userId);
}

/** Choices are kept per film or series: an episode's id stands for its series. */
async function preferenceTitle(deps: Deps, principal: Principal, mediaId: string): Promise<string> {
  const media = await getMedia(deps, principal, mediaId);
  return media.type === 'episode' && media.parentId ? media.parentId : media.id;
}

/** The caller's last subtitle language and audio track for a film or a series (nulls if never chosen). */
export async function preferences(
  deps: Deps,
  principal: Principal,
  mediaId: string,
): Promise<PlaybackPreferences> {
  const titleId = await preferenceTitle(deps, principal, mediaId);
  return (
    (await readPreferences(deps.infra.db, principal.userId, titleId)) ?? {
      subtitleLanguage: null,
      audioLanguage: null,
    }
  );
}

export async function setPreferences(
  deps: Deps,
  principal: Principal,
  input: { mediaId: string; preferences: PlaybackPreferences },
): Promise<PlaybackPreferences> {
  const titleId = await preferenceTitle(deps, principal, input.mediaId);
  return writePreferences(deps.infra.db, principal.userId, titleId, input.preferences);
}
