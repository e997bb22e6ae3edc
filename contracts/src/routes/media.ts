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
  CreateMediaFileRequest,
  CreateMediaRequest,
  EpisodeList,
  ListMediaQuery,
  Media,
  MediaFile,
  MediaFileList,
  MediaList,
  UpdateMediaRequest,
} from '../library.js';

const MediaParams = z.object({ id: idParam('Media') });
const tags = ['Media'];

/** The household's titles: everyone reads and adds; changing or removing them is for admins. */
export const MediaRoutes = {
  create: route({
    method: 'post',
    path: '/media',
    tags,
    summary: 'Add a title from TMDB (a series with its episodes) or by hand',
    security: USER_AUTH,
    request: { body: jsonBody(CreateMediaRequest) },
    responses: {
      200: jsonContent(Media, 'The title was already known'),
      201: jsonContent(Media, 'The title, added'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 502, 503),
    },
  }),
  list: route({
    method: 'get',
    path: '/media',
    tags,
    summary: 'List titles by type, genre, year, files, fuzzy text',
    security: USER_AUTH,
    request: { query: ListMediaQuery },
    responses: { 200: jsonContent(MediaList, 'A page of titles'), ...errors(400, ...AUTH_ERRORS) },
  }),
  get: route({
    method: 'get',
    path: '/media/{id}',
    tags,
    summary: 'One title',
    security: USER_AUTH,
    request: { params: MediaParams },
    responses: { 200: jsonContent(Media, 'The title'), ...errors(...AUTH_ERRORS, 404) },
  }),
  update: route({
    method: 'patch',
    path: '/media/{id}',
    tags,
    summary: 'Edit a title (admins)',
    security: USER_AUTH,
    request: { params: MediaParams, body: jsonBody(UpdateMediaRequest) },
    responses: {
      200: jsonContent(Media, 'The edited title'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404),
    },
  }),
  remove: route({
    method: 'delete',
    path: '/media/{id}',
    tags,
    summary: 'Remove a title (admins)',
    security: USER_AUTH,
    request: { params: MediaParams },
    responses: { 204: noContent('Removed'), ...errors(...AUTH_ERRORS, 404) },
  }),
  files: route({
    method: 'get',
    path: '/media/{id}/files',
    tags,
    summary: 'Files on disk for a title',
    security: USER_AUTH,
    request: { params: MediaParams },
    responses: { 200: jsonContent(MediaFileList, 'The files'), ...errors(...AUTH_ERRORS, 404) },
  }),
  addFile: route({
    method: 'post',
    path: '/media/{id}/files',
    tags,
    summary: 'Register a file for a title (admins)',
    security: USER_AUTH,
    request: { params: MediaParams, body: jsonBody(CreateMediaFileRequest) },
    responses: {
      201: jsonContent(MediaFile, 'The file'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 409),
    },
  }),
  removeFile: route({
    method: 'delete',
    path: '/media/{id}/files/{fileId}',
    tags,
    summary: 'Forget a file (admins)',
    security: USER_AUTH,
    request: { params: z.object({ id: idParam('Media'), fileId: idParam('File') }) },
    responses: { 204: noContent('Removed'), ...errors(...AUTH_ERRORS, 404) },
  }),
  episodes: route({
    method: 'get',
    path: '/media/{id}/episodes',
    tags,
    summary: "A series' episodes by season, with files and the caller's progress",
    security: USER_AUTH,
    request: { params: MediaParams },
    responses: { 200: jsonContent(EpisodeList, 'Seasons and episodes'), ...errors(...AUTH_ERRORS, 404) },
  }),
};
