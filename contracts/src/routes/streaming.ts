import { z } from 'zod';
import { ErrorBody } from '../errors.js';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  errors,
  idParam,
  jsonBody,
  jsonContent,
  MediaTypeParam,
  PUBLIC,
  route,
  TmdbIdParam,
  USER_AUTH,
} from '../http.js';
import {
  DirectStreamAnswer,
  DirectStreamQuery,
  FileAvailability,
  PlaybackDecision,
  PlaybackPreferences,
  PlaybackRequest,
  StreamSignatureQuery,
  StreamSourceList,
  SubtitleDownloadRequest,
  SubtitleList,
  SubtitleSearchQuery,
  SubtitleSearchResult,
  SubtitleTrack,
  SubtitleTrackId,
  UpdatePlaybackPreferences,
} from '../streaming.js';

const tags = ['Streaming'];
const FileParams = z.object({ fileId: idParam('File') });

/** Bytes with their type, as a player reads them (not JSON). */
const bytes = (description: string, types: string[]) => ({
  description,
  content: Object.fromEntries(types.map((t) => [t, { schema: z.string().meta({ format: 'binary' }) }])),
});
const VIDEO_TYPES = ['video/mp4', 'video/x-matroska', 'video/webm', 'application/octet-stream'];
const SIGNED_ERRORS = errors(400, 403, 404, 503);

/** Watching: sources, "play this now", the bytes (signed URLs), playback decisions, subtitles. */
export const StreamingRoutes = {
  sources: route({
    method: 'get',
    path: '/media/{id}/stream',
    tags,
    summary: "A title's playable sources: library files and downloads in progress, each with a signed URL",
    security: USER_AUTH,
    request: { params: z.object({ id: idParam('Media') }) },
    responses: {
      200: jsonContent(StreamSourceList, 'Best first'),
      ...errors(...AUTH_ERRORS, 404),
    },
  }),
  direct: route({
    method: 'get',
    path: '/streaming/direct/{type}/{tmdbId}',
    tags,
    summary:
      'Play a film or an episode now: library file, else a download in progress, else start the best release',
    description:
      'Follows the chain and reports each step. `starting` and `searching` are asked again until `ready`; an error says why nothing can play (`no_indexer`, `no_release`, `all_stalled`).',
    security: USER_AUTH,
    request: { params: z.object({ type: MediaTypeParam, tmdbId: TmdbIdParam }), query: DirectStreamQuery },
    responses: {
      200: jsonContent(DirectStreamAnswer, 'What plays, or what is on its way'),
      ...errors(400, ...AUTH_ERRORS, 404, 409, 502, 503),
    },
  }),
  stream: route({
    method: 'get',
    path: '/files/{fileId}/stream',
    tags,
    summary: "A file's bytes with HTTP Range (also HEAD, If-Range), also while it downloads",
    description:
      'The URL comes signed from the API (sources, direct, playback); it is bound to the user and the file and expires after STREAM_URL_TTL seconds.',
    security: PUBLIC,
    request: { params: FileParams, query: StreamSignatureQuery },
    responses: {
      200: bytes('The whole file', VIDEO_TYPES),
      206: bytes('The range asked for', VIDEO_TYPES),
      416: jsonContent(ErrorBody, 'Range not satisfiable (`Content-Range: bytes */size`)'),
      ...SIGNED_ERRORS,
    },
  }),
  remux: route({
    method: 'get',
    path: '/files/{fileId}/remux',
    tags,
    summary: 'The file remuxed (or transcoded) on the fly into fragmented MP4, from `start` seconds',
    security: PUBLIC,
    request: {
      params: FileParams,
      query: StreamSignatureQuery.extend({
        start: z
          .string()
          .regex(/^\d{1,6}(\.\d{1,3})?$/, 'must be a time in seconds')
          .optional(),
        audio: z
          .string()
          .regex(/^\d{1,2}$/, 'must be an audio track index')
          .optional(),
        mode: z.enum(['remux', 'transcode']).optional(),
        acodec: z.enum(['copy', 'aac']).optional().meta({
          description: '`copy` when the browser plays the audio track as it is, else AAC (default)',
        }),
      }),
    },
    responses: {
      200: bytes('Fragmented MP4', ['video/mp4']),
      ...errors(400, 403, 404, 429, 502, 503),
    },
  }),
  playback: route({
    method: 'post',
    path: '/files/{fileId}/playback',
    tags,
    summary: 'How this browser plays this file: direct, remux or transcode, and why',
    security: USER_AUTH,
    request: { params: FileParams, body: jsonBody(PlaybackRequest) },
    responses: {
      200: jsonContent(PlaybackDecision, 'The decision and the signed URL to play'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 503),
    },
  }),
  availability: route({
    method: 'get',
    path: '/files/{fileId}/availability',
    tags,
    summary: 'Which bytes of a file are on disk',
    security: USER_AUTH,
    request: { params: FileParams },
    responses: {
      200: jsonContent(FileAvailability, 'Byte ranges on disk'),
      ...errors(...AUTH_ERRORS, 404, 503),
    },
  }),
  subtitles: route({
    method: 'get',
    path: '/files/{fileId}/subtitles',
    tags,
    summary: "A file's subtitles: embedded tracks, files beside it, downloaded ones",
    security: USER_AUTH,
    request: { params: FileParams },
    responses: {
      200: jsonContent(SubtitleList, 'Each with a signed WebVTT URL when convertible'),
      ...errors(...AUTH_ERRORS, 404, 503),
    },
  }),
  subtitleSearch: route({
    method: 'get',
    path: '/files/{fileId}/subtitles/search',
    tags,
    summary: 'Search OpenSubtitles for this file (moviehash first, then the title ids)',
    security: USER_AUTH,
    request: { params: FileParams, query: SubtitleSearchQuery },
    responses: {
      200: jsonContent(SubtitleSearchResult, 'Candidates, best first, and the quota left'),
      ...errors(400, ...AUTH_ERRORS, 404, 429, 502, 503),
    },
  }),
  subtitleDownload: route({
    method: 'post',
    path: '/files/{fileId}/subtitles',
    tags,
    summary: 'Download an OpenSubtitles subtitle and keep it beside the file',
    security: USER_AUTH,
    request: { params: FileParams, body: jsonBody(SubtitleDownloadRequest) },
    responses: {
      201: jsonContent(SubtitleTrack, 'The subtitle, kept (or already kept)'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 429, 502, 503),
    },
  }),
  subtitleVtt: route({
    method: 'get',
    path: '/files/{fileId}/subtitles/{trackId}',
    tags,
    summary: 'One subtitle track as WebVTT (signed like streams)',
    security: PUBLIC,
    request: {
      params: z.object({ fileId: idParam('File'), trackId: SubtitleTrackId }),
      query: StreamSignatureQuery,
    },
    responses: {
      200: { description: 'WebVTT', content: { 'text/vtt': { schema: z.string() } } },
      ...errors(400, 403, 404, 409, 503),
    },
  }),
  preferences: route({
    method: 'get',
    path: '/playback/preferences/{mediaId}',
    tags,
    summary: "The caller's last subtitle language and audio track for a film or a series",
    security: USER_AUTH,
    request: { params: z.object({ mediaId: idParam('Media') }) },
    responses: {
      200: jsonContent(PlaybackPreferences, 'Null fields when never chosen'),
      ...errors(...AUTH_ERRORS, 404),
    },
  }),
  setPreferences: route({
    method: 'put',
    path: '/playback/preferences/{mediaId}',
    tags,
    summary: "Keep the caller's subtitle language and audio track for a film or a series",
    security: USER_AUTH,
    request: { params: z.object({ mediaId: idParam('Media') }), body: jsonBody(UpdatePlaybackPreferences) },
    responses: {
      200: jsonContent(PlaybackPreferences, 'The stored choices'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404),
    },
  }),
};
