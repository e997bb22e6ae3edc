import { z } from 'zod';
import {
  BlocklistList,
  DeleteDownloadQuery,
  Download,
  DownloadDetail,
  DownloadList,
  ListDownloadsQuery,
  SpeedLimits,
  StartDownloadRequest,
  StartedDownload,
} from '../downloads.js';
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

const tags = ['Downloads'];
const IdParams = z.object({ downloadId: idParam('Download') });
const actionResponses = {
  200: jsonContent(Download, 'The download after the change'),
  ...errors(...AUTH_ERRORS, 404, 409),
};

/** Downloads (Hunter): start, follow, pause, resume, reorder, remove; the refused releases. */
export const DownloadRoutes = {
  start: route({
    method: 'post',
    path: '/downloads',
    tags,
    summary: 'Download a release: a stored search result, or a magnet or .torrent URL for a title',
    description:
      'Answers 202 at once: the download waits for a slot (MAX_CONCURRENT_DL), then fetches; follow it with GET /downloads/{downloadId} or the download.* events. The same info hash started twice answers the existing download.',
    security: USER_AUTH,
    request: { body: jsonBody(StartDownloadRequest) },
    responses: {
      202: jsonContent(StartedDownload, 'The download, queued (or the existing one)'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 409),
    },
  }),
  list: route({
    method: 'get',
    path: '/downloads',
    tags,
    summary: "The caller's downloads (an admin's with all=true: everyone's)",
    security: USER_AUTH,
    request: { query: ListDownloadsQuery },
    responses: {
      200: jsonContent(DownloadList, 'Unfinished first, in queue order'),
      ...errors(400, ...AUTH_ERRORS),
    },
  }),
  get: route({
    method: 'get',
    path: '/downloads/{downloadId}',
    tags,
    summary: 'One download with its files',
    security: USER_AUTH,
    request: { params: IdParams },
    responses: { 200: jsonContent(DownloadDetail, 'The download'), ...errors(...AUTH_ERRORS, 404) },
  }),
  pause: route({
    method: 'post',
    path: '/downloads/{downloadId}/pause',
    tags,
    summary: 'Pause a download (no traffic until resumed)',
    security: USER_AUTH,
    request: { params: IdParams },
    responses: actionResponses,
  }),
  resume: route({
    method: 'post',
    path: '/downloads/{downloadId}/resume',
    tags,
    summary: 'Resume a paused, stalled or failed download (it waits for a slot)',
    security: USER_AUTH,
    request: { params: IdParams },
    responses: actionResponses,
  }),
  front: route({
    method: 'post',
    path: '/downloads/{downloadId}/front',
    tags,
    summary: 'Move a waiting download to the front of the queue',
    security: USER_AUTH,
    request: { params: IdParams },
    responses: actionResponses,
  }),
  remove: route({
    method: 'delete',
    path: '/downloads/{downloadId}',
    tags,
    summary: 'Remove a download, with its files when deleteData=true',
    security: USER_AUTH,
    request: { params: IdParams, query: DeleteDownloadQuery },
    responses: { 204: noContent('Removed'), ...errors(400, ...AUTH_ERRORS, 404) },
  }),
  blocklist: route({
    method: 'get',
    path: '/downloads/blocklist',
    tags,
    summary: 'Releases refused for a title after they stalled or failed',
    security: USER_AUTH,
    responses: { 200: jsonContent(BlocklistList, 'Most recent first'), ...errors(...AUTH_ERRORS) },
  }),
  unblock: route({
    method: 'delete',
    path: '/downloads/blocklist/{entryId}',
    tags,
    summary: 'Clear one refused release (a later search may pick it again)',
    security: USER_AUTH,
    request: { params: z.object({ entryId: idParam('Blocklist entry') }) },
    responses: { 204: noContent('Cleared'), ...errors(...AUTH_ERRORS, 404) },
  }),
  limits: route({
    method: 'get',
    path: '/admin/downloads/limits',
    tags,
    summary: 'Global download and upload limits (bytes per second, 0 = none)',
    security: USER_AUTH,
    responses: { 200: jsonContent(SpeedLimits, 'The limits'), ...errors(...AUTH_ERRORS) },
  }),
  setLimits: route({
    method: 'put',
    path: '/admin/downloads/limits',
    tags,
    summary: 'Change the global speed limits at run time (admin)',
    security: USER_AUTH,
    request: { body: jsonBody(SpeedLimits) },
    responses: {
      200: jsonContent(SpeedLimits, 'The limits after the change'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS),
    },
  }),
} as const;
