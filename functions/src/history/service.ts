import {
  COMPLETED_RATIO,
  type ContinueList,
  type ContinueQuery,
  type HistoryList,
  type HistoryQuery,
  type JsonText,
  type RecordProgressRequest,
  type RecordProgressResponse,
} from '@sokoul/contracts';
import type { Deps, Principal } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { forUser, userDataChanged } from '../infra/user-data.js';
import { inputKey } from '../library/service.js';
import { findEpisode, mediaKind } from '../media/repository.js';
import { ensureFromTmdb } from '../media/service.js';
import { forgetProgress, listContinue, listHistory, recordProgress } from './repository.js';

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
  const { id } = await ensureFromTmdb(deps, { tmdbId: input.tmdbId, type: input.type });
  if (input.type === 'movie') return id;
  const episode = await findEpisode(db, id, input.seasonNumber ?? -1, input.episodeNumber ?? -1);
  if (!episode) throw notFound('Episode');
  return episode;
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
