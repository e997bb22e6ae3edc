import { z } from 'zod';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  errors,
  idParam,
  jsonBody,
  jsonContent,
  noContent,
  route,
  USER_AUTH,
} from '../http.js';
import {
  ContinueList,
  ContinueQuery,
  HistoryList,
  HistoryQuery,
  RecordProgressRequest,
  RecordProgressResponse,
} from '../library.js';

const tags = ['Watch history'];

/** Each user's progress through films and episodes. */
export const HistoryRoutes = {
  record: route({
    method: 'post',
    path: '/watch-history',
    tags,
    summary: 'Record a position in a film or an episode (idempotent; late reports change nothing)',
    description:
      'The title is a `mediaId`, or a TMDB film or episode (`tmdbId`, `type`, and for a series `seasonNumber` and `episodeNumber`), added to Sokoul on the way. Past 90% of the duration, or `inCredits`, the title counts as watched.',
    security: USER_AUTH,
    request: { body: jsonBody(RecordProgressRequest) },
    responses: {
      200: jsonContent(RecordProgressResponse, 'The stored position, and whether this report changed it'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 502, 503),
    },
  }),
  list: route({
    method: 'get',
    path: '/watch-history',
    tags,
    summary: "The caller's history, most recent first",
    security: USER_AUTH,
    request: { query: HistoryQuery },
    responses: { 200: jsonContent(HistoryList, 'A page of history'), ...errors(400, ...AUTH_ERRORS) },
  }),
  continue: route({
    method: 'get',
    path: '/watch-history/continue',
    tags,
    summary: 'Continue watching: films and episodes left midway, and the next episode of series',
    security: USER_AUTH,
    request: { query: ContinueQuery },
    responses: { 200: jsonContent(ContinueList, 'Most recent first'), ...errors(400, ...AUTH_ERRORS) },
  }),
  forget: route({
    method: 'delete',
    path: '/watch-history/{mediaId}',
    tags,
    summary: "Forget the caller's progress on a film or an episode",
    security: USER_AUTH,
    request: { params: z.object({ mediaId: idParam('Media') }) },
    responses: { 204: noContent('Forgotten'), ...errors(...AUTH_ERRORS, 404) },
  }),
};
