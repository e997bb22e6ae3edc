import { z } from 'zod';
import { Task } from './tasks.js';
import { NonNegativeInt32, PositiveInt32, QueryNonNegativeInt32, Text } from './values.js';

/** What a release title says about itself, as `parseRelease` reads it. */

export const Resolution = z.enum(['2160p', '1080p', '720p', '576p', '480p']);
export type Resolution = z.infer<typeof Resolution>;

export const ReleaseSource = z.enum([
  'CAM',
  'TS',
  'TC',
  'SCR',
  'DVD',
  'HDTV',
  'WEB-DL',
  'WEBRip',
  'BluRay',
  'Remux',
]);
export type ReleaseSource = z.infer<typeof ReleaseSource>;

export const VideoCodec = z.enum(['H.264', 'H.265', 'AV1', 'VP9', 'XviD', 'MPEG-2']);
export type VideoCodec = z.infer<typeof VideoCodec>;

export const HdrFormat = z.enum(['HDR10', 'HDR10+', 'DV', 'HLG']);
export type HdrFormat = z.infer<typeof HdrFormat>;

export const AudioCodec = z.enum([
  'TrueHD',
  'DTS-HD MA',
  'DTS-X',
  'DTS',
  'EAC3',
  'AC3',
  'AAC',
  'FLAC',
  'Opus',
  'MP3',
  'PCM',
]);
export type AudioCodec = z.infer<typeof AudioCodec>;

/** The French scene's language tags, as they appear in titles. */
export const FrenchTag = z.enum([
  'FRENCH',
  'TRUEFRENCH',
  'VFF',
  'VFQ',
  'VFI',
  'VF2',
  'VOSTFR',
  'MULTI',
  'SUBFRENCH',
]);
export type FrenchTag = z.infer<typeof FrenchTag>;

export const ParsedRelease = z.object({
  /** The raw title as given. */
  raw: z.string(),
  title: z.string(),
  /** Lower-case, accents and punctuation removed: what titles are compared on. */
  normalizedTitle: z.string(),
  year: z.number().int().nullable(),
  seasons: z.array(z.number().int()),
  episodes: z.array(z.number().int()),
  /** A whole season (or several) in one release. */
  fullSeason: z.boolean(),
  /** Anime numbering without seasons ("One Piece - 1071"). */
  absoluteEpisodes: z.array(z.number().int()),
  /**
   * A daily show's episode by its air date (YYYY-MM-DD): "Show.2011.04.18.HDTV". Results stored
   * before the parser read dates have none: null.
   */
  airDate: z.string().nullable().default(null),
  resolution: Resolution.nullable(),
  source: ReleaseSource.nullable(),
  videoCodec: VideoCodec.nullable(),
  hdr: z.array(HdrFormat),
  /** Bit depth when stated (10-bit encodes). */
  bitDepth: z.number().int().nullable(),
  audioCodec: AudioCodec.nullable(),
  atmos: z.boolean(),
  audioChannels: z.string().nullable(),
  /** ISO 639-1 audio languages the title states; `multi` when it says several without naming them. */
  languages: z.array(z.string()),
  subtitles: z.array(z.string()),
  frenchTags: z.array(FrenchTag),
  multi: z.boolean(),
  edition: z.string().nullable(),
  proper: z.boolean(),
  repack: z.boolean(),
  /** PROPER/REPACK count: REPACK2 is 2. */
  revision: z.number().int(),
  group: z.string().nullable(),
});
export type ParsedRelease = z.infer<typeof ParsedRelease>;

/** One result from an indexer, as its Torznab feed describes it. */
export const IndexerResult = z.object({
  title: z.string(),
  guid: z.string(),
  /** The indexer's name (Jackett's and Prowlarr's feeds name the real tracker per item). */
  indexer: z.string(),
  downloadUrl: z.string().nullable(),
  magnetUrl: z.string().nullable(),
  infoHash: z.string().nullable(),
  size: z.number().nullable(),
  seeders: z.number().int().nullable(),
  /** Seeders and leechers together, as Torznab counts peers. */
  peers: z.number().int().nullable(),
  publishedAt: z.string().nullable(),
  categories: z.array(z.number().int()),
  /** 0 means freeleech: downloading does not count against the ratio. */
  downloadVolumeFactor: z.number().nullable(),
  uploadVolumeFactor: z.number().nullable(),
  imdbId: z.string().nullable(),
  tmdbId: z.number().int().nullable(),
  tvdbId: z.number().int().nullable(),
});
export type IndexerResult = z.infer<typeof IndexerResult>;

export const SearchMode = z.enum(['search', 'tvsearch', 'movie']);
export type SearchMode = z.infer<typeof SearchMode>;

/** What an indexer says it can do (`t=caps`). */
export const IndexerCaps = z.object({
  modes: z.record(SearchMode, z.object({ available: z.boolean(), params: z.array(z.string()) })),
  categories: z.array(z.object({ id: z.number().int(), name: z.string() })),
  limit: z.number().int().nullable(),
});
export type IndexerCaps = z.infer<typeof IndexerCaps>;

/** What an admin (or a preset) asks of releases. Empty lists mean "any". */
export const QualityProfile = z.object({
  name: Text.min(1).max(100),
  allowedResolutions: z.array(Resolution).default([]),
  /** Best first. */
  preferredResolutions: z.array(Resolution).default([]),
  allowedSources: z.array(ReleaseSource).default(['DVD', 'HDTV', 'WEB-DL', 'WEBRip', 'BluRay', 'Remux']),
  preferredSources: z.array(ReleaseSource).default([]),
  preferredCodecs: z.array(VideoCodec).default([]),
  preferHdr: z.boolean().default(false),
  /** Largest acceptable size per resolution, in GB. */
  maxSizeGb: z.partialRecord(Resolution, z.number().positive()).default({}),
  /** Smaller than this per hour of runtime is a fake or a broken upload. */
  minSizeGbPerHour: z.number().min(0).default(0.1),
  /** ISO 639-1 codes, best first; defaults from TMDB_LANGUAGE. */
  preferredLanguages: z.array(Text.max(35)).max(50).default([]),
  requirePreferredLanguage: z.boolean().default(false),
  minSeeders: NonNegativeInt32.default(1),
});
export type QualityProfile = z.infer<typeof QualityProfile>;
export type QualityProfileInput = z.input<typeof QualityProfile>;

/** The built-in profiles; admins add their own. */
export const QUALITY_PRESETS: Record<'1080p' | '4K HDR' | 'small', QualityProfileInput> = {
  '1080p': {
    name: '1080p',
    allowedResolutions: ['1080p', '720p'],
    preferredResolutions: ['1080p', '720p'],
    preferredSources: ['BluRay', 'WEB-DL', 'WEBRip'],
    preferredCodecs: ['H.265', 'H.264'],
    maxSizeGb: { '1080p': 20, '720p': 8 },
  },
  '4K HDR': {
    name: '4K HDR',
    allowedResolutions: ['2160p', '1080p'],
    preferredResolutions: ['2160p', '1080p'],
    preferredSources: ['Remux', 'BluRay', 'WEB-DL'],
    preferredCodecs: ['H.265', 'AV1'],
    preferHdr: true,
    maxSizeGb: { '2160p': 90, '1080p': 30 },
  },
  small: {
    name: 'small',
    allowedResolutions: ['720p', '1080p', '576p', '480p'],
    preferredResolutions: ['720p', '1080p'],
    preferredSources: ['WEB-DL', 'WEBRip', 'BluRay'],
    preferredCodecs: ['H.265', 'AV1'],
    maxSizeGb: { '1080p': 4, '720p': 2.5, '576p': 1.5, '480p': 1 },
  },
};

/** Why a result ranks where it does: shown to the user next to it. */
export const RankReason = z.object({
  effect: z.enum(['plus', 'minus', 'reject']),
  points: z.number(),
  /** What the reason is (`language.audio`, `size.tooLarge`…), for clients that word it themselves. */
  code: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  /** The reason in English. */
  text: z.string(),
});
export type RankReason = z.infer<typeof RankReason>;

export const RankedResult = IndexerResult.extend({
  parsed: ParsedRelease,
  score: z.number(),
  rejected: z.boolean(),
  reasons: z.array(RankReason),
});
export type RankedResult = z.infer<typeof RankedResult>;

/** One release found on one or more indexers (deduplicated by info hash, else by title and size). */
export const MergedResult = IndexerResult.extend({ sources: z.array(z.string()) });
export type MergedResult = z.infer<typeof MergedResult>;

/**
 * How one indexer did in one search: answered (`ok`, with `results`), cut at its timeout
 * (`timeout`), failed (`failed`, with the reason in `error`) or left alone by its circuit breaker
 * (`skipped`). Members see these; the reason text is for admins and the logs.
 */
export const IndexerReport = z.object({
  indexer: z.string(),
  status: z.enum(['ok', 'timeout', 'failed', 'skipped']),
  results: z.number().int(),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
});
export type IndexerReport = z.infer<typeof IndexerReport>;

/** An indexer's track record: what the circuit breaker decides on, shown to admins. */
export const IndexerHealth = z.object({
  indexer: z.string(),
  state: z.enum(['closed', 'open', 'half-open']),
  successes: z.number().int(),
  failures: z.number().int(),
  consecutiveFailures: z.number().int(),
  averageLatencyMs: z.number().int().nullable(),
  lastError: z.string().nullable(),
  retryAt: z.string().nullable(),
});
export type IndexerHealth = z.infer<typeof IndexerHealth>;

/** POST /search: a title already in Sokoul, or one from TMDB; optionally an episode or free text. */
export const StartSearchRequest = z
  .object({
    mediaId: z.uuid().optional(),
    tmdbId: PositiveInt32.max(999_999_999).optional(),
    type: z.enum(['movie', 'tv']).optional(),
    season: z.number().int().min(0).max(1000).optional(),
    episode: z.number().int().min(0).max(100_000).optional(),
    query: Text.trim().min(1).max(200).optional(),
    /** A preset (1080p, 4K HDR, small) or an admin's profile; 1080p by default. */
    profile: Text.trim().min(1).max(100).optional(),
    /** "Search again now": ask the indexers even if an identical search is recent. */
    fresh: z.boolean().optional(),
  })
  .strict()
  .refine((v) => (v.mediaId === undefined) !== (v.tmdbId === undefined), {
    message: 'give either mediaId or tmdbId with type',
    path: ['mediaId'],
  })
  .refine((v) => v.tmdbId === undefined || v.type !== undefined, {
    message: 'is required with tmdbId',
    path: ['type'],
  })
  .refine((v) => v.episode === undefined || v.season !== undefined, {
    message: 'is required with episode',
    path: ['season'],
  });
export type StartSearchRequest = z.infer<typeof StartSearchRequest>;

/** The title being searched for, as TMDB describes it: what results are ranked against. */
export const SearchTarget = z.object({
  type: z.enum(['movie', 'tv']),
  titles: z.array(z.string()).min(1),
  year: z.number().int().nullable(),
  season: z.number().int().optional(),
  episode: z.number().int().optional(),
  /** Minutes, for the size sanity check. */
  runtimeMinutes: z.number().int().nullable().optional(),
});
export type SearchTarget = z.infer<typeof SearchTarget>;

/** What is asked of each indexer; ids win over text where the indexer supports them. */
export const IndexerSearch = z.object({
  mode: SearchMode,
  query: z.string().optional(),
  imdbId: z.string().optional(),
  tmdbId: z.number().int().optional(),
  tvdbId: z.number().int().optional(),
  season: z.number().int().optional(),
  episode: z.number().int().optional(),
  /** Newznab categories; by default films (2000) or series (5000) after the mode. */
  categories: z.array(z.number().int()).optional(),
});
export type IndexerSearch = z.infer<typeof IndexerSearch>;

/** GET /search/:media_id: one episode's search when given. */
export const SearchResultsQuery = z.object({
  season: QueryNonNegativeInt32.optional(),
  episode: QueryNonNegativeInt32.optional(),
});
export type SearchResultsQuery = z.infer<typeof SearchResultsQuery>;

const keyPart = (text: string) => encodeURIComponent(text.trim().toLowerCase());

/**
 * A search's identity in storage: the same title searched for the same season, episode, text and
 * quality profile is the same search (another profile ranks differently, so it is another search).
 * `season:episode:text:profile`, the free parts URI-encoded so none holds a separator. Made only by
 * `searchKey`; the reads of one season or episode match keys with `searchKeyPrefix`.
 */
export const SearchKey = z
  .string()
  .regex(/^\d*:\d*:[^:]*:[^:]+$/, 'is not a search key')
  .brand<'SearchKey'>();
export type SearchKey = z.infer<typeof SearchKey>;

export function searchKey(parts: {
  season?: number | undefined;
  episode?: number | undefined;
  query: string;
  profile: string;
}): SearchKey {
  return `${parts.season ?? ''}:${parts.episode ?? ''}:${keyPart(parts.query)}:${keyPart(parts.profile)}` as SearchKey;
}

/** What the keys of one season's searches (one episode's, when given) start with. */
export const searchKeyPrefix = (season: number, episode?: number): string => `${season}:${episode ?? ''}:`;

/** What torrent-node needs to run a search (the task's payload). */
export const SearchTaskPayload = z.object({
  /** The search this task fills; its results are read with GET /searches/:searchId. */
  searchId: z.uuid(),
  mediaId: z.uuid(),
  queryKey: SearchKey,
  /** Skip the repeat window (the user asked to search again now). */
  fresh: z.boolean().default(false),
  /**
   * Whether the owner sees why indexers failed (admins do): members read "indexer unavailable",
   * since the reason tells an open port from a closed one.
   */
  detailedReports: z.boolean().default(false),
  profile: QualityProfile,
  target: SearchTarget,
  request: IndexerSearch,
});
export type SearchTaskPayload = z.infer<typeof SearchTaskPayload>;

/**
 * One search's stored results, best first (GET /searches/:searchId, or the title's latest with
 * GET /search/:media_id/latest). Until the search completes, `searchedAt` is null and the lists are
 * empty.
 */
/** A ranked result as stored in a search: `id` is what POST /downloads takes. */
export const StoredResult = RankedResult.extend({
  id: z.uuid(),
  /**
   * Known cached on Real-Debrid ("instantané"): Sokoul added this info hash there and saw it
   * `downloaded` not long ago (the instant-availability endpoint is gone since November 2024).
   */
  instant: z.boolean(),
});
export type StoredResult = z.infer<typeof StoredResult>;

export const SearchResults = z.object({
  /** Null only when the title has never been searched (latest read). */
  searchId: z.uuid().nullable(),
  mediaId: z.uuid(),
  /** The quality profile the results were ranked with. */
  profile: z.string().nullable(),
  results: z.array(StoredResult),
  /** Each indexer's outcome in this search (those of the reused search when `cached`). */
  reports: z.array(IndexerReport),
  /** Answered from an identical search made within the repeat window. */
  cached: z.boolean(),
  searchedAt: z.string().nullable(),
});
export type SearchResults = z.infer<typeof SearchResults>;

/** POST /search answers the task that runs the search and the id to read its results by. */
export const StartedSearch = z.object({ task: Task, mediaId: z.uuid(), searchId: z.uuid() });
export type StartedSearch = z.infer<typeof StartedSearch>;

/** The search task's outcome (its `result`). */
export const SearchOutcome = z.object({
  searchId: z.uuid(),
  cached: z.boolean(),
  results: z.number().int(),
  accepted: z.number().int(),
  reports: z.array(IndexerReport),
  /** Each indexer's track record so far (success rate, latency, last error, breaker state). */
  health: z.array(IndexerHealth),
  oracle: z.enum(['oracle', 'cached', 'heuristic', 'off']),
});
export type SearchOutcome = z.infer<typeof SearchOutcome>;

/** A Torznab endpoint an admin added. The API key is never sent back, only whether there is one. */
export const Indexer = z.object({
  id: z.uuid(),
  name: z.string(),
  url: z.string(),
  hasApiKey: z.boolean(),
  enabled: z.boolean(),
  useFlareSolverr: z.boolean(),
  /** Reached through INDEXER_PROXY_URL when one is set (else directly). */
  useProxy: z.boolean(),
  createdAt: z.string(),
});
export type Indexer = z.infer<typeof Indexer>;

const IndexerUrl = Text.max(2048).pipe(
  z.url({ protocol: /^https?$/, message: 'expected the http(s) URL of a Torznab API' }),
);

export const CreateIndexerRequest = z
  .object({
    name: Text.trim().min(1).max(100),
    url: IndexerUrl,
    apiKey: Text.trim().min(1).max(200).optional(),
    enabled: z.boolean().default(true),
    useFlareSolverr: z.boolean().default(false),
    useProxy: z.boolean().default(true),
  })
  .strict();
export type CreateIndexerRequest = z.infer<typeof CreateIndexerRequest>;

export const UpdateIndexerRequest = z
  .object({
    name: Text.trim().min(1).max(100).optional(),
    url: IndexerUrl.optional(),
    apiKey: Text.trim().min(1).max(200).nullable().optional(),
    enabled: z.boolean().optional(),
    useFlareSolverr: z.boolean().optional(),
    useProxy: z.boolean().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'nothing to update');
export type UpdateIndexerRequest = z.infer<typeof UpdateIndexerRequest>;

export const IndexerList = z.object({ indexers: z.array(Indexer) });
export type IndexerList = z.infer<typeof IndexerList>;

/** The profiles a search can use: the presets and those an admin defined. */
export const QualityProfileList = z.object({ profiles: z.array(QualityProfile) });
export type QualityProfileList = z.infer<typeof QualityProfileList>;

/** PUT /admin/quality-profiles: the admin's own profiles, replacing the previous ones. */
export const PutQualityProfilesRequest = z
  .object({ profiles: z.array(QualityProfile).max(50) })
  .strict()
  .refine((v) => new Set(v.profiles.map((p) => p.name.toLowerCase())).size === v.profiles.length, {
    message: 'profile names must be unique',
    path: ['profiles'],
  })
  .refine((v) => !v.profiles.some((p) => p.name in QUALITY_PRESETS), {
    message: 'a preset already has this name',
    path: ['profiles'],
  });
export type PutQualityProfilesRequest = z.infer<typeof PutQualityProfilesRequest>;
