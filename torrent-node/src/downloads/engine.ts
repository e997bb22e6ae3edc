import type { Readable } from 'node:stream';
import type { DownloadEngineName, EngineState, EngineStreaming, SpeedLimits } from '@sokoul/contracts';

/**
 * What the download manager asks of an engine: Sokoul's own BitTorrent client (webtorrent),
 * Real-Debrid, or an external client (qBittorrent, Transmission). Every torrent is known by its
 * download id; the manager, the queue, import and streaming are the same whichever engine runs it.
 */

/** What a download starts from: the .torrent bytes when Sokoul has them, else the magnet link. */
export type TorrentSource =
  | { torrentFile: Uint8Array; magnet?: string | undefined }
  | { magnet: string; torrentFile?: undefined };

/** A torrent as an engine knows it once its metadata is there. */
export interface TorrentMetadata {
  infoHash: string;
  name: string;
  /** Paths relative to the download's save path, `/`-separated, as the engine writes them. */
  files: { index: number; path: string; sizeBytes: number }[];
  bytesTotal: number;
  /** The .torrent when the engine can give it (a client can export it; Real-Debrid cannot). */
  torrentFile: Uint8Array | null;
}

/** Whether an engine can work at all (a client down, a bad token); shown to users and in /health. */
export interface EngineStatus {
  state: EngineState;
  /** What is wrong and how to fix it, for an admin (English; clients word it by `state`). */
  message: string | null;
}

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
  /** The engine's own id for this torrent saved on the row (Real-Debrid's torrent id), after a restart. */
  engineRef?: string;
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

export interface PriorityWindow {
  /** Inclusive byte offsets in the file. */
  start: number;
  end: number;
  level: 'critical' | 'high';
}

export interface FileBytes {
  /** Inclusive byte ranges of the file that are verified, in order. */
  ranges: [number, number][];
  /** Every piece of the file is verified. */
  complete: boolean;
}

export interface DownloadEngine {
  readonly name: DownloadEngineName;
  /** How a download can be watched before it is complete (shown to users). */
  readonly streaming: EngineStreaming;
  /**
   * Sokoul seeds toward SEED_RATIO / SEED_TIME_MINUTES itself (its own engine). The others finish at
   * import: Real-Debrid has nothing to seed, and a client seeds by its own rules (the manager's
   * `remove(id, false)` then only forgets the torrent, the client keeps it).
   */
  readonly seeds: boolean;
  /** Where this engine writes a download's files, as torrent-node sees them (inside DOWNLOAD_DIR). */
  savePathFor(id: string): string;
  /**
   * Fetches a magnet's info dictionary (the .torrent bytes) without writing anything: the manager
   * checks it before any file is created. Rejects on `signal`. Only Sokoul's own engine has it: the
   * others take the magnet in `add` (a VPN'd client or Real-Debrid fetches it, not this host) and
   * report the files through `metadata`, checked by the manager before `selectFiles`.
   */
  fetchMetadata?(id: string, magnet: string, signal: AbortSignal): Promise<Uint8Array>;
  /**
   * Starts (or resumes) a torrent; resolves once existing data is verified and transfers start. An
   * engine that already holds this torrent (a client after torrent-node restarted) adopts it.
   */
  add(id: string, source: TorrentSource, savePath: string, opts?: AddOptions): Promise<void>;
  /** The torrent's files once known (at once from a .torrent; when the metadata arrived from a magnet). */
  metadata(id: string): TorrentMetadata | undefined;
  /** Fetches only these files (Real-Debrid's selectFiles, a client's file priorities). */
  selectFiles(id: string, indexes: number[]): Promise<void>;
  /** Whether the engine can work now. */
  status(): EngineStatus;
  /** Stops every transfer of the torrent (no connection stays open); `resume` starts it again. */
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /**
   * Takes the torrent out of the engine (a client deletes it, Real-Debrid its copy); `withData`
   * also deletes its files.
   */
  remove(id: string, withData: boolean): Promise<void>;
  /**
   * Stops following a completed, imported download, leaving it where it is: a client keeps seeding
   * it by its own rules. For the others, the same as `remove(id, false)`.
   */
  release(id: string): Promise<void>;
  has(id: string): boolean;
  isPaused(id: string): boolean;
  stats(id: string): TorrentStats | undefined;
  /**
   * Bytes `start` to `end` (inclusive) of one file, exactly; reads of pieces not yet verified wait
   * for them. Errors when the torrent stops before the range is read.
   */
  createReadStream(id: string, fileIndex: number, range: { start: number; end: number }): Readable;
  /** Read streams of the torrent still open (a destroyed one is gone at once). */
  openReads(id: string): number;
  /**
   * Fetches the pieces holding bytes `start` to `end` of a file before the rest of the torrent
   * (`critical`: before any other window too, stealing blocks from slow peers). Windows add up and
   * share the bandwidth; the rest keeps its normal order. The answer gives the window back; it is
   * gone anyway when the torrent stops.
   */
  prioritize(id: string, fileIndex: number, window: PriorityWindow): () => void;
  /** The windows given and not given back (what the stream server holds). */
  priorities(id: string): (PriorityWindow & { fileIndex: number })[];
  /** Which bytes of a running file are verified; undefined when the torrent is not running. */
  availability(id: string, fileIndex: number): FileBytes | undefined;
  setLimits(limits: SpeedLimits): void;
  /**
   * A torrent failed inside the engine (disk error, corrupt store, a debrid refusal); a
   * `DownloadFailure` carries the code users see, anything else is `engine_error`.
   */
  onError(listener: (id: string, error: Error) => void): void;
  /** Every wanted piece is verified (the manager imports at once rather than at its next tick). */
  onDone(listener: (id: string) => void): void;
  destroy(): Promise<void>;
}

/** What the stream server reads through, whichever engine holds the download. */
export type EngineReads = Pick<
  DownloadEngine,
  'has' | 'stats' | 'availability' | 'createReadStream' | 'prioritize' | 'priorities' | 'openReads'
>;
