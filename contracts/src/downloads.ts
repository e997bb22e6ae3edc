import { z } from 'zod';
import { MediaFile } from './library.js';
import { NonNegativeInt32, NonNegativeSafeInt, Text } from './values.js';

/** Downloads (Hunter): what the API, torrent-node, the web app and the bot agree on. */

/**
 * `queued` waits for a slot (MAX_CONCURRENT_DL); `metadata` fetches a magnet's info dictionary;
 * `paused` was stopped by its owner or by low disk space (`pausedBy`); `stalled` made no progress
 * with no peers for STALL_MINUTES; `seeding` is complete and imported, still uploading toward its
 * goal; `completed` is imported and no longer seeding; `cancelled` is being removed.
 */
export const DownloadState = z.enum([
  'queued',
  'metadata',
  'downloading',
  'paused',
  'stalled',
  'seeding',
  'completed',
  'failed',
  'cancelled',
]);
export type DownloadState = z.infer<typeof DownloadState>;

/** States in which a download holds one of the MAX_CONCURRENT_DL slots. */
export const ACTIVE_DOWNLOAD_STATES = ['metadata', 'downloading'] as const satisfies readonly DownloadState[];
/** States a download never leaves by itself. */
export const FINISHED_DOWNLOAD_STATES = [
  'completed',
  'failed',
  'cancelled',
] as const satisfies readonly DownloadState[];

/**
 * The engines behind torrent-node's `DownloadEngine` interface: Sokoul's own BitTorrent client
 * (`webtorrent`), Real-Debrid (REAL_DEBRID_API_KEY), and the external clients an admin configures.
 */
export const DownloadEngineName = z.enum(['webtorrent', 'realdebrid', 'qbittorrent', 'transmission']);
export type DownloadEngineName = z.infer<typeof DownloadEngineName>;

/** The download clients an admin points Sokoul at (WebUI API v2; Transmission RPC). */
export const ExternalClientName = z.enum(['qbittorrent', 'transmission']);
export type ExternalClientName = z.infer<typeof ExternalClientName>;

/**
 * Whether an engine can work now: `unreachable` (a client down, Real-Debrid not answering),
 * `unauthorized` (bad credentials or token: an admin must fix them), `not_configured`, `error`
 * (anything else, in `message`). Downloads of an engine that is not `ok` wait, and are followed
 * again when it is.
 */
export const EngineState = z.enum(['ok', 'unreachable', 'unauthorized', 'not_configured', 'error']);
export type EngineState = z.infer<typeof EngineState>;

/**
 * How a download of this engine can be watched before it is complete: `pieces` (Sokoul's engine
 * fetches the pieces around the playhead first), `sequential` (a client asked for sequential
 * order and first/last pieces; bytes play once on disk), `after_debrid` (Real-Debrid fetches the
 * whole torrent first, then its link streams at once), `none` (the client cannot say which bytes
 * it has: it plays once complete).
 */
export const EngineStreaming = z.enum(['pieces', 'sequential', 'after_debrid', 'none']);
export type EngineStreaming = z.infer<typeof EngineStreaming>;

export const EngineInfo = z.object({
  name: DownloadEngineName,
  state: EngineState,
  message: z.string().nullable(),
  streaming: EngineStreaming,
});
export type EngineInfo = z.infer<typeof EngineInfo>;

/** A user's choice: the engine their downloads use unless they pick another for one download. */
export const DownloadPreferences = z
  .object({
    engine: DownloadEngineName,
    /** A Real-Debrid download that fails (dead, refused, virus…) starts again on BitTorrent. */
    debridFallback: z.boolean(),
  })
  .strict();
export type DownloadPreferences = z.infer<typeof DownloadPreferences>;

/** GET /downloads/engines: the engines configured here, their state, and the caller's choice. */
export const DownloadEngines = z.object({ engines: z.array(EngineInfo), preferences: DownloadPreferences });
export type DownloadEngines = z.infer<typeof DownloadEngines>;

const AbsolutePath = Text.trim().min(1).max(1000).regex(/^\//, 'must be an absolute path');

/**
 * PUT /admin/download-clients/:name. `remotePath` is the save folder as the client sees it,
 * `localPath` the same folder as torrent-node sees it (inside DOWNLOAD_DIR): the path mapping the
 * *arr apps need when the client runs in another container. An absent `password` keeps the stored one.
 */
export const DownloadClientInput = z
  .object({
    url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048),
    username: Text.max(200).default(''),
    password: Text.max(500).optional(),
    category: Text.trim()
      .min(1)
      .max(100)
      .regex(/^[\w .-]+$/, 'letters, digits, spaces, dots, dashes and underscores only')
      .default('sokoul'),
    remotePath: AbsolutePath,
    localPath: AbsolutePath,
    enabled: z.boolean().default(true),
  })
  .strict();
export type DownloadClientInput = z.infer<typeof DownloadClientInput>;

export const DownloadClient = DownloadClientInput.omit({ password: true }).extend({
  name: ExternalClientName,
  hasPassword: z.boolean(),
  state: EngineState,
  message: z.string().nullable(),
  updatedAt: z.string(),
});
export type DownloadClient = z.infer<typeof DownloadClient>;

export const DownloadClientList = z.object({ clients: z.array(DownloadClient) });
export type DownloadClientList = z.infer<typeof DownloadClientList>;

/** Why a download failed, stalled or paused: clients word the message by this code. */
export const DownloadErrorCode = z.enum([
  'invalid_magnet',
  'torrent_fetch_failed',
  'not_a_torrent',
  'torrent_too_large',
  'empty_torrent',
  'unsafe_path',
  /** The same torrent (info hash) is already another live download (a .torrent URL that turned out to be it). */
  'duplicate',
  'insufficient_space',
  'no_peers',
  'metadata_timeout',
  'no_video_file',
  'import_failed',
  'engine_error',
  /** The download's engine is not configured here (any more), or was disabled. */
  'engine_unavailable',
  /** Real-Debrid refused the token (401/403): an admin must set a valid REAL_DEBRID_API_KEY. */
  'debrid_auth',
  /** Real-Debrid refuses this file (451: infringing file). */
  'debrid_infringing',
  /** Real-Debrid could not read the magnet link or torrent (`magnet_error`). */
  'debrid_magnet_error',
  /** Real-Debrid found a virus in the torrent (`virus`). */
  'debrid_virus',
  /** Real-Debrid gave up on the torrent: no seeders (`dead`). */
  'debrid_dead',
  /** Real-Debrid failed otherwise (`error`, an unexpected answer). */
  'debrid_error',
  /** The external client refused or lost the torrent (removed there, an error state). */
  'client_error',
]);
export type DownloadErrorCode = z.infer<typeof DownloadErrorCode>;

export const DownloadError = z.object({ code: DownloadErrorCode, message: z.string() });
export type DownloadError = z.infer<typeof DownloadError>;

/** Live figures, written at most once a second per download. */
export const DownloadProgress = z.object({
  state: DownloadState,
  bytesDone: NonNegativeSafeInt,
  /** Unknown until a magnet's metadata arrives. */
  bytesTotal: NonNegativeSafeInt.nullable(),
  bytesUploaded: NonNegativeSafeInt,
  /** Bytes per second. */
  downloadSpeed: NonNegativeSafeInt,
  uploadSpeed: NonNegativeSafeInt,
  peers: NonNegativeInt32,
  /** Seconds left at the current speed; null when unknown or not downloading. */
  etaSeconds: NonNegativeSafeInt.nullable(),
});
export type DownloadProgress = z.infer<typeof DownloadProgress>;

export const Download = DownloadProgress.extend({
  id: z.uuid(),
  userId: z.uuid(),
  /** The film, series or episode it is for. */
  mediaId: z.uuid(),
  mediaTitle: z.string(),
  /** A season pack's season, or an episode's season and number. */
  season: z.number().int().nullable(),
  episode: z.number().int().nullable(),
  /** The release's name (the torrent's name once its metadata arrived). */
  name: z.string(),
  infoHash: z.string().nullable(),
  /** The search result it came from, when started from a search. */
  resultId: z.uuid().nullable(),
  searchId: z.uuid().nullable(),
  engine: DownloadEngineName,
  /**
   * The engine is not working now (`unreachable`, `unauthorized`…): the download waits and is
   * followed again when it is back. Null when it works, or for a finished download.
   */
  engineState: EngineState.nullable(),
  /** Its place in the queue (smaller starts first); null once it left the queue for good. */
  queuePosition: z.number().int().nullable(),
  /** Who paused it: its owner (`user`) or the free-space guard (`disk`). */
  pausedBy: z.enum(['user', 'disk']).nullable(),
  error: DownloadError.nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type Download = z.infer<typeof Download>;

/** One file of a torrent; `mediaFile` once it was imported into the library. */
export const DownloadFile = z.object({
  index: NonNegativeInt32,
  /** Relative to the download's folder. */
  path: z.string(),
  sizeBytes: NonNegativeSafeInt,
  bytesDone: NonNegativeSafeInt,
  /** Set aside at import (a sample, an extra, not a video) or matching no episode. */
  role: z.enum(['video', 'sample', 'extra', 'other', 'unmatched']).nullable(),
  mediaFile: MediaFile.nullable(),
});
export type DownloadFile = z.infer<typeof DownloadFile>;

export const DownloadDetail = Download.extend({
  files: z.array(DownloadFile),
  /** Where the files are written (an admin sees it; members get null). */
  savePath: z.string().nullable(),
});
export type DownloadDetail = z.infer<typeof DownloadDetail>;

const MAGNET = /^magnet:\?/i;
const Season = z.number().int().min(0).max(1000);
const Episode = z.number().int().min(0).max(100_000);
const Target = { mediaId: z.uuid(), season: Season.optional(), episode: Episode.optional() };

/** POST /downloads: a stored search result, or a magnet / .torrent URL for a title. */
const Engine = { engine: DownloadEngineName.optional() };

export const StartDownloadRequest = z.union([
  z.object({ resultId: z.uuid(), ...Engine }).strict(),
  z
    .object({
      magnetUrl: Text.max(8192).regex(MAGNET, 'must be a magnet: link'),
      name: Text.trim().min(1).max(500).optional(),
      ...Target,
      ...Engine,
    })
    .strict(),
  z
    .object({
      torrentUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(8192),
      name: Text.trim().min(1).max(500).optional(),
      ...Target,
      ...Engine,
    })
    .strict(),
]);
export type StartDownloadRequest = z.infer<typeof StartDownloadRequest>;

/** 202 answer: the download, new or (same info hash, still there) the existing one. */
export const StartedDownload = z.object({ download: Download, existing: z.boolean() });
export type StartedDownload = z.infer<typeof StartedDownload>;

export const ListDownloadsQuery = z.object({
  state: DownloadState.optional(),
  /** One title's downloads (a series': its episodes' too). */
  mediaId: z.uuid().optional(),
  /** Admins: everyone's downloads, not only theirs. */
  all: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
export type ListDownloadsQuery = z.infer<typeof ListDownloadsQuery>;

/** Unfinished ones first (in queue order), then the most recent. */
export const DownloadList = z.object({ downloads: z.array(Download) });
export type DownloadList = z.infer<typeof DownloadList>;

export const DeleteDownloadQuery = z.object({
  /** Also delete the downloaded files (imported library copies stay unless they are the same file). */
  deleteData: z.enum(['true', 'false']).default('false'),
});
export type DeleteDownloadQuery = z.infer<typeof DeleteDownloadQuery>;

/** A release refused for a title (it stalled or failed); its owner can clear it. */
export const BlocklistEntry = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  mediaId: z.uuid(),
  mediaTitle: z.string(),
  infoHash: z.string().nullable(),
  name: z.string(),
  reason: DownloadErrorCode,
  createdAt: z.string(),
});
export type BlocklistEntry = z.infer<typeof BlocklistEntry>;

export const BlocklistList = z.object({ entries: z.array(BlocklistEntry) });
export type BlocklistList = z.infer<typeof BlocklistList>;

/** Global speed limits in bytes per second (0 = unlimited), changeable at run time by an admin. */
export const SpeedLimits = z
  .object({ downloadLimit: NonNegativeSafeInt, uploadLimit: NonNegativeSafeInt })
  .strict();
export type SpeedLimits = z.infer<typeof SpeedLimits>;
