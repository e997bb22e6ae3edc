import {
  COMPLETED_RATIO,
  ContinueQuery,
  HistoryQuery,
  RecordProgressRequest,
  type RecordProgressResponse,
} from '@sokoul/contracts';
import { type Context, Hono } from 'hono';
import { requireAuth } from '../auth/principal.js';
import type { AppEnv } from '../context.js';
import { ApiError, notFound } from '../http/errors.js';
import { readId, readJson, readQuery } from '../http/validation.js';
import { forUser, userDataChanged } from '../infra/user-data.js';
import { findEpisode, mediaKind } from '../media/repository.js';
import { ensureFromTmdb, jsonBody } from '../media/service.js';
import { forgetProgress, listContinue, listHistory, recordProgress } from './repository.js';

/** Clocks drift; a report from further in the future than this is refused rather than trusted. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** The film or episode a progress report is about. */
async function progressTarget(c: Context<AppEnv>, input: RecordProgressRequest): Promise<string> {
  const db = c.var.infra.db;
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
  const { id } = await ensureFromTmdb(c, { tmdbId: input.tmdbId, type: input.type });
  if (input.type === 'movie') return id;
  const episode = await findEpisode(db, id, input.seasonNumber ?? -1, input.episodeNumber ?? -1);
  if (!episode) throw notFound('Episode');
  return episode;
}

export const historyRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .post('/', async (c) => {
    const input = await readJson(c, RecordProgressRequest);
    const at = input.at ? new Date(input.at) : new Date();
    if (at.getTime() > Date.now() + MAX_CLOCK_SKEW_MS) {
      throw new ApiError(400, 'validation_failed', 'Invalid body: at is in the future');
    }
    const mediaId = await progressTarget(c, input);
    const position = Math.min(input.positionSeconds, input.durationSeconds);
    const completed = input.inCredits === true || position >= COMPLETED_RATIO * input.durationSeconds;
    const result = await recordProgress(c.var.infra.db, c.var.principal.userId, mediaId, {
      positionSeconds: position,
      durationSeconds: input.durationSeconds,
      completed,
      at: at.toISOString(),
    });
    if (result.applied) await userDataChanged(c.var.infra.cache, c.var.principal.userId);
    const body: RecordProgressResponse = { mediaId, ...result };
    return c.json(body);
  })
  .get('/', async (c) => {
    const query = readQuery(c, HistoryQuery);
    const { userId } = c.var.principal;
    return jsonBody(
      c,
      await forUser(c.var.infra.cache, userId, `history${new URL(c.req.url).search}`, () =>
        listHistory(c.var.infra.db, c.var.config.TMDB_IMAGE_BASE_URL, userId, query),
      ),
    );
  })
  .get('/continue', async (c) => {
    const { limit } = readQuery(c, ContinueQuery);
    const { userId } = c.var.principal;
    return jsonBody(
      c,
      await forUser(c.var.infra.cache, userId, `continue:${limit}`, () =>
        listContinue(c.var.infra.db, c.var.config.TMDB_IMAGE_BASE_URL, userId, limit),
      ),
    );
  })
  .delete('/:mediaId', async (c) => {
    const mediaId = readId(c, 'mediaId', 'Media');
    if (!(await forgetProgress(c.var.infra.db, c.var.principal.userId, mediaId))) {
      throw notFound('This title in your history');
    }
    await userDataChanged(c.var.infra.cache, c.var.principal.userId);
    return c.body(null, 204);
  });
