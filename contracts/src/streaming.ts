import { z } from 'zod';
import { DownloadState } from './downloads.js';
import { MediaTrack } from './library.js';
import { Text } from './values.js';

/**
 * Watching (streaming, playback decisions, subtitles): what the API, torrent-node and the player
 * agree on. A streamable file is a library file (`media_files`) or a file of a download still in
 * progress (`download_files`): both are known by one UUID, `fileId`, and never by a path.
 */

/**
 * The query of every signed byte route (`/files/{fileId}/stream`, `/remux`, a subtitle's WebVTT):
 * the user it was handed to, when it expires (Unix seconds) and an HMAC-SHA256 over both and the
 * file id, made with INTERNAL_SIGNING_KEY (see `signing.ts`).
 */
export const StreamSignatureQuery = z.object({
  u: z.uuid({ error: 'invalid signature' }),
  exp: z.string().regex(/^\d{1,12}$/, 'invalid signature'),
  sig: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'invalid signature'),
});
export type StreamSignatureQuery = z.infer<typeof StreamSignatureQuery>;

export const StreamSourceKind = z.enum(['library', 'download']);
export type StreamSourceKind = z.infer<typeof StreamSourceKind>;

/** One playable source of a title ("Liens de streaming"). */
export const StreamSource = z.object({
  fileId: z.uuid(),
  kind: StreamSourceKind,
  mediaId: z.uuid(),
  /** The file's name (no folder). */
  name: z.string(),
  quality: z.string().nullable(),
  resolution: z.string().nullable(),
  sizeBytes: z.number().int(),
  container: z.string().nullable(),
  videoCodec: z.string().nullable(),
  audioCodec: z.string().nullable(),
  durationSeconds: z.number().int().nullable(),
  /** `ready`: every byte is on disk; `downloading`: bytes arrive as they are read. */
  state: z.enum(['ready', 'downloading']),
  /** Share of the file on disk, 0 to 1. */
  progress: z.number().min(0).max(1),
  downloadId: z.uuid().nullable(),
  downloadState: DownloadState.nullable(),
  /** Signed, expiring URL of the raw bytes (same origin, HTTP Range). */
  url: z.string(),
  expiresAt: z.string(),
});
export type StreamSource = z.infer<typeof StreamSource>;

export const StreamSourceList = z.object({ mediaId: z.uuid(), sources: z.array(StreamSource) });
export type StreamSourceList = z.infer<typeof StreamSourceList>;

/** The steps of `/streaming/direct`, in order. */
export const DirectStep = z.enum(['library', 'download', 'search', 'start']);
export type DirectStep = z.infer<typeof DirectStep>;
export const DirectStepReport = z.object({
  step: DirectStep,
  /** `found` ends the chain; `none` goes on to the next step. */
  outcome: z.enum(['found', 'none', 'started', 'waiting', 'failed']),
  /** A code the player words (`no_file`, `no_download`, `no_indexer`, `no_release`, `all_stalled`…). */
  code: z.string().nullable(),
});
export type DirectStepReport = z.infer<typeof DirectStepReport>;

export const DirectStreamQuery = z
  .object({
    season: z
      .string()
      .regex(/^\d{1,4}$/, 'must be a season number')
      .optional(),
    episode: z
      .string()
      .regex(/^\d{1,5}$/, 'must be an episode number')
      .optional(),
  })
  .strict();

/**
 * "Play this now". `ready`: a source plays at once. `starting`: a download of the best release is
 * fetching its metadata or its first pieces (ask again; `source` once the file is known).
 * `searching`: no recent results, a search task was started (ask again when it is done).
 */
export const DirectStreamAnswer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ready'),
    mediaId: z.uuid(),
    source: StreamSource,
    steps: z.array(DirectStepReport),
  }),
  z.object({
    status: z.literal('starting'),
    mediaId: z.uuid(),
    downloadId: z.uuid(),
    source: StreamSource.nullable(),
    /** Seconds until playback can start, from the download's speed, when known. */
    etaSeconds: z.number().int().nullable(),
    steps: z.array(DirectStepReport),
  }),
  z.object({
    status: z.literal('searching'),
    mediaId: z.uuid(),
    taskId: z.uuid(),
    steps: z.array(DirectStepReport),
  }),
]);
export type DirectStreamAnswer = z.infer<typeof DirectStreamAnswer>;

/** Why `/streaming/direct` found nothing to play (the error's `code`). */
export const DirectStreamErrorCode = z.enum(['no_indexer', 'no_release', 'all_stalled', 'not_found']);
export type DirectStreamErrorCode = z.infer<typeof DirectStreamErrorCode>;

/**
 * What the player asks the browser (`canPlayType`) before asking for a decision. The keys are what
 * the client reports; the MIME strings are the questions it asks.
 */
export const PLAYBACK_PROBES = {
  containers: {
    mp4: 'video/mp4',
    webm: 'video/webm',
    matroska: 'video/x-matroska',
    mpegts: 'video/mp2t',
  },
  video: {
    h264: 'video/mp4; codecs="avc1.640028"',
    hevc: 'video/mp4; codecs="hvc1.1.6.L120.90"',
    vp9: 'video/webm; codecs="vp9"',
    av1: 'video/mp4; codecs="av01.0.08M.08"',
  },
  audio: {
    aac: 'audio/mp4; codecs="mp4a.40.2"',
    mp3: 'audio/mpeg',
    opus: 'audio/webm; codecs="opus"',
    vorbis: 'audio/webm; codecs="vorbis"',
    flac: 'audio/flac',
    ac3: 'audio/mp4; codecs="ac-3"',
    eac3: 'audio/mp4; codecs="ec-3"',
  },
} as const;
const keysOf = <T extends Record<string, string>>(o: T) =>
  Object.keys(o) as [keyof T & string, ...(keyof T & string)[]];
export const ContainerName = z.enum(keysOf(PLAYBACK_PROBES.containers));
export const VideoCodecName = z.enum(keysOf(PLAYBACK_PROBES.video));
export const AudioCodecName = z.enum(keysOf(PLAYBACK_PROBES.audio));

/** The browser's answers: the names whose `canPlayType` was not empty. */
export const ClientCapabilities = z
  .object({
    containers: z.array(ContainerName).max(16),
    video: z.array(VideoCodecName).max(16),
    audio: z.array(AudioCodecName).max(16),
  })
  .strict();
export type ClientCapabilities = z.infer<typeof ClientCapabilities>;

export const PlaybackRequest = z
  .object({
    capabilities: ClientCapabilities,
    /** Index among the file's audio tracks (0 = first); the default track when absent. */
    audioTrack: z.number().int().min(0).max(99).optional(),
  })
  .strict();
export type PlaybackRequest = z.infer<typeof PlaybackRequest>;

/** Direct play; remux (`-c copy` into fragmented MP4, audio to AAC if needed); transcode (video re-encoded). */
export const PlaybackMode = z.enum(['direct', 'remux', 'transcode']);
export type PlaybackMode = z.infer<typeof PlaybackMode>;
/** Why the mode was chosen; the player words each code. */
export const PlaybackReason = z.enum([
  'supported',
  'container_unsupported',
  'audio_unsupported',
  'video_unsupported',
  'audio_track_selected',
]);
export type PlaybackReason = z.infer<typeof PlaybackReason>;

export const AudioTrack = MediaTrack.extend({ index: z.number().int() });
export type AudioTrack = z.infer<typeof AudioTrack>;

/** What ffprobe read of a file (torrent-node answers it to the API). */
export const FileProbe = z.object({
  /** ffprobe's `format_name` reduced to one of ours, or null when unknown. */
  container: z.string().nullable(),
  videoCodec: z.string().nullable(),
  /** Bits per sample of the video, for 10-bit H.264 that browsers do not decode. */
  videoBitDepth: z.number().int().nullable(),
  durationSeconds: z.number().nullable(),
  audioTracks: z.array(AudioTrack),
  subtitleTracks: z.array(MediaTrack.extend({ index: z.number().int() })),
});
export type FileProbe = z.infer<typeof FileProbe>;

export const PlaybackDecision = z.object({
  fileId: z.uuid(),
  mode: PlaybackMode,
  reasons: z.array(PlaybackReason),
  /**
   * Signed URL to play. For `remux` and `transcode` the player adds `&start=<seconds>` to seek:
   * such a stream restarts at that time and its own clock starts at 0 (`seek: 'restart'`).
   */
  url: z.string(),
  seek: z.enum(['native', 'restart']),
  expiresAt: z.string(),
  container: z.string().nullable(),
  videoCodec: z.string().nullable(),
  audioCodec: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  audioTracks: z.array(AudioTrack),
  /** The audio track played (its `index`), or null when the file has none. */
  audioTrack: z.number().int().nullable(),
});
export type PlaybackDecision = z.infer<typeof PlaybackDecision>;

/** Which bytes of a file are on disk (for "lecture possible jusqu'à mm:ss" while downloading). */
export const FileAvailability = z.object({
  fileId: z.uuid(),
  sizeBytes: z.number().int(),
  complete: z.boolean(),
  /** Inclusive byte ranges on disk, in order. */
  ranges: z.array(z.tuple([z.number().int(), z.number().int()])),
  downloadSpeed: z.number().int(),
});
export type FileAvailability = z.infer<typeof FileAvailability>;

export const SubtitleSourceKind = z.enum(['embedded', 'sidecar', 'opensubtitles']);
export const SubtitleTrackId = z
  .string()
  .regex(/^[a-z]{1,3}-[A-Za-z0-9_-]{1,64}$/, { error: 'Subtitle not found' })
  .meta({ description: 'Subtitle track id (`e-<stream>` embedded, `s-<hash>` beside the file)' });
export const SubtitleTrack = z.object({
  id: z.string(),
  source: SubtitleSourceKind,
  /** ISO 639-1 (`fr`) when known. */
  language: z.string().nullable(),
  label: z.string().nullable(),
  /** `subrip`, `ass`, `webvtt`, `mov_text`, `hdmv_pgs_subtitle`, `dvd_subtitle`… */
  format: z.string(),
  forced: z.boolean(),
  hearingImpaired: z.boolean(),
  /** Image subtitles (PGS, VobSub) cannot become WebVTT: listed, not offered. */
  convertible: z.boolean(),
  /** Signed WebVTT URL, or null when not convertible. */
  url: z.string().nullable(),
});
export type SubtitleTrack = z.infer<typeof SubtitleTrack>;
export const SubtitleList = z.object({ fileId: z.uuid(), tracks: z.array(SubtitleTrack) });
export type SubtitleList = z.infer<typeof SubtitleList>;

/** `fr,en`: ISO 639-1 codes, most wanted first. */
export const LanguageList = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]{2})?(,[a-z]{2}(-[a-z]{2})?){0,9}$/, 'expected ISO 639-1 codes separated by commas')
  .transform((v) => v.split(','));

export const SubtitleSearchQuery = z.object({ languages: LanguageList.optional() }).strict();

/** OpenSubtitles' quota as its last answer told it. */
export const SubtitleQuota = z.object({
  remaining: z.number().int().nullable(),
  resetAt: z.string().nullable(),
});
export type SubtitleQuota = z.infer<typeof SubtitleQuota>;

export const SubtitleCandidate = z.object({
  /** OpenSubtitles' `file_id`: what a download asks for. */
  providerFileId: z.number().int().positive(),
  language: z.string().nullable(),
  release: z.string().nullable(),
  hearingImpaired: z.boolean(),
  forced: z.boolean(),
  downloadCount: z.number().int(),
  /** Found by the file's moviehash (made for this very release). */
  hashMatch: z.boolean(),
  /** Already kept beside the file (no quota spent to use it). */
  stored: z.boolean(),
});
export type SubtitleCandidate = z.infer<typeof SubtitleCandidate>;

export const SubtitleSearchResult = z.object({
  candidates: z.array(SubtitleCandidate),
  quota: SubtitleQuota.nullable(),
});
export type SubtitleSearchResult = z.infer<typeof SubtitleSearchResult>;

export const SubtitleDownloadRequest = z
  .object({ providerFileId: z.number().int().positive().max(2_147_483_647) })
  .strict();
export type SubtitleDownloadRequest = z.infer<typeof SubtitleDownloadRequest>;

/** Error codes of the subtitle routes (OpenSubtitles not configured, quota spent, rate limited). */
export const SubtitleErrorCode = z.enum([
  'subtitles_not_configured',
  'subtitles_quota',
  'subtitles_rate_limited',
  'subtitles_unavailable',
  'subtitle_not_convertible',
]);

/** A user's last choices for a film or a series (restored on every episode, on any device). */
export const PlaybackPreferences = z.object({
  /** ISO 639-1 code of the subtitles shown, or null for none. */
  subtitleLanguage: z.string().nullable(),
  /** ISO 639-2 code of the audio track chosen, or null for the file's default. */
  audioLanguage: z.string().nullable(),
});
export type PlaybackPreferences = z.infer<typeof PlaybackPreferences>;
export const UpdatePlaybackPreferences = z
  .object({
    subtitleLanguage: Text.min(2)
      .max(8)
      .regex(/^[a-z]{2,3}(-[a-z]{2})?$/, 'expected a language code')
      .nullable(),
    audioLanguage: Text.min(2)
      .max(8)
      .regex(/^[a-z]{2,3}(-[a-z]{2})?$/, 'expected a language code')
      .nullable(),
  })
  .strict();

/** Internal (torrent-node) answers to the API, beyond the public shapes above. */
export const InternalSubtitleList = z.object({
  tracks: z.array(SubtitleTrack.omit({ url: true })),
});
export type InternalSubtitleList = z.infer<typeof InternalSubtitleList>;
