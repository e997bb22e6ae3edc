import { z } from 'zod';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  errors,
  idParam,
  jsonBody,
  jsonContent,
  route,
  USER_AUTH,
} from '../http.js';
import {
  QualityProfileList,
  SearchResults,
  SearchResultsQuery,
  StartedSearch,
  StartSearchRequest,
} from '../search.js';

const tags = ['Search'];
const MediaParams = z.object({ mediaId: idParam('Media') });
const latestResponses = {
  200: jsonContent(SearchResults, 'Ranked releases with their reasons and indexer outcomes'),
  ...errors(400, ...AUTH_ERRORS, 404),
};

/** Release searches across the indexers (Scout). */
export const SearchRoutes = {
  start: route({
    method: 'post',
    path: '/search',
    tags,
    summary: 'Search the indexers for a title (optional season, episode, text, profile)',
    description:
      'An identical search (same title, episode, text and profile) made within SEARCH_CACHE_MINUTES is answered from storage unless `fresh` is true. Read the results with GET /searches/{searchId} once the task is done.',
    security: USER_AUTH,
    request: { body: jsonBody(StartSearchRequest) },
    responses: {
      202: jsonContent(StartedSearch, 'The search task, queued, and the search id'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 502, 503),
    },
  }),
  profiles: route({
    method: 'get',
    path: '/search/profiles',
    tags,
    summary: 'Quality profiles a search can use',
    security: USER_AUTH,
    responses: {
      200: jsonContent(QualityProfileList, 'Presets and admin profiles'),
      ...errors(...AUTH_ERRORS),
    },
  }),
  results: route({
    method: 'get',
    path: '/searches/{searchId}',
    tags,
    summary: 'The results of one of the caller’s searches',
    security: USER_AUTH,
    request: { params: z.object({ searchId: idParam('Search') }) },
    responses: {
      200: jsonContent(SearchResults, 'Ranked releases with their reasons and indexer outcomes'),
      ...errors(...AUTH_ERRORS, 404),
    },
  }),
  latest: route({
    method: 'get',
    path: '/search/{mediaId}/latest',
    tags,
    summary: "The title's latest completed search, whoever ran it and with whichever profile",
    security: USER_AUTH,
    request: { params: MediaParams, query: SearchResultsQuery },
    responses: latestResponses,
  }),
  latestAlias: route({
    method: 'get',
    path: '/search/{mediaId}',
    tags,
    summary: 'Same as /search/{mediaId}/latest (the specification’s path)',
    deprecated: true,
    security: USER_AUTH,
    request: { params: MediaParams, query: SearchResultsQuery },
    responses: latestResponses,
  }),
};
