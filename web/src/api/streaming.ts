import {
  HistoryRoutes,
  MediaRoutes,
  type MediaType,
  type PlaybackRequest,
  type RecordProgressRequest,
  type RouteBody,
  StreamingRoutes,
} from '@sokoul/contracts';
import { call, tokens, urlOf } from './client.js';

export const streamingApi = {
  direct: (type: MediaType, tmdbId: number, episode?: { season: number; episode: number }) =>
    call(StreamingRoutes.direct, {
      params: { type, tmdbId },
      query: episode ? { season: String(episode.season), episode: String(episode.episode) } : {},
    }),
  playback: (fileId: string, body: PlaybackRequest) =>
    call(StreamingRoutes.playback, { params: { fileId }, body }),
  availability: (fileId: string) => call(StreamingRoutes.availability, { params: { fileId } }),
  subtitles: (fileId: string) => call(StreamingRoutes.subtitles, { params: { fileId } }),
  /** In the server's preferred languages (TMDB_LANGUAGE first). */
  searchSubtitles: (fileId: string) => call(StreamingRoutes.subtitleSearch, { params: { fileId } }),
  downloadSubtitle: (fileId: string, providerFileId: number) =>
    call(StreamingRoutes.subtitleDownload, { params: { fileId }, body: { providerFileId } }),
  episodes: (seriesId: string) => call(MediaRoutes.episodes, { params: { id: seriesId } }),
  preferences: (mediaId: string) => call(StreamingRoutes.preferences, { params: { mediaId } }),
  setPreferences: (mediaId: string, body: RouteBody<typeof StreamingRoutes.setPreferences>) =>
    call(StreamingRoutes.setPreferences, { params: { mediaId }, body }),
};

/**
 * The last position when the page goes away. `navigator.sendBeacon` cannot carry the Authorization
 * header, and the API authenticates by bearer token only (the session cookie is scoped to /auth),
 * so this is a `fetch` with `keepalive`, which outlives the page like a beacon and keeps the header.
 * No refresh is attempted: an expired token loses this one report, the 10 s ones before it are kept.
 */
export function recordOnLeave(body: RecordProgressRequest): void {
  const token = tokens.access();
  if (!token) return;
  void fetch(urlOf(HistoryRoutes.record), {
    method: 'POST',
    keepalive: true,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  }).catch(() => undefined);
}
