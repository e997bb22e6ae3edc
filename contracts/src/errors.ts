import { z } from 'zod';

/** Machine-readable error codes returned in `{ error: { code, message } }`. */
export const ErrorCode = z.enum([
  'bad_request',
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unauthorized',
  'invalid_credentials',
  'token_expired',
  'token_reused',
  'forbidden',
  'account_disabled',
  'signup_closed',
  'invite_required',
  'not_found',
  'conflict',
  /** POST /downloads: another user is already downloading this release (whose is not said). */
  'already_downloading',
  /** POST /downloads: the release is refused for this title (it stalled or failed before). */
  'blocklisted',
  /** POST /downloads, PUT /downloads/preferences: that engine is not configured or not enabled here. */
  'engine_unavailable',
  /** A change the resource's current state does not allow (pausing a completed download…). */
  'invalid_state',
  'rate_limited',
  /** POST /telegram/link-code: no bot token (TELEGRAM_BOT_TOKEN or TELOXIDE_TOKEN) is set. */
  'telegram_not_configured',
  /** A signed stream or subtitle URL that was altered, made for another file or user, or has expired. */
  'invalid_signature',
  'signature_expired',
  /** A file outside DOWNLOAD_DIR and LIBRARY_DIR: never served. */
  'outside_media_folders',
  /** torrent-node's stream server (bytes, probes, subtitles) cannot be reached. */
  'streaming_unavailable',
  /** A Range beyond the end of the file (416; its Content-Range names the size). */
  'range_not_satisfiable',
  /** Bytes of a download that is not running (paused, stalled): they cannot arrive. */
  'not_downloading',
  /** Every transcoding slot (TRANSCODE_CONCURRENCY) is taken; `Retry-After` says when to ask again. */
  'transcode_busy',
  /** GET /streaming/direct: why nothing can play (contracts' DirectStreamErrorCode). */
  'no_indexer',
  'no_release',
  'all_stalled',
  /** Subtitles (contracts' SubtitleErrorCode). */
  'subtitles_not_configured',
  'subtitles_quota',
  'subtitles_rate_limited',
  'subtitles_unavailable',
  'subtitle_not_convertible',
  'not_configured',
  'dependency_unavailable',
  'upstream_error',
  'upstream_rate_limited',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    /** Field-level details for validation errors. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
