import { z } from 'zod';
import { Image, MediaType } from './catalog.js';
import { type CursorKind, cursorIssue, PageCursor, pageCursor } from './cursor.js';
import { INT32_MAX, NonNegativeInt32, NonNegativeSafeInt, Text } from './values.js';

/** The household's titles (`/media`) and each user's lists, progress and history. */

export const MediaKind = z.enum(['movie', 'tv', 'episode']);
export type MediaKind = z.infer<typeof MediaKind>;

export const Media = z.object({
  id: z.uuid(),
  tmdbId: z.number().int().nullable(),
  type: MediaKind,
  title: z.string(),
  originalTitle: z.string().nullable(),
  year: z.number().int().nullable(),
  overview: z.string(),
  poster: Image.nullable(),
  backdrop: Image.nullable(),
  genreIds: z.array(z.number().int()),
  genres: z.array(z.string()),
  runtimeMinutes: z.number().int().nullable(),
  /** Episodes: their series and place in it. */
  parentId: z.uuid().nullable(),
  seasonNumber: z.number().int().nullable(),
  episodeNumber: z.number().int().nullable(),
  airDate: z.string().nullable(),
  /** Files on disk (for a series: of all its episodes). */
  fileCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Media = z.infer<typeof Media>;

const Title = Text.trim().min(1, 'is required').max(500);
const Year = z.coerce.number().int().min(1874).max(2100);
const Limit = z.coerce.number().int().min(1).max(100).default(50);
const Cursor = PageCursor.optional();
const GenreName = Text.trim().min(1).max(100);
const Order = z.enum(['asc', 'desc']).optional();
const TmdbId = z.coerce.number().int().positive().max(999_999_999);

/** A title by TMDB id: details are fetched from TMDB and stored. */
export const TmdbRef = z.object({ tmdbId: TmdbId, type: MediaType });
export type TmdbRef = z.infer<typeof TmdbRef>;

export const CreateMediaRequest = z.union([
  TmdbRef.strict(),
  z
    .object({
      type: MediaType,
      title: Title,
      originalTitle: Text.max(500).optional(),
      year: Year.optional(),
      overview: Text.max(10_000).optional(),
      genres: z.array(GenreName).max(30).optional(),
      runtimeMinutes: z.number().int().min(1).max(10_000).optional(),
    })
    .strict(),
]);
export type CreateMediaRequest = z.infer<typeof CreateMediaRequest>;

export const UpdateMediaRequest = z
  .object({
    title: Title.optional(),
    originalTitle: Text.max(500).nullable().optional(),
    year: Year.nullable().optional(),
    overview: Text.max(10_000).optional(),
    genres: z.array(GenreName).max(30).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'nothing to update');
export type UpdateMediaRequest = z.infer<typeof UpdateMediaRequest>;

export const MediaSort = z.enum(['added', 'title', 'year', 'relevance']);
export type MediaSort = z.infer<typeof MediaSort>;

/** What each sort's cursors carry (the SQL of each list compares on exactly this). */
export const MEDIA_SORT_CURSOR: Record<MediaSort, CursorKind> = {
  added: 'timestamp',
  title: 'text',
  year: 'int',
  relevance: 'real',
};

/** The cursor must continue the list's own sort: a date for the newest first, a title by title… */
const cursorFitsSort =
  <T extends { cursor?: [string | number, string] | undefined }>(kindOf: (value: T) => CursorKind) =>
  (value: T, ctx: z.RefinementCtx) => {
    const issue = cursorIssue(value.cursor, kindOf(value));
    if (issue) ctx.addIssue({ code: 'custom', message: issue, path: ['cursor'] });
  };

export const ListMediaQuery = z
  .object({
    type: MediaType.optional(),
    /** A TMDB genre id or a genre name. */
    genre: GenreName.refine(
      (v) => !/^\d+$/.test(v) || Number(v) <= INT32_MAX,
      'is not a genre id',
    ).optional(),
    year: Year.optional(),
    hasFiles: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    /** Fuzzy title search (typos and partial words welcome). */
    q: Text.trim().min(1).max(200).optional(),
    /** Default: relevance with `q`, else the most recently added first. */
    sort: MediaSort.optional(),
    order: Order,
    limit: Limit,
    cursor: Cursor,
  })
  .refine((v) => v.sort !== 'relevance' || v.q !== undefined, {
    message: 'relevance needs q',
    path: ['sort'],
  })
  .superRefine(cursorFitsSort((v) => MEDIA_SORT_CURSOR[v.sort ?? (v.q ? 'relevance' : 'added')]));
export type ListMediaQuery = z.infer<typeof ListMediaQuery>;

export const MediaList = z.object({ media: z.array(Media), nextCursor: z.string().nullable() });
export type MediaList = z.infer<typeof MediaList>;

/** One audio or subtitle stream of a file, as ffprobe reads it. */
export const MediaTrack = z.object({
  codec: z.string().nullable(),
  /** ISO 639-2 as the container tags it (`fre`, `eng`), or null. */
  language: z.string().nullable(),
  title: z.string().nullable(),
  /** Audio: channel count. */
  channels: z.number().int().nullable(),
  default: z.boolean(),
  forced: z.boolean(),
});
export type MediaTrack = z.infer<typeof MediaTrack>;

export const MediaFile = z.object({
  id: z.uuid(),
  mediaId: z.uuid(),
  path: z.string(),
  sizeBytes: z.number().int(),
  container: z.string().nullable(),
  videoCodec: z.string().nullable(),
  audioCodec: z.string().nullable(),
  resolution: z.string().nullable(),
  durationSeconds: z.number().int().nullable(),
  quality: z.string().nullable(),
  /** `HDR10`, `HDR10+`, `HLG`, `Dolby Vision`, or null for SDR or unknown. */
  hdr: z.string().nullable(),
  audioTracks: z.array(MediaTrack),
  subtitleTracks: z.array(MediaTrack),
  origin: z.enum(['download', 'import', 'manual']),
  /** The download it came from, when it did. */
  downloadId: z.uuid().nullable(),
  addedAt: z.string(),
});
export type MediaFile = z.infer<typeof MediaFile>;

export const CreateMediaFileRequest = z
  .object({
    path: Text.min(2).max(4096).startsWith('/', 'must be an absolute path'),
    sizeBytes: NonNegativeSafeInt,
    container: Text.max(32).optional(),
    videoCodec: Text.max(32).optional(),
    audioCodec: Text.max(32).optional(),
    resolution: Text.max(16).optional(),
    durationSeconds: NonNegativeInt32.optional(),
    quality: Text.max(64).optional(),
    origin: z.enum(['download', 'import', 'manual']).optional(),
  })
  .strict();
export type CreateMediaFileRequest = z.infer<typeof CreateMediaFileRequest>;

export const MediaFileList = z.object({ files: z.array(MediaFile) });
export type MediaFileList = z.infer<typeof MediaFileList>;

/** Where a user is in a film or an episode. */
export const Progress = z.object({
  positionSeconds: z.number().int(),
  durationSeconds: z.number().int(),
  completed: z.boolean(),
  updatedAt: z.string(),
});
export type Progress = z.infer<typeof Progress>;

export const EpisodeList = z.object({
  seriesId: z.uuid(),
  seasons: z.array(
    z.object({
      seasonNumber: z.number().int(),
      episodes: z.array(
        z.object({
          id: z.uuid(),
          episodeNumber: z.number().int(),
          title: z.string(),
          airDate: z.string().nullable(),
          fileCount: z.number().int(),
          progress: Progress.nullable(),
        }),
      ),
    }),
  ),
});
export type EpisodeList = z.infer<typeof EpisodeList>;

// ---- personal lists: library, favorites, watchlist ----

export const PersonalListName = z.enum(['library', 'favorites', 'watchlist']);
export type PersonalListName = z.infer<typeof PersonalListName>;

/** A title already in Sokoul (`mediaId`), or one from TMDB that is added on the way. */
export const MediaRef = z.union([z.object({ mediaId: z.uuid() }).strict(), TmdbRef.strict()]);
export type MediaRef = z.infer<typeof MediaRef>;

export const ListEntry = z.object({ media: Media, addedAt: z.string() });
export type ListEntry = z.infer<typeof ListEntry>;

export const PersonalList = z.object({ items: z.array(ListEntry), nextCursor: z.string().nullable() });
export type PersonalList = z.infer<typeof PersonalList>;

export const ListSort = z.enum(['added', 'title', 'year']);
export type ListSort = z.infer<typeof ListSort>;

export const PersonalListQuery = z
  .object({
    type: MediaType.optional(),
    q: Text.trim().min(1).max(200).optional(),
    sort: ListSort.default('added'),
    order: Order,
    limit: Limit,
    cursor: Cursor,
  })
  .superRefine(cursorFitsSort((v) => MEDIA_SORT_CURSOR[v.sort]));
export type PersonalListQuery = z.infer<typeof PersonalListQuery>;
/** As a client writes it (the cursor still the opaque string). */
export type PersonalListQueryInput = z.input<typeof PersonalListQuery>;

/** Everything a details page shows about the user and a title, in one answer. */
export const LibraryStatus = z.object({
  tmdbId: z.number().int(),
  type: MediaType,
  mediaId: z.uuid().nullable(),
  inLibrary: z.boolean(),
  favorite: z.boolean(),
  inWatchlist: z.boolean(),
  progress: Progress.nullable(),
  files: z.array(
    z.object({
      id: z.uuid(),
      quality: z.string().nullable(),
      resolution: z.string().nullable(),
      sizeBytes: z.number().int(),
    }),
  ),
  /** Series: the episodes the user has started or finished. */
  episodes: z.array(
    z.object({ seasonNumber: z.number().int(), episodeNumber: z.number().int(), progress: Progress }),
  ),
});
export type LibraryStatus = z.infer<typeof LibraryStatus>;

// ---- watch history ----

export const RecordProgressRequest = z
  .object({
    mediaId: z.uuid().optional(),
    tmdbId: TmdbId.optional(),
    type: MediaType.optional(),
    seasonNumber: z.number().int().min(0).max(1000).optional(),
    episodeNumber: z.number().int().min(0).max(100_000).optional(),
    positionSeconds: z.number().min(0).max(1_000_000),
    durationSeconds: z.number().positive().max(1_000_000),
    /** The player knows the credits have started: counts as watched even before 90%. */
    inCredits: z.boolean().optional(),
    /** When the player took this position (default: now); late reports never overwrite newer ones. */
    at: z.iso
      .datetime({ offset: true })
      .refine((v) => Number(v.slice(0, 4)) >= 1970, 'is too far in the past')
      .optional(),
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
  .refine((v) => v.type !== 'tv' || (v.seasonNumber !== undefined && v.episodeNumber !== undefined), {
    message: 'a series needs seasonNumber and episodeNumber',
    path: ['seasonNumber'],
  });
export type RecordProgressRequest = z.infer<typeof RecordProgressRequest>;

export const RecordProgressResponse = z.object({
  mediaId: z.uuid(),
  progress: Progress,
  /** False when a newer position was already recorded (this one arrived late). */
  applied: z.boolean(),
});
export type RecordProgressResponse = z.infer<typeof RecordProgressResponse>;

export const HistoryEntry = z.object({ media: Media, series: Media.nullable(), progress: Progress });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const HistoryQuery = z.object({
  type: MediaKind.optional(),
  limit: Limit,
  /** Most recent first: its position is when the progress was recorded. */
  cursor: pageCursor('timestamp').optional(),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;

export const HistoryList = z.object({ items: z.array(HistoryEntry), nextCursor: z.string().nullable() });
export type HistoryList = z.infer<typeof HistoryList>;

export const ContinueItem = z.object({
  /** resume: pick up where the user stopped; next: the episode after the one they finished. */
  reason: z.enum(['resume', 'next']),
  media: Media,
  series: Media.nullable(),
  progress: Progress.nullable(),
  lastWatchedAt: z.string(),
});
export type ContinueItem = z.infer<typeof ContinueItem>;

export const ContinueQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).default(20) });
export type ContinueQuery = z.infer<typeof ContinueQuery>;

export const ContinueList = z.object({ items: z.array(ContinueItem) });
export type ContinueList = z.infer<typeof ContinueList>;

/** Watched: past 90% of the duration, or in the credits. */
export const COMPLETED_RATIO = 0.9;
