import type { Readable } from 'node:stream';
import type { SpeedLimits } from '@sokoul/contracts';

/**
 * What the download manager asks of a BitTorrent engine (webtorrent today; Real-Debrid and external
 * clients later). Every torrent is known by its download id.
 */

export interface AddOptions {
  /** Verified pieces saved at the last checkpoint (webtorrent's bitfield bytes). */
  bitfield?: Uint8Array;
  /**
   * Trust `bitfield` without spot checks. Only meaningful for a complete download (a seeding one
   * after a restart); for a partial one the engine spot-checks the pieces the bitfield claims.
   */
  skipVerify?: boolean;
  /** File indexes to fetch (all when absent). */
  selectedFiles?: number[];
}

export interface TorrentStats {
  /** Verified bytes. */
  bytesDone: number;
  bytesTotal: number;
  /** Bytes received and sent since this engine added the torrent. */
  received: number;
  uploaded: number;
  downloadSpeed: number;
  uploadSpeed: number;
  peers: number;
  done: boolean;
  files: { index: number; bytesDone: number }[];
  /** A copy of the verified-pieces bitfield. */
  bitfield: Uint8Array | null;
}

export interface DownloadEngine {
  /**
   * Fetches a magnet's info dictionary (the .torrent bytes) without writing anything: the manager
   * checks it before any file is created. Rejects on `signal`.
   */
  fetchMetadata(id: string, magnet: string, signal: AbortSignal): Promise<Uint8Array>;
  /** Starts (or resumes) a torrent; resolves once existing data is verified and transfers start. */
  add(id: string, torrentFile: Uint8Array, savePath: string, opts?: AddOptions): Promise<void>;
  /** Stops every transfer of the torrent (no connection stays open); `resume` starts it again. */
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Forgets the torrent; `withData` also deletes its files. */
  remove(id: string, withData: boolean): Promise<void>;
  has(id: string): boolean;
  isPaused(id: string): boolean;
  stats(id: string): TorrentStats | undefined;
  /** One file's bytes (prioritised while downloading), for streaming. */
  createReadStream(id: string, fileIndex: number, range?: { start?: number; end?: number }): Readable;
  setLimits(limits: SpeedLimits): void;
  /** A torrent failed inside the engine (disk error, corrupt store). */
  onError(listener: (id: string, error: Error) => void): void;
  /** Every wanted piece is verified (the manager imports at once rather than at its next tick). */
  onDone(listener: (id: string) => void): void;
  destroy(): Promise<void>;
}
