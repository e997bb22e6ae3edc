import type { DownloadState, MediaFile } from '@sokoul/contracts';
import type { Db } from './db.js';
import { FILE_COLUMNS, fileFromRow } from './media-files.js';

/**
 * What can be streamed, read across `media_files` and `download_files` (written by their owners,
 * media-files.ts and downloads.ts; only read here). A file id is a library file's id or a
 * download file's own id: one id space for `/files/{fileId}/…`.
 */

/** Containers a player may be handed (a download's other files are never offered). */
export const VIDEO_EXTENSIONS = [
  'mkv',
  'mp4',
  'm4v',
  'webm',
  'avi',
  'mov',
  'ts',
  'm2ts',
  'wmv',
  'mpg',
  'mpeg',
];

export type StreamFile =
  | { kind: 'library'; fileId: string; mediaId: string; path: string; sizeBytes: number; file: MediaFile }
  | {
      kind: 'download';
      fileId: string;
      mediaId: string;
      /** Absolute: the download's save path joined with the file's path in the torrent. */
      path: string;
      sizeBytes: number;
      bytesDone: number;
      downloadId: string;
      fileIndex: number;
      userId: string;
      state: DownloadState;
      infoHash: string | null;
      /** The download's title (the series for an episode) and what it was asked for. */
      seasonNumber: number | null;
      episodeNumber: number | null;
      name: string;
      downloadSpeed: number;
    };

interface DownloadFileRow {
  id: string;
  media_id: string;
  save_path: string | null;
  path: string;
  size_bytes: string | number;
  bytes_done: string | number;
  download_id: string;
  file_index: number;
  user_id: string;
  state: DownloadState;
  info_hash: string | null;
  season_number: number | null;
  episode_number: number | null;
  name: string;
  download_speed: string | number;
}

const DOWNLOAD_FILE = `SELECT f.id, d.media_id, d.save_path, f.path, f.size_bytes, f.bytes_done, f.download_id,
    f.file_index, d.user_id, d.state, d.info_hash, d.season_number, d.episode_number, d.name, d.download_speed
  FROM download_files f JOIN downloads d ON d.id = f.download_id`;

const joinPath = (dir: string, path: string) => `${dir.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;

function downloadFile(row: DownloadFileRow): StreamFile | undefined {
  if (!row.save_path) return undefined;
  return {
    kind: 'download',
    fileId: row.id,
    mediaId: row.media_id,
    path: joinPath(row.save_path, row.path),
    sizeBytes: Number(row.size_bytes),
    bytesDone: Number(row.bytes_done),
    downloadId: row.download_id,
    fileIndex: row.file_index,
    userId: row.user_id,
    state: row.state,
    infoHash: row.info_hash,
    seasonNumber: row.season_number,
    episodeNumber: row.episode_number,
    name: row.name,
    downloadSpeed: Number(row.download_speed),
  };
}

/** The file behind an id, whichever table holds it. */
export async function streamFile(db: Db, fileId: string): Promise<StreamFile | undefined> {
  const [library] = await db.query<Parameters<typeof fileFromRow>[0]>(
    `SELECT ${FILE_COLUMNS} FROM media_files WHERE id = $1`,
    [fileId],
  );
  if (library) {
    const file = fileFromRow(library);
    return {
      kind: 'library',
      fileId: file.id,
      mediaId: file.mediaId,
      path: file.path,
      sizeBytes: file.sizeBytes,
      file,
    };
  }
  const [row] = await db.query<DownloadFileRow>(`${DOWNLOAD_FILE} WHERE f.id = $1`, [fileId]);
  return row ? downloadFile(row) : undefined;
}

const videoPattern = `\\.(${VIDEO_EXTENSIONS.join('|')})$`;

/**
 * The video files of live downloads (not failed, cancelled or already imported) for a film, or for
 * one episode of a series (a download of that very episode), largest first. `userId` null: everyone's.
 */
export async function downloadingFiles(
  db: Db,
  target: { mediaId: string; seasonNumber?: number | undefined; episodeNumber?: number | undefined },
  userId: string | null,
): Promise<StreamFile[]> {
  const rows = await db.query<DownloadFileRow>(
    `${DOWNLOAD_FILE}
     WHERE d.media_id = $1 AND d.state IN ('metadata', 'downloading', 'paused', 'stalled', 'queued')
       AND ($2::uuid IS NULL OR d.user_id = $2)
       AND d.season_number IS NOT DISTINCT FROM $3 AND d.episode_number IS NOT DISTINCT FROM $4
       AND f.path ~* $5 AND f.role IS DISTINCT FROM 'sample'
     ORDER BY d.created_at DESC, f.size_bytes DESC`,
    [target.mediaId, userId, target.seasonNumber ?? null, target.episodeNumber ?? null, videoPattern],
  );
  return rows.map(downloadFile).filter((f): f is StreamFile => f !== undefined);
}

/**
 * A strong validator for ETag and If-Range: a torrent's bytes never change (its info hash fixes
 * them), a library file is known by its size and when it was recorded.
 */
export const streamTag = (file: StreamFile): string =>
  file.kind === 'library'
    ? `${file.sizeBytes.toString(36)}-${Date.parse(file.file.addedAt).toString(36)}`
    : `${file.infoHash ?? file.downloadId}-${file.fileIndex}`;
