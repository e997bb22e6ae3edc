import type { FileProbe, InternalSubtitleList, SubtitleQuota, SubtitleSearchResult } from '@sokoul/contracts';
import type { StreamFile } from '@sokoul/db';

/**
 * The stream server's parts agree on these. The server (server.ts) checks signatures and ids,
 * resolves a file id to a `StreamFile` under the media folders, and hands it to the byte, remux and
 * subtitle code.
 */

/** An answer other than success: the server writes `{ error: { code, message } }` with `status`. */
export class StreamError extends Error {
  override name = 'StreamError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A file the server may read: its id resolved, its real path checked under DOWNLOAD_DIR or LIBRARY_DIR. */
export type ServedFile = StreamFile & {
  /** The path with symlinks resolved. */
  realPath: string;
  /** Every byte is on disk (a library file, or a download file whose pieces are all verified). */
  complete: boolean;
  /**
   * A URL of the file's bytes on this server that ffmpeg/ffprobe can read with Range (signed for
   * internal use); reads of pieces not yet downloaded wait for them.
   */
  internalUrl: string;
};

export type SubtitleTrackInfo = InternalSubtitleList['tracks'][number];

/** Subtitles of a file (subtitles.ts), called by the server's subtitle routes. */
export interface SubtitleService {
  /** Embedded text and image tracks (from the probe), files beside it, kept OpenSubtitles downloads. */
  list(file: ServedFile, probe: FileProbe | null): Promise<SubtitleTrackInfo[]>;
  /** One track as WebVTT text (extracted once, then cached). */
  vtt(file: ServedFile, trackId: string, probe: FileProbe | null): Promise<string>;
  /** OpenSubtitles: moviehash first, then the title's ids, in `languages` order. */
  search(file: ServedFile, languages: string[]): Promise<SubtitleSearchResult>;
  /** Downloads a candidate once and keeps it beside the file; answers the kept track. */
  download(file: ServedFile, providerFileId: number): Promise<SubtitleTrackInfo>;
  /** OpenSubtitles' quota as its last download answer told it, or null before any (Sentinel's check). */
  quota(): SubtitleQuota | null;
}
