import type { CreateMediaFileRequest, MediaFile, MediaTrack } from '@sokoul/contracts';
import { type Db, iso, type Timestamp } from './db.js';

/**
 * The `media_files` table: files on disk attached to a film or an episode. Admins add files by hand
 * through the API; torrent-node's import adds the ones it downloaded. Both call these functions.
 */

interface FileRow {
  id: string;
  media_id: string;
  path: string;
  size_bytes: string | number;
  container: string | null;
  video_codec: string | null;
  audio_codec: string | null;
  resolution: string | null;
  duration_seconds: number | null;
  quality: string | null;
  hdr: string | null;
  audio_tracks: MediaTrack[];
  subtitle_tracks: MediaTrack[];
  origin: MediaFile['origin'];
  download_id: string | null;
  added_at: Timestamp;
}

export const FILE_COLUMNS =
  'id, media_id, path, size_bytes, container, video_codec, audio_codec, resolution, duration_seconds, quality, hdr, audio_tracks, subtitle_tracks, origin, download_id, added_at';

export const fileFromRow = (row: FileRow): MediaFile => ({
  id: row.id,
  mediaId: row.media_id,
  path: row.path,
  sizeBytes: Number(row.size_bytes),
  container: row.container,
  videoCodec: row.video_codec,
  audioCodec: row.audio_codec,
  resolution: row.resolution,
  durationSeconds: row.duration_seconds,
  quality: row.quality,
  hdr: row.hdr,
  audioTracks: row.audio_tracks ?? [],
  subtitleTracks: row.subtitle_tracks ?? [],
  origin: row.origin,
  downloadId: row.download_id,
  addedAt: iso(row.added_at),
});

/** A film's files, or every file of a series' episodes. */
export async function listFiles(db: Db, mediaId: string): Promise<MediaFile[]> {
  const rows = await db.query<FileRow>(
    `SELECT ${FILE_COLUMNS} FROM media_files
     WHERE media_id = $1 OR media_id IN (SELECT id FROM media WHERE parent_id = $1)
     ORDER BY added_at, id`,
    [mediaId],
  );
  return rows.map(fileFromRow);
}

/** What an import knows beyond what an admin can type. */
export interface ProbedFile extends CreateMediaFileRequest {
  hdr?: string | null;
  audioTracks?: MediaTrack[];
  subtitleTracks?: MediaTrack[];
  downloadId?: string | null;
}

/** An import run again (after a crash) updates its rows instead of failing. */
const UPSERT = `ON CONFLICT (path) DO UPDATE SET media_id = excluded.media_id, size_bytes = excluded.size_bytes,
       container = excluded.container, video_codec = excluded.video_codec, audio_codec = excluded.audio_codec,
       resolution = excluded.resolution, duration_seconds = excluded.duration_seconds, quality = excluded.quality,
       origin = excluded.origin, hdr = excluded.hdr, audio_tracks = excluded.audio_tracks,
       subtitle_tracks = excluded.subtitle_tracks, download_id = excluded.download_id`;

/**
 * Records a file. A path recorded twice is a unique violation for files added by hand (the admin
 * is told), and an update for downloaded ones (origin `download`), so an import is idempotent.
 */
export async function insertFile(db: Db, mediaId: string, input: ProbedFile): Promise<MediaFile> {
  const [row] = await db.query<FileRow>(
    `INSERT INTO media_files (media_id, path, size_bytes, container, video_codec, audio_codec, resolution,
       duration_seconds, quality, origin, hdr, audio_tracks, subtitle_tracks, download_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb -> 'tracks', $13::jsonb -> 'tracks', $14)
     ${input.origin === 'download' ? UPSERT : ''}
     RETURNING ${FILE_COLUMNS}`,
    [
      mediaId,
      input.path,
      input.sizeBytes,
      input.container ?? null,
      input.videoCodec ?? null,
      input.audioCodec ?? null,
      input.resolution ?? null,
      input.durationSeconds ?? null,
      input.quality ?? null,
      input.origin ?? 'manual',
      input.hdr ?? null,
      { tracks: input.audioTracks ?? [] },
      { tracks: input.subtitleTracks ?? [] },
      input.downloadId ?? null,
    ],
  );
  if (!row) throw new Error('file insert returned nothing');
  return fileFromRow(row);
}

export async function deleteFile(db: Db, mediaId: string, fileId: string): Promise<boolean> {
  return (await db.execute('DELETE FROM media_files WHERE id = $1 AND media_id = $2', [fileId, mediaId])) > 0;
}

/** Every file row's path, for the scheduler's orphan check. */
export async function listMediaFilePaths(db: Db): Promise<{ id: string; mediaId: string; path: string }[]> {
  const rows = await db.query<{ id: string; media_id: string; path: string }>(
    'SELECT id, media_id, path FROM media_files ORDER BY path',
  );
  return rows.map((r) => ({ id: r.id, mediaId: r.media_id, path: r.path }));
}
