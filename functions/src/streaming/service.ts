import {
  type ClientCapabilities,
  type DirectStepReport,
  type DirectStreamAnswer,
  type Download,
  type DownloadState,
  FileAvailability,
  FileProbe,
  InternalSubtitleList,
  type MediaFile,
  type PlaybackDecision,
  SearchTaskPayload,
  type StreamSignatureQuery,
  type StreamSource,
  type StreamSourceList,
  type SubtitleList,
  SubtitleSearchResult,
  type SubtitleTrack,
  searchKeyPrefix,
  signStream,
  verifyStream,
} from '@sokoul/contracts';
import { downloadingFiles, listFiles, nextBestResult, type StreamFile, streamFile } from '@sokoul/db';
import type { z } from 'zod';
import { listIndexers } from '../admin/indexers.js';
import type { Deps, Principal } from '../context.js';
import * as downloads from '../downloads/service.js';
import { ApiError, notFound } from '../errors.js';
import { playableFromTmdb } from '../history/service.js';
import * as media from '../media/service.js';
import * as search from '../search/service.js';
import * as tasks from '../tasks/service.js';
import { decidePlayback } from './decide.js';
import { forward, internal } from './torrent-node.js';

/**
 * Watching. The API decides who may read which file (a library file: any user of the household;
 * a download's file: its owner, or an admin) and hands out signed, expiring URLs of the bytes;
 * torrent-node (torrent-node.ts) serves them and answers what is in a file. "Play this now"
 * follows the chain library file → download in progress → recent search → new download.
 */

type DownloadFile = Extract<StreamFile, { kind: 'download' }>;

/** What plays: a film, or an episode (of its series' downloads and searches). */
interface Target {
  /** The film or the episode. */
  mediaId: string;
  /** The film or the series: what downloads and searches are recorded on. */
  titleId: string;
  season?: number | undefined;
  episode?: number | undefined;
}

/** Downloads that may still give bytes (what `downloadingFiles` reads too). */
const LIVE: readonly DownloadState[] = ['metadata', 'downloading', 'paused', 'stalled', 'queued'];
/** Playback starts once about this much of the file is there (for the "lecture dans ~N s" estimate). */
const FIRST_BYTES = 8 * 1024 * 1024;
/** Best first, after readiness. */
const RESOLUTIONS = ['2160p', '1080p', '720p', '576p', '480p'];
/**
 * A search that just finished always answers the ask that follows it, even with the repeat window
 * (SEARCH_CACHE_MINUTES) off: else every ask would start another search.
 */
const MIN_SEARCH_WINDOW_MINUTES = 2;

const ownerOf = (principal: Principal) => (principal.role === 'admin' ? null : principal.userId);
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const extension = (path: string) => {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : null;
};

// ---- signed URLs ----

async function signed(
  deps: Deps,
  userId: string,
  fileId: string,
): Promise<{ query: string; expiresAt: string }> {
  const exp = Math.floor(Date.now() / 1000) + deps.config.STREAM_URL_TTL;
  const query = await signStream(deps.config.INTERNAL_SIGNING_KEY, { fileId, userId, exp });
  return { query, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * The bytes of a signed route (`stream`, `remux`, a subtitle's WebVTT), once the API itself has
 * checked the signature (torrent-node checks it again): only then is anything forwarded.
 */
export async function signedBytes(
  deps: Deps,
  input: { fileId: string; signature: StreamSignatureQuery; request: Request; path: string },
): Promise<Response> {
  const check = await verifyStream(deps.config.INTERNAL_SIGNING_KEY, input.fileId, input.signature);
  if (check === 'forged') {
    throw new ApiError(403, 'invalid_signature', 'This link is not valid for this file');
  }
  if (check === 'expired') {
    throw new ApiError(
      403,
      'signature_expired',
      'This link has expired: open the title again to get a new one',
    );
  }
  return forward(deps, input.request, `/files/${input.fileId}/${input.path}`);
}

// ---- who may read what ----

/** A file the caller may read; another user's download file is as absent as a missing one. */
async function readable(deps: Deps, principal: Principal, fileId: string): Promise<StreamFile> {
  const file = await streamFile(deps.infra.db, fileId);
  const allowed =
    file !== undefined &&
    (file.kind === 'library' || principal.role === 'admin' || file.userId === principal.userId);
  if (!file || !allowed) throw notFound('File');
  return file;
}

/** A film or an episode; a series plays episode by episode. */
async function targetOf(deps: Deps, principal: Principal, mediaId: string): Promise<Target> {
  const title = await media.get(deps, principal, mediaId);
  if (title.type === 'tv') {
    throw new ApiError(404, 'not_found', 'A series plays episode by episode: ask for one of its episodes');
  }
  if (title.type === 'episode' && title.parentId) {
    return {
      mediaId: title.id,
      titleId: title.parentId,
      season: title.seasonNumber ?? undefined,
      episode: title.episodeNumber ?? undefined,
    };
  }
  return { mediaId: title.id, titleId: title.id };
}

// ---- sources ----

async function librarySource(deps: Deps, principal: Principal, file: MediaFile): Promise<StreamSource> {
  const { query, expiresAt } = await signed(deps, principal.userId, file.id);
  return {
    fileId: file.id,
    kind: 'library',
    mediaId: file.mediaId,
    name: baseName(file.path),
    quality: file.quality,
    resolution: file.resolution,
    sizeBytes: file.sizeBytes,
    container: file.container,
    videoCodec: file.videoCodec,
    audioCodec: file.audioCodec,
    durationSeconds: file.durationSeconds,
    state: 'ready',
    progress: 1,
    downloadId: null,
    downloadState: null,
    url: `/files/${file.id}/stream?${query}`,
    expiresAt,
  };
}

/** A file still downloading: known by its name and size until it is imported and probed. */
async function downloadSource(
  deps: Deps,
  principal: Principal,
  mediaId: string,
  file: DownloadFile,
): Promise<StreamSource> {
  const { query, expiresAt } = await signed(deps, principal.userId, file.fileId);
  const complete = file.bytesDone >= file.sizeBytes;
  return {
    fileId: file.fileId,
    kind: 'download',
    mediaId,
    name: baseName(file.path),
    quality: null,
    resolution: null,
    sizeBytes: file.sizeBytes,
    container: extension(file.path),
    videoCodec: null,
    audioCodec: null,
    durationSeconds: null,
    state: complete ? 'ready' : 'downloading',
    progress: file.sizeBytes > 0 ? Math.min(1, file.bytesDone / file.sizeBytes) : 0,
    downloadId: file.downloadId,
    downloadState: file.state,
    url: `/files/${file.fileId}/stream?${query}`,
    expiresAt,
  };
}

const resolutionRank = (resolution: string | null) => {
  const rank = RESOLUTIONS.indexOf(resolution ?? '');
  return rank === -1 ? RESOLUTIONS.length : rank;
};

/** Ready before downloading, then the sharpest, then the largest. */
const bestFirst = (a: StreamSource, b: StreamSource) =>
  Number(a.state !== 'ready') - Number(b.state !== 'ready') ||
  resolutionRank(a.resolution) - resolutionRank(b.resolution) ||
  b.sizeBytes - a.sizeBytes;

async function librarySources(deps: Deps, principal: Principal, target: Target): Promise<StreamSource[]> {
  const files = await listFiles(deps.infra.db, target.mediaId);
  return Promise.all(files.map((file) => librarySource(deps, principal, file)));
}

/** The video files of the live downloads of the target the caller may read (admins: everyone's). */
async function downloadFiles(deps: Deps, principal: Principal, target: Target): Promise<DownloadFile[]> {
  const files = await downloadingFiles(
    deps.infra.db,
    { mediaId: target.titleId, seasonNumber: target.season, episodeNumber: target.episode },
    ownerOf(principal),
  );
  return files.filter((file): file is DownloadFile => file.kind === 'download');
}

/** GET /media/:id/stream: a film's or an episode's library files and live downloads, best first. */
export async function sources(deps: Deps, principal: Principal, mediaId: string): Promise<StreamSourceList> {
  const target = await targetOf(deps, principal, mediaId);
  const [library, downloading] = await Promise.all([
    librarySources(deps, principal, target),
    downloadFiles(deps, principal, target).then((files) =>
      Promise.all(files.map((file) => downloadSource(deps, principal, target.mediaId, file))),
    ),
  ]);
  return { mediaId, sources: [...library, ...downloading].sort(bestFirst) };
}

// ---- "play this now" ----

/** Seconds until the first bytes a player needs are there, at the download's current speed. */
function etaSeconds(download: Download): number | null {
  if (download.downloadSpeed <= 0) return null;
  return Math.ceil(Math.max(0, FIRST_BYTES - download.bytesDone) / download.downloadSpeed);
}

const step = (
  name: DirectStepReport['step'],
  outcome: DirectStepReport['outcome'],
  code: string | null = null,
): DirectStepReport => ({ step: name, outcome, code });

/** The part of a search task's payload that says what it searches. */
const SearchTaskTarget = SearchTaskPayload.pick({ searchId: true, mediaId: true, queryKey: true });

/**
 * The caller's search of the target within the repeat window, newest first: one still running
 * (its task), or a completed one (its id). Failed and cancelled ones are passed over.
 */
export async function recentSearch(
  deps: Deps,
  principal: Principal,
  target: Target,
): Promise<{ running: string } | { searchId: string } | undefined> {
  const prefix = target.season === undefined ? '::' : searchKeyPrefix(target.season, target.episode);
  const minutes = Math.max(deps.config.SEARCH_CACHE_MINUTES, MIN_SEARCH_WINDOW_MINUTES);
  const since = Date.now() - minutes * 60_000;
  const { tasks: recent } = await tasks.list(deps, principal, { type: 'search', limit: 50 });
  for (const task of recent) {
    if (Date.parse(task.createdAt) < since) break;
    const searched = SearchTaskTarget.safeParse(task.payload);
    if (!searched.success) continue;
    if (searched.data.mediaId !== target.titleId || !searched.data.queryKey.startsWith(prefix)) continue;
    if (task.status === 'pending' || task.status === 'running') return { running: task.id };
    if (task.status === 'done') return { searchId: searched.data.searchId };
  }
  return undefined;
}

/** Whether torrent-node has anywhere to search: Jackett, Prowlarr, or an indexer an admin added. */
export async function hasIndexer(deps: Deps): Promise<boolean> {
  if (deps.config.JACKETT_URL || deps.config.PROWLARR_URL) return true;
  return (await listIndexers(deps.infra.db)).some((indexer) => indexer.enabled);
}

/**
 * GET /streaming/direct/:type/:tmdbId: what plays now, or what is on its way. Each step of the chain
 * is reported; nothing at all to play is an error naming why (`no_indexer`, `no_release`,
 * `all_stalled`).
 */
export async function direct(
  deps: Deps,
  principal: Principal,
  input: { type: 'movie' | 'tv'; tmdbId: number; season?: number | undefined; episode?: number | undefined },
): Promise<DirectStreamAnswer> {
  if (input.type === 'movie' && (input.season !== undefined || input.episode !== undefined)) {
    throw new ApiError(400, 'validation_failed', 'Invalid query: season and episode are for series');
  }
  if (input.type === 'tv' && (input.season === undefined || input.episode === undefined)) {
    throw new ApiError(
      400,
      'validation_failed',
      'Invalid query: a series plays by episode (season and episode)',
    );
  }
  const { mediaId, titleId } = await playableFromTmdb(deps, {
    tmdbId: input.tmdbId,
    type: input.type,
    seasonNumber: input.season,
    episodeNumber: input.episode,
  });
  const target: Target = { mediaId, titleId, season: input.season, episode: input.episode };
  const steps: DirectStepReport[] = [];

  // 1. A library file.
  const [library] = (await librarySources(deps, principal, target)).sort(bestFirst);
  if (library) {
    steps.push(step('library', 'found'));
    return { status: 'ready', mediaId, source: library, steps };
  }
  steps.push(step('library', 'none', 'no_file'));

  // 2. A download in progress (a stalled one gives nothing: the chain goes on without it).
  const [{ downloads: listed }, files] = await Promise.all([
    downloads.list(deps, principal, {
      mediaId: titleId,
      all: principal.role === 'admin' ? 'true' : undefined,
      limit: 200,
    }),
    downloadFiles(deps, principal, target),
  ]);
  const live = listed.filter(
    (d) =>
      d.mediaId === titleId &&
      d.season === (input.season ?? null) &&
      d.episode === (input.episode ?? null) &&
      LIVE.includes(d.state),
  );
  const moving = live.filter((d) => d.state !== 'stalled');
  const withFile = moving.find((d) => files.some((f) => f.downloadId === d.id));
  const current = withFile ?? moving[0];
  if (current) {
    const file = files.find((f) => f.downloadId === current.id);
    if (file) {
      steps.push(step('download', 'found'));
      return {
        status: 'ready',
        mediaId,
        source: await downloadSource(deps, principal, mediaId, file),
        steps,
      };
    }
    steps.push(step('download', 'waiting'));
    return {
      status: 'starting',
      mediaId,
      downloadId: current.id,
      source: null,
      etaSeconds: etaSeconds(current),
      steps,
    };
  }
  const allStalled = live.length > 0;
  steps.push(step('download', 'none', allStalled ? 'all_stalled' : 'no_download'));

  // 3. The caller's recent search, else a new one.
  const found = await recentSearch(deps, principal, target);
  if (found && 'running' in found) {
    steps.push(step('search', 'waiting'));
    return { status: 'searching', mediaId, taskId: found.running, steps };
  }
  if (!found) {
    if (!(await hasIndexer(deps))) {
      throw new ApiError(
        409,
        'no_indexer',
        'No indexer is configured to find a release: an administrator adds one (Settings → Indexers) or sets JACKETT_URL or PROWLARR_URL',
      );
    }
    const started = await search.start(deps, principal, {
      mediaId: titleId,
      season: input.season,
      episode: input.episode,
    });
    steps.push(step('search', 'started'));
    return { status: 'searching', mediaId, taskId: started.task.id, steps };
  }
  steps.push(step('search', 'found'));

  // 4. The best release not refused for this title nor tried for it before.
  const best = await nextBestResult(deps.infra.db, found.searchId, titleId);
  if (!best) {
    if (allStalled) {
      throw new ApiError(
        409,
        'all_stalled',
        'Every download of this title stalled and the search found no other release to try',
      );
    }
    throw new ApiError(404, 'no_release', 'The search found no acceptable release of this title');
  }
  const started = await downloads.start(deps, principal, { resultId: best.id });
  steps.push(step('start', 'started'));
  return {
    status: 'starting',
    mediaId,
    downloadId: started.download.id,
    source: null,
    etaSeconds: etaSeconds(started.download),
    steps,
  };
}

// ---- playback and file questions ----

/** POST /files/:id/playback: direct, remux or transcode for this browser, with the URL to play. */
export async function playback(
  deps: Deps,
  principal: Principal,
  input: { fileId: string; capabilities: ClientCapabilities; audioTrack?: number | undefined },
): Promise<PlaybackDecision> {
  await readable(deps, principal, input.fileId);
  const probe = await internal(deps, `/internal/files/${input.fileId}/probe`, FileProbe);
  const choice = decidePlayback(probe, input.capabilities, input.audioTrack);
  const { query, expiresAt } = await signed(deps, principal.userId, input.fileId);
  let url = `/files/${input.fileId}/stream?${query}`;
  if (choice.mode !== 'direct') {
    const options = new URLSearchParams({ mode: choice.mode, acodec: choice.audioCodecOut });
    if (choice.audioTrack !== null) options.set('audio', String(choice.audioTrack));
    url = `/files/${input.fileId}/remux?${query}&${options}`;
  }
  return {
    fileId: input.fileId,
    mode: choice.mode,
    reasons: choice.reasons,
    url,
    seek: choice.mode === 'direct' ? 'native' : 'restart',
    expiresAt,
    container: probe.container,
    videoCodec: probe.videoCodec,
    audioCodec: probe.audioTracks.find((t) => t.index === choice.audioTrack)?.codec ?? null,
    durationSeconds: probe.durationSeconds,
    audioTracks: probe.audioTracks,
    audioTrack: choice.audioTrack,
  };
}

/** GET /files/:id/availability: the byte ranges on disk (all of a library file). */
export async function availability(
  deps: Deps,
  principal: Principal,
  fileId: string,
): Promise<FileAvailability> {
  await readable(deps, principal, fileId);
  return internal(deps, `/internal/files/${fileId}/availability`, FileAvailability);
}

/** A subtitle as torrent-node knows it (no URL: only the API signs). */
const KeptTrack = InternalSubtitleList.shape.tracks.element;
type KeptTrack = z.infer<typeof KeptTrack>;

/** A track with its signed WebVTT URL when it can become WebVTT. */
function withUrl(fileId: string, query: string, track: KeptTrack): SubtitleTrack {
  return {
    ...track,
    url: track.convertible ? `/files/${fileId}/subtitles/${encodeURIComponent(track.id)}?${query}` : null,
  };
}

/** GET /files/:id/subtitles: embedded tracks, files beside it and kept downloads, with signed URLs. */
export async function subtitles(deps: Deps, principal: Principal, fileId: string): Promise<SubtitleList> {
  await readable(deps, principal, fileId);
  const list = await internal(deps, `/internal/files/${fileId}/subtitles`, InternalSubtitleList);
  const { query } = await signed(deps, principal.userId, fileId);
  return { fileId, tracks: list.tracks.map((t) => withUrl(fileId, query, t)) };
}

/** The household's languages for subtitles: TMDB_LANGUAGE's first (fr-FR: French), then English. */
function defaultLanguages(deps: Deps): string[] {
  const primary = deps.config.TMDB_LANGUAGE.slice(0, 2).toLowerCase();
  return primary === 'en' ? ['en'] : [primary, 'en'];
}

/** GET /files/:id/subtitles/search: OpenSubtitles, moviehash first, in the languages asked for. */
export async function subtitleSearch(
  deps: Deps,
  principal: Principal,
  input: { fileId: string; languages?: string[] | undefined },
): Promise<SubtitleSearchResult> {
  await readable(deps, principal, input.fileId);
  const languages = (input.languages ?? defaultLanguages(deps)).join(',');
  return internal(
    deps,
    `/internal/files/${input.fileId}/subtitles/search?${new URLSearchParams({ languages })}`,
    SubtitleSearchResult,
  );
}

/** POST /files/:id/subtitles: an OpenSubtitles subtitle downloaded once and kept beside the file. */
export async function subtitleDownload(
  deps: Deps,
  principal: Principal,
  input: { fileId: string; providerFileId: number },
): Promise<SubtitleTrack> {
  await readable(deps, principal, input.fileId);
  const kept = await internal(deps, `/internal/files/${input.fileId}/subtitles`, KeptTrack, {
    method: 'POST',
    body: { providerFileId: input.providerFileId },
  });
  const { query } = await signed(deps, principal.userId, input.fileId);
  return withUrl(input.fileId, query, kept);
}
