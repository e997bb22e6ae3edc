import { createHash } from 'node:crypto';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { join, posix, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import type {
  DownloadEngineName,
  EngineStreaming,
  Logger,
  SpeedLimits,
  TorrentNodeConfig,
} from '@sokoul/contracts';
import type { StoredDownloadClient } from '@sokoul/db';
import parseTorrent from 'parse-torrent';
import type {
  AddOptions,
  DownloadEngine,
  EngineStatus,
  FileBytes,
  PriorityWindow,
  TorrentMetadata,
  TorrentSource,
  TorrentStats,
} from '../engine.js';
import { DownloadFailure } from '../source.js';

/**
 * What qBittorrent and Transmission share behind Sokoul's `DownloadEngine`: the path mapping, one
 * poll a second that keeps every figure in a cache (so `stats` is synchronous), the client's state
 * (down, bad credentials) with back-off, the piece map turned into file byte ranges, and reads from
 * the files the client writes, waiting for the pieces the client reports complete (and, for a
 * client that caches writes, for their hash to check on disk).
 *
 * Paths: the client is told to save a download in posix `join(remotePath, id)` (the folder as the
 * client sees it); torrent-node reads the same folder at `join(localPath, id)` = `savePathFor(id)`.
 */

export interface ExternalEngineOptions {
  client: StoredDownloadClient;
  config: TorrentNodeConfig;
  log: Logger;
  /** How often the client is asked about Sokoul's torrents (1 s). */
  pollMs?: number;
}

/** One file of a torrent as the client reports it, in the torrent's order. */
export interface ClientFile {
  /** Relative to the torrent's save path, `/`-separated, as the client writes it. */
  path: string;
  size: number;
  bytesDone: number;
  wanted: boolean;
}

/** What one poll learnt about a torrent in the client. */
export interface ClientTorrent {
  hash: string;
  name: string;
  /** Its save folder as the client sees it. */
  savePath: string;
  /** The client has the info dictionary (files, piece size). */
  hasMetadata: boolean;
  pieceLength: number;
  /** Stopped in the client (paused, or stopped once its metadata arrived). */
  stopped: boolean;
  /** Checking its data: progress figures are not final meanwhile. */
  checking: boolean;
  /** The client reports the torrent broken (its own error state), worded for users. */
  failure: string | null;
  downloadSpeed: number;
  uploadSpeed: number;
  peers: number;
  /** The client's own counters for the torrent (all time). */
  downloaded: number;
  uploaded: number;
  /** Null when not asked this time (the last ones stand). */
  files: ClientFile[] | null;
  /** One byte per piece, 1 when complete; null when not asked this time. */
  pieces: Uint8Array | null;
}

/** What the poll asks about one followed torrent. */
export interface Followed {
  hash: string;
  /** Its files are known here already (metadata learnt). */
  known: boolean;
  /** Its file figures may have changed (a selection was just made): ask for them again. */
  stale: boolean;
  /** Someone reads it or watches its availability: ask for its piece states. */
  watch: boolean;
}

/** What `beginStreaming` changed in the client, for `endStreaming` to give back. */
export interface StreamUndo {
  sequential: boolean;
  firstLast: boolean;
  boostedFile: number | null;
}

/** The client cannot be used now: why, worded for an admin. */
export class ClientDown extends Error {
  constructor(
    readonly state: 'unreachable' | 'unauthorized' | 'error',
    message: string,
  ) {
    super(message);
  }
}

/** An HTTP status carried by an ofetch error (the libraries' transport), if any. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { statusCode?: unknown; status?: unknown; response?: { status?: unknown } };
  const status = e.statusCode ?? e.status ?? e.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Followed torrent state, per download id. */
export interface Tracked {
  readonly id: string;
  readonly hash: string;
  readonly remoteSavePath: string;
  readonly localSavePath: string;
  readonly source: TorrentSource;
  /** Added here and not yet told which files to fetch: kept stopped once its files are known. */
  held: boolean;
  /** Sokoul paused it. */
  paused: boolean;
  /** The files Sokoul asked for; null until `selectFiles` (the client's own choice stands). */
  selected: number[] | null;
  torrent: ClientTorrent | null;
  files: ClientFile[] | null;
  filesStale: boolean;
  pieces: Uint8Array | null;
  /** availability() was asked lately: piece states are fetched until then. */
  watchUntil: number;
  metadata: TorrentMetadata | undefined;
  /** The pieces' SHA-1s (20 bytes each) when the .torrent is known: reads check pieces on disk. */
  hashes: Uint8Array | null;
  /** Pieces found on disk with their hash, one byte each. */
  verified: Uint8Array | null;
  /** Where each file starts in the torrent's bytes. */
  offsets: number[];
  pieceLength: number;
  /** The client's counters when this engine took the torrent (stats count from there). */
  baseline: { downloaded: number; uploaded: number } | null;
  windows: Set<HeldWindow>;
  /** What Sokoul changed in the client for streaming, while windows are held. */
  stream: { undo: StreamUndo; fileIndex: number } | null;
  streamChain: Promise<void>;
  streamRelease: NodeJS.Timeout | null;
  openReads: number;
  waiters: Set<Waiter>;
  done: boolean;
  failed: boolean;
}

interface HeldWindow extends PriorityWindow {
  fileIndex: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** availability() keeps piece states fetched this long after it was last asked. */
const WATCH_MS = 5_000;
/** A stream's windows all given back: the client's order is restored after this long without one. */
const STREAM_RELEASE_MS = 5_000;
/** How long `add` waits for a client that said yes to list the torrent. */
const ADD_VISIBLE_MS = 15_000;
/** Read size from disk (each read checks the pieces it covers first). */
const READ_CHUNK = 1024 * 1024;
/** The poll while a magnet this engine added waits for its metadata (to stop it before data flows). */
const METADATA_POLL_MS = 250;

const BACKOFF: Record<ClientDown['state'], { first: number; max: number }> = {
  // A client restarting is back within seconds.
  unreachable: { first: 1_000, max: 15_000 },
  // qBittorrent bans an address after a few failed logins (5 by default, for an hour): slowly.
  unauthorized: { first: 60_000, max: 30 * 60_000 },
  error: { first: 5_000, max: 60_000 },
};

/** A torrent's info hash from what Sokoul has of it. */
async function infoHashOf(source: TorrentSource): Promise<string> {
  try {
    const parsed = await parseTorrent(source.torrentFile ?? source.magnet);
    if (/^[0-9a-f]{40}$/.test(parsed.infoHash)) return parsed.infoHash;
  } catch {
    // Worded below.
  }
  throw source.torrentFile
    ? new DownloadFailure('not_a_torrent', 'The file is not a valid .torrent')
    : new DownloadFailure('invalid_magnet', 'The magnet link is not a valid BitTorrent magnet link');
}

/** Two folders as a client reports them (trailing slashes and `.` segments aside). */
export const samePath = (a: string, b: string) => posix.normalize(`${a}/`) === posix.normalize(`${b}/`);

/** How often a client is checked while Sokoul follows none of its torrents. */
const IDLE_CHECK_MS = 10_000;

export abstract class ExternalEngine implements DownloadEngine {
  abstract readonly name: DownloadEngineName;
  /** What the running client version allows (Transmission's depends on it). */
  abstract get streaming(): EngineStreaming;
  /** A client seeds by its own rules once Sokoul imported the files. */
  readonly seeds = false;
  /** The client's name in messages. */
  protected abstract readonly label: string;
  /**
   * The client stops a magnet by itself once its metadata arrives (qBittorrent's stop condition);
   * otherwise the poll stops it, quickly, before `selectFiles`.
   */
  protected abstract get stopsAtMetadata(): boolean;

  protected readonly client: StoredDownloadClient;
  protected readonly log: Logger;
  readonly #pollMs: number;
  readonly #localRoot: string;
  readonly #tracked = new Map<string, Tracked>();
  readonly #errorListeners: ((id: string, error: Error) => void)[] = [];
  readonly #doneListeners: ((id: string) => void)[] = [];
  #status: EngineStatus;
  /** The configuration cannot work (set once): nothing is asked of the client. */
  readonly #misconfigured: string | null = null;
  #connected = false;
  /** Back after being away: what Sokoul runs and the client restarted stopped is started again. */
  #recovering = false;
  #failures = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #polling: Promise<void> = Promise.resolve();
  #idleCheckedAt = Date.now();

  constructor(opts: ExternalEngineOptions, label: string) {
    this.client = opts.client;
    this.log = opts.log;
    this.#pollMs = opts.pollMs ?? 1000;
    this.#localRoot = resolve(opts.client.localPath);
    const downloads = resolve(opts.config.DOWNLOAD_DIR);
    // The manager only deletes inside DOWNLOAD_DIR, and the stream server only serves from it.
    if (this.#localRoot !== downloads && !this.#localRoot.startsWith(downloads + sep)) {
      this.#misconfigured = `The local path ${opts.client.localPath} is not inside DOWNLOAD_DIR (${downloads}): set the path mapping so torrent-node sees ${label}'s folder inside it`;
      this.#status = { state: 'error', message: this.#misconfigured };
      return;
    }
    this.#status = { state: 'unreachable', message: `Connecting to ${label} at ${opts.client.url}` };
    this.#schedule(0);
  }

  // ---- what a client implements ----

  /** Logs in and learns the version (a fresh session each time: the client may have been upgraded). */
  protected abstract connect(): Promise<void>;
  /** One poll: the followed torrents the client still holds, by hash. */
  protected abstract fetch(followed: Followed[]): Promise<Map<string, ClientTorrent>>;
  /** Adds the torrent, stopped (or stopping at its metadata) until `selectFiles`. */
  protected abstract addTorrent(hash: string, source: TorrentSource, remoteSavePath: string): Promise<void>;
  /** Sets which files are fetched (all others: not). */
  protected abstract setFiles(t: Tracked, wanted: number[], count: number): Promise<void>;
  protected abstract startTorrent(hash: string): Promise<void>;
  protected abstract stopTorrent(hash: string): Promise<void>;
  protected abstract deleteTorrent(hash: string, withData: boolean): Promise<void>;
  /** The torrent of this save folder in the client (a download not followed since a restart). */
  protected abstract findByPath(remoteSavePath: string): Promise<string | undefined>;
  /** The .torrent, when the client can give it. */
  protected abstract exportTorrent(hash: string): Promise<Uint8Array | null>;
  /** Asks for in-order fetching for a stream of `fileIndex`; answers what to give back. */
  protected abstract beginStreaming(t: Tracked, fileIndex: number): Promise<StreamUndo>;
  protected abstract endStreaming(t: Tracked, undo: StreamUndo): Promise<void>;
  /** Words an error of a request: unreachable, bad credentials, or another answer. */
  protected abstract describe(error: unknown): ClientDown;
  /**
   * Makes the client write the torrent's state to disk now (where it only does so later): what a
   * `kill -9` of the client must not lose, once its files are chosen. `running`: it stays running.
   */
  protected async persist(_hash: string, _running: boolean): Promise<void> {}
  /**
   * The client may report a piece complete while its bytes are still in its own write cache
   * (Transmission): a piece is then served only once its hash checks on disk, and a file only once
   * the torrent was `settle`d (the client made to write everything) at completion.
   */
  protected get cachesWrites(): boolean {
    return false;
  }
  /** Makes the client write what it holds of the torrent to disk (a client that `cachesWrites`). */
  protected async settle(_hash: string, _running: boolean): Promise<void> {}

  // ---- paths ----

  savePathFor(id: string): string {
    return join(this.#localRoot, id);
  }

  /** The same folder as the client sees it. */
  protected remoteSavePathFor(id: string): string {
    return posix.join(this.client.remotePath, id);
  }

  // ---- state ----

  status(): EngineStatus {
    return this.#status;
  }

  onError(listener: (id: string, error: Error) => void): void {
    this.#errorListeners.push(listener);
  }

  onDone(listener: (id: string) => void): void {
    this.#doneListeners.push(listener);
  }

  /** The client has its own speed limits, set by its owner; Sokoul's apply to its own engine. */
  setLimits(_limits: SpeedLimits): void {}

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#polling = this.#poll();
    }, ms);
  }

  #up(): void {
    this.#failures = 0;
    if (this.#status.state === 'ok') return;
    const was = this.#status.state;
    this.#status = { state: 'ok', message: null };
    this.#recovering = true;
    this.log.info(`${this.label} answers`, { url: this.client.url, was, torrents: this.#tracked.size });
  }

  /** The client failed a request: its state, and how long until it is asked again. */
  #down(error: unknown): number {
    const problem = error instanceof ClientDown ? error : this.describe(error);
    this.#connected = false;
    if (this.#status.state !== problem.state || this.#status.message !== problem.message)
      this.log.warn(`${this.label} cannot be used`, {
        url: this.client.url,
        state: problem.state,
        message: problem.message,
      });
    this.#status = { state: problem.state, message: problem.message };
    const { first, max } = BACKOFF[problem.state];
    const delay = Math.min(max, first * 2 ** this.#failures);
    this.#failures += 1;
    return delay;
  }

  /** Logged in (a new session after any failure), or a `ClientDown` saying why not. */
  async #ensureConnected(): Promise<void> {
    if (this.#misconfigured) throw new DownloadFailure('client_error', this.#misconfigured);
    if (this.#connected) return;
    try {
      await this.connect();
    } catch (error) {
      throw error instanceof ClientDown ? error : this.describe(error);
    }
    this.#connected = true;
    this.#up();
  }

  /**
   * A request failed: a transport, login or connection problem sets the client's state (its rows
   * wait); a refusal of one torrent (a `DownloadFailure`) is only the caller's.
   */
  #noteFailure(error: unknown): void {
    if (error instanceof DownloadFailure) return;
    const problem = error instanceof ClientDown ? error : this.describe(error);
    if (problem.state !== 'error' || !this.#connected) this.#down(problem);
  }

  async #poll(): Promise<void> {
    if (this.#closed) return;
    let next = this.#pollMs;
    try {
      await this.#ensureConnected();
      const tracked = [...this.#tracked.values()];
      if (tracked.length > 0) {
        const now = Date.now();
        const seen = await this.fetch(
          tracked.map((t) => ({
            hash: t.hash,
            known: !!t.metadata,
            stale: t.filesStale,
            watch: t.openReads > 0 || t.windows.size > 0 || t.watchUntil > now,
          })),
        );
        const recovering = this.#recovering;
        this.#recovering = false;
        for (const t of tracked) {
          if (this.#tracked.get(t.id) !== t) continue;
          const torrent = seen.get(t.hash);
          try {
            await this.#update(t, torrent);
            // A client killed before it saved a torrent's state restores it stopped.
            if (recovering && torrent?.stopped && !t.paused && !t.held && !t.failed) {
              this.log.info('torrent started again after the client came back', { downloadId: t.id });
              await this.startTorrent(t.hash);
            }
          } catch (error) {
            // One torrent's refusal is not the client's state; a transport or login problem is.
            const problem = error instanceof ClientDown ? error : this.describe(error);
            if (!(error instanceof DownloadFailure) && problem.state !== 'error') throw error;
            this.log.warn('cannot follow a torrent this time', { downloadId: t.id, error: String(error) });
          }
        }
      } else {
        this.#recovering = false;
        // Following nothing, no request would notice the client going away: it is asked now and then.
        if (Date.now() - this.#idleCheckedAt >= IDLE_CHECK_MS) {
          this.#idleCheckedAt = Date.now();
          await this.connect();
        }
      }
      this.#up();
    } catch (error) {
      next = this.#down(error);
    }
    // Reads re-check their pieces (or wait on).
    for (const t of this.#tracked.values()) this.#wake(t);
    if (!this.stopsAtMetadata && [...this.#tracked.values()].some((t) => t.held && !t.metadata))
      next = Math.min(next, METADATA_POLL_MS);
    this.#schedule(next);
  }

  /** Applies what the client said about one torrent; `undefined`: the client no longer has it. */
  async #update(t: Tracked, torrent: ClientTorrent | undefined): Promise<void> {
    if (t.failed) return;
    if (!torrent) {
      this.#fail(t, `The torrent is no longer in ${this.label} (removed there?)`);
      return;
    }
    t.torrent = torrent;
    t.baseline ??= { downloaded: torrent.downloaded, uploaded: torrent.uploaded };
    if (torrent.files) {
      t.files = torrent.files;
      t.filesStale = false;
    }
    if (torrent.pieces) t.pieces = torrent.pieces;
    if (torrent.failure) return this.#fail(t, torrent.failure);
    if (!samePath(torrent.savePath, t.remoteSavePath))
      return this.#fail(
        t,
        `${this.label} moved the torrent to ${torrent.savePath}; Sokoul reads it at ${t.remoteSavePath} (as ${this.label} sees it)`,
      );
    if (!t.metadata && torrent.hasMetadata && t.files && t.files.length > 0)
      await this.#learnMetadata(t, torrent);
    // Stopped before any data of unwanted files flows (the client did not stop it by itself).
    if (t.held && t.metadata && !torrent.stopped) await this.stopTorrent(t.hash);
    await this.#checkDone(t, torrent);
  }

  async #learnMetadata(t: Tracked, torrent: ClientTorrent): Promise<void> {
    const files = t.files ?? [];
    let offset = 0;
    t.offsets = files.map((f) => {
      const at = offset;
      offset += f.size;
      return at;
    });
    t.pieceLength = torrent.pieceLength;
    const torrentFile = t.source.torrentFile
      ? new Uint8Array(t.source.torrentFile)
      : await this.exportTorrent(t.hash).catch((error: unknown) => {
          this.log.debug('cannot export the .torrent', { downloadId: t.id, error: String(error) });
          return null;
        });
    t.metadata = {
      infoHash: t.hash,
      name: torrent.name,
      files: files.map((f, index) => ({ index, path: f.path, sizeBytes: f.size })),
      bytesTotal: offset,
      torrentFile,
    };
    if (this.cachesWrites && torrentFile && t.pieceLength > 0) {
      const parsed = await parseTorrent(torrentFile).catch(() => null);
      const pieces = parsed?.pieces ?? [];
      if (pieces.length === Math.ceil(offset / t.pieceLength)) {
        t.hashes = Buffer.from(pieces.join(''), 'hex');
        t.verified = new Uint8Array(pieces.length);
      }
    }
    this.log.info('torrent metadata known', { downloadId: t.id, engine: this.name, files: files.length });
    if (t.selected && t.held) await this.#applySelection(t, t.selected);
  }

  /** The files fetched: Sokoul's choice, else the client's. */
  #selection(t: Tracked): number[] {
    if (t.selected) return t.selected;
    return (t.files ?? []).flatMap((f, index) => (f.wanted ? [index] : []));
  }

  /** The client says the file is complete. */
  #clientHas(t: Tracked, index: number): boolean {
    const file = t.files?.[index];
    return !!file && file.bytesDone >= file.size;
  }

  /** The file is complete on disk (for a client that caches writes: the torrent settled since). */
  #onDisk(t: Tracked, index: number): boolean {
    return this.#clientHas(t, index) && (!this.cachesWrites || t.done);
  }

  /** Every selected file complete per the client, and in place on disk under its final name. */
  async #checkDone(t: Tracked, torrent: ClientTorrent): Promise<void> {
    const selected = this.#selection(t);
    const complete =
      !!t.metadata &&
      !t.held &&
      !torrent.checking &&
      selected.length > 0 &&
      selected.every((i) => this.#clientHas(t, i));
    if (!complete) {
      t.done = false;
      return;
    }
    if (t.done) return;
    // A client renames a finished file (`.!qB`, `.part`) or moves it out of its incomplete folder.
    for (const index of selected) {
      const file = t.metadata?.files[index];
      if (!file) return;
      const size = await stat(join(t.localSavePath, file.path)).then(
        (s) => s.size,
        () => -1,
      );
      if (size !== file.sizeBytes) return;
    }
    if (this.cachesWrites) await this.settle(t.hash, !t.paused);
    t.done = true;
    this.log.info('torrent complete in the client', { downloadId: t.id, engine: this.name });
    for (const listener of this.#doneListeners) listener(t.id);
  }

  #fail(t: Tracked, message: string): void {
    if (t.failed) return;
    t.failed = true;
    this.log.warn('torrent failed in the client', { downloadId: t.id, engine: this.name, message });
    this.#rejectWaiters(t, new Error(message));
    const error = new DownloadFailure('client_error', message);
    for (const listener of this.#errorListeners) listener(t.id, error);
  }

  // ---- the torrents ----

  async add(id: string, source: TorrentSource, savePath: string, opts: AddOptions = {}): Promise<void> {
    if (this.#tracked.has(id)) return;
    if (resolve(savePath) !== this.savePathFor(id))
      throw new Error(`${this.label} saves download ${id} at ${this.savePathFor(id)}, not ${savePath}`);
    const hash = await infoHashOf(source);
    const other = [...this.#tracked.values()].find((t) => t.hash === hash);
    if (other)
      throw new DownloadFailure(
        'duplicate',
        `This torrent (info hash ${hash}) is already being downloaded by another download`,
      );
    try {
      await this.#ensureConnected();
    } catch (error) {
      this.#noteFailure(error);
      throw error;
    }
    const t: Tracked = {
      id,
      hash,
      remoteSavePath: this.remoteSavePathFor(id),
      localSavePath: this.savePathFor(id),
      source,
      held: false,
      paused: false,
      selected: opts.selectedFiles ? [...new Set(opts.selectedFiles)].sort((a, b) => a - b) : null,
      torrent: null,
      files: null,
      filesStale: true,
      pieces: null,
      watchUntil: 0,
      metadata: undefined,
      hashes: null,
      verified: null,
      offsets: [],
      pieceLength: 0,
      baseline: null,
      windows: new Set(),
      stream: null,
      streamChain: Promise.resolve(),
      streamRelease: null,
      openReads: 0,
      waiters: new Set(),
      done: false,
      failed: false,
    };
    try {
      let torrent = await this.#lookup(t);
      if (torrent) {
        this.#checkAdoptable(t, torrent);
        // Until `selectFiles` it fetches at most its metadata: stopped with its files known (as Sokoul
        // left it before a restart), else started and stopped again once they are.
        t.held = torrent.stopped || !torrent.hasMetadata;
        if (torrent.stopped && !torrent.hasMetadata) await this.startTorrent(hash);
        this.log.info('torrent adopted from the client', {
          downloadId: id,
          engine: this.name,
          infoHash: hash,
        });
      } else {
        await this.addTorrent(hash, source, t.remoteSavePath).catch(async (error: unknown) => {
          // Refused because it is there after all (added meanwhile): adopted below.
          if (await this.#lookup(t).catch(() => undefined)) return;
          throw error;
        });
        torrent = await this.#waitListed(t);
        this.#checkAdoptable(t, torrent);
        t.baseline = { downloaded: 0, uploaded: 0 };
        t.held = true;
        this.log.info('torrent added to the client', { downloadId: id, engine: this.name, infoHash: hash });
      }
      this.#tracked.set(id, t);
      await this.#update(t, torrent);
    } catch (error) {
      this.#tracked.delete(id);
      this.#noteFailure(error);
      throw error;
    }
  }

  /** The torrent in the client now (one poll of it alone). */
  async #lookup(t: Tracked): Promise<ClientTorrent | undefined> {
    const seen = await this.fetch([{ hash: t.hash, known: false, stale: true, watch: false }]);
    return seen.get(t.hash);
  }

  async #waitListed(t: Tracked): Promise<ClientTorrent> {
    const deadline = Date.now() + ADD_VISIBLE_MS;
    for (;;) {
      const torrent = await this.#lookup(t);
      if (torrent) return torrent;
      if (Date.now() > deadline)
        throw new DownloadFailure('client_error', `${this.label} accepted the torrent but does not list it`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Refuses a torrent the client holds elsewhere: another download's, or the user's own. */
  #checkAdoptable(t: Tracked, torrent: ClientTorrent): void {
    if (samePath(torrent.savePath, t.remoteSavePath)) return;
    const parent = posix.dirname(posix.normalize(torrent.savePath));
    if (samePath(parent, this.client.remotePath))
      throw new DownloadFailure(
        'duplicate',
        `This torrent (info hash ${t.hash}) is already in ${this.label} for another download`,
      );
    throw new DownloadFailure(
      'client_error',
      `This torrent is already in ${this.label}, saved in ${torrent.savePath}: remove it there, or let it finish and import it`,
    );
  }

  metadata(id: string): TorrentMetadata | undefined {
    return this.#tracked.get(id)?.metadata;
  }

  async selectFiles(id: string, indexes: number[]): Promise<void> {
    const t = this.#require(id);
    const count = t.metadata?.files.length ?? 0;
    if (!t.metadata) throw new Error(`the files of download ${id} are not known yet`);
    const wanted = [...new Set(indexes)].sort((a, b) => a - b);
    if (wanted.length === 0 || wanted.some((i) => !Number.isInteger(i) || i < 0 || i >= count))
      throw new Error(`download ${id} has no such files: ${indexes.join(', ')}`);
    await this.#applySelection(t, wanted);
  }

  async #applySelection(t: Tracked, wanted: number[]): Promise<void> {
    try {
      await this.setFiles(t, wanted, t.metadata?.files.length ?? 0);
      t.selected = wanted;
      t.filesStale = true;
      t.done = false;
      if (t.held && !t.paused) await this.startTorrent(t.hash);
      t.held = false;
      await this.persist(t.hash, !t.paused);
    } catch (error) {
      this.#noteFailure(error);
      throw error;
    }
  }

  async pause(id: string): Promise<void> {
    const t = this.#tracked.get(id);
    if (!t || t.paused) return;
    t.paused = true;
    // Its reads end and its windows go, as when Sokoul's own engine closes a paused torrent.
    this.#rejectWaiters(t, new Error('the download was paused before the range was read'));
    this.#dropWindows(t);
    try {
      await this.stopTorrent(t.hash);
    } catch (error) {
      t.paused = false;
      this.#noteFailure(error);
      throw error;
    }
  }

  async resume(id: string): Promise<void> {
    const t = this.#tracked.get(id);
    if (!t?.paused) return;
    t.paused = false;
    // One waiting for its files to be chosen starts only to fetch its metadata.
    if (t.held && t.metadata) return;
    try {
      await this.startTorrent(t.hash);
    } catch (error) {
      t.paused = true;
      this.#noteFailure(error);
      throw error;
    }
  }

  /**
   * `withData`: a user deleted the download with its files: gone from the client too. Without: the
   * client keeps the torrent (it seeds by its own rules once Sokoul imported it); only forgotten here.
   */
  /** Out of the client (a removed, stalled or failed download): with its files when asked. */
  async remove(id: string, withData: boolean): Promise<void> {
    const t = this.#tracked.get(id);
    try {
      await this.#ensureConnected();
      const hash = t?.hash ?? (await this.findByPath(this.remoteSavePathFor(id)));
      if (hash) await this.deleteTorrent(hash, withData);
    } catch (error) {
      this.#noteFailure(error);
      throw error;
    }
    this.log.info(
      withData
        ? 'torrent deleted in the client with its files'
        : 'torrent removed from the client, files kept',
      { downloadId: id, engine: this.name },
    );
    if (t) await this.#forget(t, withData);
  }

  /** Imported: the client keeps it and seeds by its own rules; Sokoul stops following it. */
  async release(id: string): Promise<void> {
    const t = this.#tracked.get(id);
    if (!t) return;
    if (t.held && t.selected === null) {
      // Added by Sokoul and never started: nobody else's, nothing to keep.
      await this.deleteTorrent(t.hash, false).catch((error: unknown) =>
        this.log.warn('cannot take back an unstarted torrent', { downloadId: id, error: String(error) }),
      );
    }
    await this.#forget(t, false);
  }

  async #forget(t: Tracked, withData: boolean): Promise<void> {
    this.#tracked.delete(t.id);
    this.#rejectWaiters(t, new Error('the download was removed before the range was read'));
    this.#dropWindows(t);
    if (!withData) await t.streamChain;
  }

  has(id: string): boolean {
    return this.#tracked.has(id);
  }

  isPaused(id: string): boolean {
    return this.#tracked.get(id)?.paused ?? false;
  }

  stats(id: string): TorrentStats | undefined {
    const t = this.#tracked.get(id);
    const torrent = t?.torrent;
    if (!t || !torrent) return undefined;
    const files = t.files ?? [];
    const selected = this.#selection(t);
    let bytesDone = 0;
    let bytesTotal = 0;
    for (const index of selected) {
      const file = files[index];
      if (!file) continue;
      bytesTotal += file.size;
      bytesDone += Math.min(file.bytesDone, file.size);
    }
    // Last figures stand while the client is away; nothing moves meanwhile.
    const moving = this.#status.state === 'ok' && !t.paused && !torrent.stopped;
    const base = t.baseline ?? { downloaded: 0, uploaded: 0 };
    return {
      bytesDone,
      bytesTotal,
      received: Math.max(0, torrent.downloaded - base.downloaded),
      uploaded: Math.max(0, torrent.uploaded - base.uploaded),
      downloadSpeed: moving ? torrent.downloadSpeed : 0,
      uploadSpeed: moving ? torrent.uploadSpeed : 0,
      peers: moving ? torrent.peers : 0,
      done: t.done,
      files: files.map((f, index) => ({ index, bytesDone: Math.min(f.bytesDone, f.size) })),
      bitfield: null,
    };
  }

  #require(id: string): Tracked {
    const t = this.#tracked.get(id);
    if (!t) throw new Error(`${this.label} follows no download ${id}`);
    return t;
  }

  // ---- bytes ----

  availability(id: string, fileIndex: number): FileBytes | undefined {
    const t = this.#tracked.get(id);
    const file = t?.metadata?.files[fileIndex];
    if (!t || !file || t.paused) return undefined;
    t.watchUntil = Date.now() + WATCH_MS;
    if (file.sizeBytes === 0) return { ranges: [], complete: true };
    if (this.#onDisk(t, fileIndex)) return { ranges: [[0, file.sizeBytes - 1]], complete: true };
    // Without the pieces' hashes, a caching client's pieces cannot be told on disk.
    if (!t.pieces || t.pieceLength <= 0 || (this.cachesWrites && !t.hashes))
      return { ranges: [], complete: false };
    const size = t.pieceLength;
    const offset = t.offsets[fileIndex] ?? 0;
    const first = Math.floor(offset / size);
    const last = Math.floor((offset + file.sizeBytes - 1) / size);
    const ranges: [number, number][] = [];
    for (let piece = first; piece <= last; piece++) {
      if (t.pieces[piece] !== 1) continue;
      const start = Math.max(0, piece * size - offset);
      const end = Math.min(file.sizeBytes - 1, (piece + 1) * size - 1 - offset);
      const previous = ranges[ranges.length - 1];
      if (previous && previous[1] + 1 === start) previous[1] = end;
      else ranges.push([start, end]);
    }
    const whole = ranges.length === 1 && ranges[0]?.[0] === 0 && ranges[0][1] === file.sizeBytes - 1;
    return { ranges, complete: whole };
  }

  /**
   * How many bytes from `position` (up to `end`) of a file can be read now; when none, the piece to
   * check on disk first (complete per a client that caches writes, not yet checked), if any.
   */
  #readyBytes(
    t: Tracked,
    fileIndex: number,
    position: number,
    end: number,
  ): { ready: number; check: number | null } {
    if (this.#onDisk(t, fileIndex)) return { ready: end - position + 1, check: null };
    if (!t.pieces || t.pieceLength <= 0 || (this.cachesWrites && !t.verified))
      return { ready: 0, check: null };
    const offset = (t.offsets[fileIndex] ?? 0) + position;
    let piece = Math.floor(offset / t.pieceLength);
    let ready = 0;
    while (position + ready <= end && t.pieces[piece] === 1) {
      if (t.verified && t.verified[piece] !== 1) return { ready, check: ready === 0 ? piece : null };
      ready = Math.min(end - position + 1, (piece + 1) * t.pieceLength - offset);
      piece += 1;
    }
    return { ready, check: null };
  }

  /** Reads a piece from the files it spans and checks its hash; remembered when it matches. */
  async #checkPiece(t: Tracked, piece: number): Promise<boolean> {
    const { hashes, verified, metadata } = t;
    if (!hashes || !verified || !metadata) return false;
    const start = piece * t.pieceLength;
    const end = Math.min(metadata.bytesTotal, start + t.pieceLength);
    const sha1 = createHash('sha1');
    for (const file of metadata.files) {
      const offset = t.offsets[file.index] ?? 0;
      const from = Math.max(start, offset) - offset;
      const to = Math.min(end, offset + file.sizeBytes) - offset;
      if (to <= from) continue;
      const bytes = Buffer.alloc(to - from);
      let handle: FileHandle;
      try {
        handle = await openWritten(join(t.localSavePath, file.path));
      } catch {
        return false;
      }
      try {
        const { bytesRead } = await handle.read(bytes, 0, bytes.length, from);
        if (bytesRead !== bytes.length) return false;
      } finally {
        await handle.close();
      }
      sha1.update(bytes);
    }
    const ok = sha1.digest().equals(hashes.subarray(piece * 20, piece * 20 + 20));
    if (ok) verified[piece] = 1;
    return ok;
  }

  createReadStream(id: string, fileIndex: number, range: { start: number; end: number }): Readable {
    const t = this.#tracked.get(id);
    const file = t?.metadata?.files[fileIndex];
    if (!t || !file) throw new Error(`download ${id} has no file ${fileIndex} known to ${this.label}`);
    const { start, end } = range;
    if (!(start >= 0 && end >= start && end < file.sizeBytes))
      throw new RangeError(`bytes ${start}-${end} are outside file ${fileIndex} (${file.sizeBytes} bytes)`);
    const path = join(t.localSavePath, file.path);
    if (!resolve(path).startsWith(t.localSavePath + sep))
      throw new Error(`file ${fileIndex} is outside its download`);
    let position = start;
    let handle: FileHandle | null = null;
    let waiter: Waiter | null = null;
    let pumping = false;
    const pump = async () => {
      if (pumping) return;
      pumping = true;
      try {
        while (position <= end && !out.destroyed) {
          const { ready, check } = this.#readyBytes(t, fileIndex, position, end);
          if (ready === 0) {
            if (check !== null && (await this.#checkPiece(t, check))) continue;
            // Until the next poll: new pieces, or another look at one the client still holds.
            await new Promise<void>((resolve, reject) => {
              waiter = { resolve, reject };
              t.waiters.add(waiter);
            });
            continue;
          }
          handle ??= await openWritten(path);
          const length = Math.min(ready, READ_CHUNK);
          const buffer = Buffer.allocUnsafe(length);
          const { bytesRead } = await handle.read(buffer, 0, length, position);
          // A complete piece is in the file: a short read is a file cut under the client's feet.
          if (bytesRead === 0) throw new Error(`${path} ends before byte ${position}`);
          position += bytesRead;
          if (out.destroyed) return;
          if (!out.push(buffer.subarray(0, bytesRead))) return;
        }
        if (!out.destroyed) out.push(null);
      } catch (error) {
        out.destroy(error instanceof Error ? error : new Error(String(error)));
      } finally {
        pumping = false;
      }
    };
    const out = new Readable({
      read: () => void pump(),
      destroy: (error, callback) => {
        if (waiter) {
          t.waiters.delete(waiter);
          waiter.reject(new Error('read closed'));
        }
        const closing = handle;
        handle = null;
        void (closing ? closing.close().catch(() => undefined) : Promise.resolve()).then(() =>
          callback(error),
        );
      },
    });
    t.openReads += 1;
    out.once('close', () => {
      t.openReads -= 1;
    });
    return out;
  }

  openReads(id: string): number {
    return this.#tracked.get(id)?.openReads ?? 0;
  }

  #wake(t: Tracked): void {
    const waiters = [...t.waiters];
    t.waiters.clear();
    for (const w of waiters) w.resolve();
  }

  #rejectWaiters(t: Tracked, error: Error): void {
    const waiters = [...t.waiters];
    t.waiters.clear();
    for (const w of waiters) w.reject(error);
  }

  // ---- streaming order ----

  /**
   * The client's sequential order and first/last pieces while any window is held (a client has no
   * per-range priority: the windows themselves are kept for `priorities`), given back a few seconds
   * after the last one goes.
   */
  prioritize(id: string, fileIndex: number, window: PriorityWindow): () => void {
    const t = this.#tracked.get(id);
    if (!t?.metadata || t.paused || !t.metadata.files[fileIndex]) return () => {};
    const held: HeldWindow = { ...window, fileIndex };
    t.windows.add(held);
    if (t.streamRelease) {
      clearTimeout(t.streamRelease);
      t.streamRelease = null;
    }
    if (t.stream?.fileIndex !== fileIndex) this.#chainStreaming(t, fileIndex);
    return () => {
      if (!t.windows.delete(held) || t.windows.size > 0) return;
      t.streamRelease = setTimeout(() => {
        t.streamRelease = null;
        if (t.windows.size === 0) this.#chainStreaming(t, null);
      }, STREAM_RELEASE_MS);
      t.streamRelease.unref();
    };
  }

  /** Moves the client's streaming order to `fileIndex` (null: gives it back), one change at a time. */
  #chainStreaming(t: Tracked, fileIndex: number | null): void {
    const wanted = fileIndex;
    t.streamChain = t.streamChain.then(async () => {
      try {
        if (t.stream && t.stream.fileIndex !== wanted) {
          const { undo } = t.stream;
          t.stream = null;
          await this.endStreaming(t, undo);
        }
        if (wanted !== null && !t.stream && this.#tracked.get(t.id) === t && !t.paused) {
          t.stream = { undo: await this.beginStreaming(t, wanted), fileIndex: wanted };
          this.log.debug('streaming order asked of the client', { downloadId: t.id, fileIndex: wanted });
        }
      } catch (error) {
        this.#noteFailure(error);
        this.log.warn('cannot change the streaming order in the client', {
          downloadId: t.id,
          error: String(error),
        });
      }
    });
  }

  #dropWindows(t: Tracked): void {
    t.windows.clear();
    if (t.streamRelease) clearTimeout(t.streamRelease);
    t.streamRelease = null;
    this.#chainStreaming(t, null);
  }

  priorities(id: string): (PriorityWindow & { fileIndex: number })[] {
    const windows = this.#tracked.get(id)?.windows ?? [];
    return [...windows].map(({ fileIndex, start, end, level }) => ({ fileIndex, start, end, level }));
  }

  async destroy(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#polling.catch(() => undefined);
    const tracked = [...this.#tracked.values()];
    this.#tracked.clear();
    for (const t of tracked) {
      this.#rejectWaiters(t, new Error(`the ${this.label} engine closed before the range was read`));
      this.#dropWindows(t);
    }
    // The client's order given back where it can be, without holding torrent-node's exit for long.
    const restored = Promise.allSettled(tracked.map((t) => t.streamChain));
    await Promise.race([restored, new Promise((r) => setTimeout(r, 3000).unref())]);
  }
}

/** A file a client writes: its final name, or the name it has while incomplete. */
async function openWritten(path: string): Promise<FileHandle> {
  for (const candidate of [path, `${path}.!qB`, `${path}.part`]) {
    try {
      return await open(candidate, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error(`${path} is not on disk`);
}
