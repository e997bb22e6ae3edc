import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { DownloadErrorCode, Logger, SpeedLimits, TorrentNodeConfig } from '@sokoul/contracts';
import { type Db, rememberCached, setEngineRef } from '@sokoul/db';
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
import { checkMagnet, checkTorrentFile, DownloadFailure } from '../source.js';
import {
  type RdTorrent,
  type RdTorrentInfo,
  RealDebridApi,
  RealDebridError,
  sharedBudget,
  type TorrentStatus,
} from './api.js';
import { FileFetch, FileFetchError } from './fetch.js';

/**
 * Real-Debrid behind the DownloadEngine interface: the torrent is added to the account (its id is
 * saved on the row, so a restarted torrent-node follows the same one), Real-Debrid fetches it on
 * its servers while Sokoul shows its progress, then each selected file is unrestricted and copied
 * to disk over HTTP (`fetch.ts`) at `DOWNLOAD_DIR/<id>/<file path>`, where the manager imports it.
 * Until the copy is complete, reads of a file go to its unrestricted link with a Range request.
 *
 * Every followed torrent shares one `GET /torrents` a poll (info only when files are needed), and
 * the poll slows down while nothing changes: the account's 250 requests a minute are shared by
 * the whole process (`sharedBudget`).
 */

export interface RealDebridEngineDeps {
  config: TorrentNodeConfig;
  log: Logger;
  db: Db;
  fetch?: typeof fetch;
}

/** Polls: this soon after a torrent was added or selected… */
const FAST_POLL_MS = 1_000;
/** …this soon after a status changed… */
const CHANGED_POLL_MS = 2_000;
/** …no slower than this while its progress moves (the Downloads page shows it)… */
const PROGRESS_POLL_MS = 10_000;
/** …and this when nothing changed. */
const SLOW_POLL_MS = 30_000;
const POLL_GROWTH = 1.5;
/** How many of the account's latest torrents one poll lists (followed ones missing are asked one by one). */
const LIST_LIMIT = 100;
/** Retries of a call Real-Debrid may answer later (509, 5xx, network): from this, doubling, to the max. */
const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 60_000;
/** Checks of the account while the engine is not `ok` and follows nothing. */
const HEALTH_PROBE_MS = 30_000;
/** A torrent downloaded this soon after its files were selected was cached on Real-Debrid. */
const INSTANT_MS = 10_000;
const MiB = 1024 * 1024;

/** Real-Debrid's statuses once the files are chosen, while it fetches them. */
const WORKING = new Set<TorrentStatus>(['queued', 'downloading', 'compressing', 'uploading']);
const FAILED: Partial<Record<TorrentStatus, { code: DownloadErrorCode; message: string }>> = {
  magnet_error: { code: 'debrid_magnet_error', message: 'Real-Debrid could not read the magnet link' },
  virus: { code: 'debrid_virus', message: 'Real-Debrid found a virus in the torrent' },
  dead: { code: 'debrid_dead', message: 'Real-Debrid gave up on the torrent: no seeders' },
  error: { code: 'debrid_error', message: 'Real-Debrid failed to download the torrent' },
};

class Stopped extends Error {}

interface LocalFile {
  index: number;
  /** Relative to the save path. */
  path: string;
  size: number;
  /** The hoster link Real-Debrid gave for the file; unrestricted into `download`. */
  link: string;
  download: string | null;
  /** One unrestrict at a time for a file (its copy and its readers share the link). */
  unrestricting: Promise<string> | null;
  copy: FileFetch;
}

interface Deferred {
  promise: Promise<void>;
  settle: (error?: unknown) => void;
}

function deferred(): Deferred {
  let settle: (error?: unknown) => void = () => {};
  const promise = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  // Nobody may be waiting: a refusal is reported through onError too.
  promise.catch(() => undefined);
  return { promise, settle };
}

interface Entry {
  id: string;
  savePath: string;
  source: TorrentSource;
  infoHash: string;
  opts: AddOptions;
  rdId: string | null;
  /** The saved engine ref was tried (adopted, or found gone). */
  refTried: boolean;
  paused: boolean;
  stopped: boolean;
  /** Aborts everything in flight for the torrent: its calls, its copy, its reads (pause, remove). */
  abort: AbortController;
  driving: Promise<void>;
  status: TorrentStatus | null;
  progress: number;
  speed: number;
  seeders: number;
  /** Real-Debrid's `bytes`: the selected files' size once chosen. */
  rdBytes: number;
  /** Real-Debrid's ids of the selected files, and their links once downloaded (in that order). */
  selectedIds: number[] | null;
  links: string[];
  metadata: TorrentMetadata | undefined;
  /** Indexes the manager asked for (0-based). */
  wanted: number[] | null;
  selection: Deferred | null;
  selectedSent: boolean;
  selectedAt: number;
  /** Real-Debrid was seen converting the magnet (it did not know the torrent). */
  converted: boolean;
  files: Map<number, LocalFile>;
  done: boolean;
  failure: DownloadFailure | null;
  /** The failure was already given to a caller (add, selectFiles): onError is not told again. */
  reported: boolean;
  reads: Set<Readable>;
  wakers: Set<() => void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export class RealDebridEngine implements DownloadEngine {
  readonly name = 'realdebrid' as const;
  /** Real-Debrid fetches the whole torrent first; then its link serves any byte at once. */
  readonly streaming = 'after_debrid' as const;
  /** Nothing to seed: the download finishes at import. */
  readonly seeds = false;
  readonly #config: TorrentNodeConfig;
  readonly #log: Logger;
  readonly #db: Db;
  readonly #fetch: typeof fetch;
  readonly #api: RealDebridApi | null;
  readonly #entries = new Map<string, Entry>();
  readonly #errorListeners: ((id: string, error: Error) => void)[] = [];
  readonly #doneListeners: ((id: string) => void)[] = [];
  readonly #root: string;
  #pollTimer: NodeJS.Timeout | undefined;
  #pollAt = 0;
  #polling = false;
  #interval = FAST_POLL_MS;
  #destroyed = false;
  readonly #life = new AbortController();

  constructor(deps: RealDebridEngineDeps) {
    this.#config = deps.config;
    this.#log = deps.log;
    this.#db = deps.db;
    this.#fetch = deps.fetch ?? fetch;
    this.#root = resolve(deps.config.DOWNLOAD_DIR);
    const key = deps.config.REAL_DEBRID_API_KEY;
    this.#api = key
      ? new RealDebridApi({
          baseUrl: deps.config.REAL_DEBRID_API_URL,
          apiKey: key,
          budget: sharedBudget(key, deps.config.REAL_DEBRID_REQUESTS_PER_MINUTE),
          log: deps.log,
          fetch: this.#fetch,
        })
      : null;
    // The account is checked once at start, so a bad key shows before any download.
    if (this.#api) void this.#probe();
  }

  /** The request figures of the account's shared budget (the bench and tests read them). */
  get requests(): { sent: number; refused429: number; lastMinute: number; waiting: number } {
    return this.#api?.budget.counts ?? { sent: 0, refused429: 0, lastMinute: 0, waiting: 0 };
  }

  savePathFor(id: string): string {
    return join(this.#root, id);
  }

  status(): EngineStatus {
    if (!this.#api)
      return {
        state: 'not_configured',
        message: 'Real-Debrid is not configured: set REAL_DEBRID_API_KEY to a premium account’s API token',
      };
    return this.#api.health;
  }

  onError(listener: (id: string, error: Error) => void): void {
    this.#errorListeners.push(listener);
  }

  onDone(listener: (id: string) => void): void {
    this.#doneListeners.push(listener);
  }

  /**
   * Resolves once Real-Debrid took the torrent (or adopted the saved one), or once it answered in
   * a way worth waiting out (no free slot, unreachable, a token an admin must fix): it is retried
   * then, and `status()` says why. Rejects with a `DownloadFailure` when Real-Debrid refuses it.
   */
  async add(id: string, source: TorrentSource, savePath: string, opts: AddOptions = {}): Promise<void> {
    if (this.#entries.has(id)) return;
    if (!this.#api)
      throw new DownloadFailure('engine_unavailable', 'Real-Debrid is not configured (REAL_DEBRID_API_KEY)');
    const infoHash = source.torrentFile
      ? (await checkTorrentFile(source.torrentFile)).infoHash
      : await checkMagnet(source.magnet);
    const entry: Entry = {
      id,
      savePath: resolve(savePath),
      source,
      infoHash,
      opts,
      rdId: null,
      refTried: false,
      paused: false,
      stopped: false,
      abort: new AbortController(),
      driving: Promise.resolve(),
      status: null,
      progress: 0,
      speed: 0,
      seeders: 0,
      rdBytes: 0,
      selectedIds: null,
      links: [],
      metadata: undefined,
      wanted: opts.selectedFiles ? [...opts.selectedFiles] : null,
      selection: null,
      selectedSent: false,
      selectedAt: 0,
      converted: false,
      files: new Map(),
      done: false,
      failure: null,
      reported: false,
      reads: new Set(),
      wakers: new Set(),
    };
    this.#entries.set(id, entry);
    const accepted = deferred();
    this.#start(entry, accepted);
    await accepted.promise;
  }

  metadata(id: string): TorrentMetadata | undefined {
    return this.#entries.get(id)?.metadata;
  }

  /**
   * Chooses the files Real-Debrid fetches (and Sokoul copies). Resolves once Real-Debrid took the
   * choice, or answered in a way worth waiting out (509: no free slot; retried then).
   */
  async selectFiles(id: string, indexes: number[]): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) throw new Error(`download ${id} is not on Real-Debrid`);
    const known = new Set(entry.metadata?.files.map((f) => f.index));
    if (entry.metadata && indexes.some((i) => !known.has(i)))
      throw new Error(`download ${id} has no file ${indexes.find((i) => !known.has(i))}`);
    if (indexes.length === 0) throw new Error('no file to select');
    entry.wanted = [...new Set(indexes)].sort((a, b) => a - b);
    if (entry.selectedSent || entry.paused) return;
    entry.selection?.settle();
    const selection = deferred();
    entry.selection = selection;
    this.#wake(entry);
    await selection.promise;
  }

  async pause(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry || entry.paused) return;
    // Real-Debrid's own transfer goes on (it has no pause): only Sokoul's calls, copy and reads stop.
    entry.paused = true;
    await this.#halt(entry, new Stopped('the download was paused'));
  }

  async resume(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry?.paused || entry.stopped) return;
    entry.paused = false;
    entry.abort = new AbortController();
    this.#start(entry, deferred());
    this.#kick();
  }

  /** Its copy on the account has served its purpose once the files are on disk. */
  release(id: string): Promise<void> {
    return this.remove(id, false);
  }

  async remove(id: string, withData: boolean): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    entry.stopped = true;
    await this.#halt(entry, new Stopped('the download was removed'));
    if (entry.rdId && this.#api) {
      try {
        await this.#api.deleteTorrent(entry.rdId, this.#life.signal);
      } catch (error) {
        if (!(error instanceof RealDebridError && error.kind === 'not_found'))
          this.#log.warn('cannot delete the torrent on Real-Debrid', {
            downloadId: id,
            rdId: entry.rdId,
            error: String(error),
          });
      }
    }
    if (withData) {
      const dir = this.savePathFor(id);
      if (resolve(dir).startsWith(this.#root + sep)) await rm(dir, { recursive: true, force: true });
    }
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  isPaused(id: string): boolean {
    return this.#entries.get(id)?.paused ?? false;
  }

  stats(id: string): TorrentStats | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    const metaFiles = entry.metadata?.files ?? [];
    const received = [...entry.files.values()].reduce((sum, f) => sum + f.copy.received, 0);
    if (entry.files.size > 0) {
      // The copy to disk: what is on disk is what counts.
      const local = [...entry.files.values()];
      return {
        bytesDone: local.reduce((sum, f) => sum + f.copy.bytesDone, 0),
        bytesTotal: local.reduce((sum, f) => sum + f.size, 0),
        received,
        uploaded: 0,
        downloadSpeed: entry.paused ? 0 : local.reduce((sum, f) => sum + f.copy.speed, 0),
        uploadSpeed: 0,
        peers: 0,
        done: entry.done,
        files: metaFiles.map((f) => ({
          index: f.index,
          bytesDone: entry.files.get(f.index)?.copy.bytesDone ?? 0,
        })),
        bitfield: null,
      };
    }
    // Real-Debrid fetching it: its own figures.
    const wanted = new Set(entry.wanted ?? metaFiles.map((f) => f.index));
    const chosen = metaFiles.filter((f) => wanted.has(f.index));
    const total = entry.selectedSent
      ? chosen.reduce((sum, f) => sum + f.sizeBytes, 0) || entry.rdBytes
      : (entry.metadata?.bytesTotal ?? 0);
    const fraction = entry.selectedSent ? Math.min(1, Math.max(0, entry.progress / 100)) : 0;
    return {
      bytesDone: Math.round(fraction * total),
      bytesTotal: total,
      received,
      uploaded: 0,
      downloadSpeed: entry.paused ? 0 : entry.speed,
      uploadSpeed: 0,
      peers: entry.paused ? 0 : entry.seeders,
      done: false,
      files: metaFiles.map((f) => ({
        index: f.index,
        bytesDone: wanted.has(f.index) ? Math.round(fraction * f.sizeBytes) : 0,
      })),
      bitfield: null,
    };
  }

  /**
   * Nothing until Real-Debrid has the file and its link is unrestricted; then the whole file,
   * read remotely until the copy is on disk (`complete` only then: the stream server reads a
   * complete file from disk itself).
   */
  availability(id: string, fileIndex: number): FileBytes | undefined {
    const entry = this.#entries.get(id);
    if (!entry || entry.paused || entry.stopped) return undefined;
    const file = entry.files.get(fileIndex);
    if (!file || file.size === 0) return { ranges: [], complete: file?.copy.complete ?? false };
    if (file.copy.complete) return { ranges: [[0, file.size - 1]], complete: true };
    return { ranges: file.download ? [[0, file.size - 1]] : [], complete: false };
  }

  createReadStream(id: string, fileIndex: number, range: { start: number; end: number }): Readable {
    const entry = this.#entries.get(id);
    if (!entry || entry.paused) throw new Error(`download ${id} is not running on Real-Debrid`);
    const stream = this.#readRange(entry, fileIndex, range.start, range.end);
    entry.reads.add(stream);
    stream.once('close', () => entry.reads.delete(stream));
    return stream;
  }

  openReads(id: string): number {
    return this.#entries.get(id)?.reads.size ?? 0;
  }

  /** Real-Debrid fetches the whole torrent and the link serves any byte at once: nothing to put first. */
  prioritize(_id: string, _fileIndex: number, _window: PriorityWindow): () => void {
    return () => {};
  }

  priorities(_id: string): (PriorityWindow & { fileIndex: number })[] {
    return [];
  }

  /**
   * Not applied: the limits are the BitTorrent engine's (peers' upload and download), Real-Debrid
   * has none to set, and the HTTP copy from its servers is not capped here.
   */
  setLimits(_limits: SpeedLimits): void {}

  /** Stops every call, copy and read; the torrents stay on Real-Debrid and the files on disk for the next start. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    clearTimeout(this.#pollTimer);
    this.#life.abort(new Stopped('the engine stopped'));
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(
      entries.map((entry) => {
        entry.stopped = true;
        return this.#halt(entry, new Stopped('the engine stopped'));
      }),
    );
  }

  // ---- the life of one torrent ----

  #start(entry: Entry, accepted: Deferred): void {
    const signal = entry.abort.signal;
    entry.driving = this.#drive(entry, signal, accepted).catch((error: unknown) => {
      accepted.settle();
      if (signal.aborted || error instanceof Stopped) return;
      this.#fail(entry, this.#asFailure(error));
    });
  }

  async #halt(entry: Entry, reason: Stopped): Promise<void> {
    entry.abort.abort(reason);
    for (const read of entry.reads) read.destroy(new Error(`the torrent stopped: ${reason.message}`));
    this.#wake(entry);
    await entry.driving;
  }

  async #drive(entry: Entry, signal: AbortSignal, accepted: Deferred): Promise<void> {
    const api = this.#api as RealDebridApi;
    if (entry.failure) return;
    if (!entry.rdId) {
      await this.#retrying(entry, signal, 'add the torrent', () => this.#addOrAdopt(entry, signal), accepted);
      this.#kick();
    }
    accepted.settle();
    // Files once Real-Debrid has the torrent's metadata (the poll sees its status leave conversion).
    for (let tries = 0; !entry.metadata; tries++) {
      await this.#until(entry, signal, () => entry.status !== null && entry.status !== 'magnet_conversion');
      if (tries > 0) await sleep(RETRY_MIN_MS, signal);
      const info = await this.#retrying(entry, signal, 'read the torrent', () =>
        api.info(entry.rdId ?? '', signal),
      );
      this.#apply(entry, info);
      this.#check(entry);
    }
    this.#check(entry);
    if (entry.status === 'waiting_files_selection' && !entry.selectedSent) {
      await this.#until(entry, signal, () => entry.wanted !== null);
      const wanted = entry.wanted ?? [];
      const selection = entry.selection ?? undefined;
      await this.#retrying(
        entry,
        signal,
        'select the files',
        () =>
          api.selectFiles(
            entry.rdId ?? '',
            wanted.map((i) => i + 1),
            signal,
          ),
        selection,
      );
      entry.selectedSent = true;
      entry.selectedIds = wanted.map((i) => i + 1);
      entry.selectedAt = Date.now();
      this.#kick();
    } else {
      // Real-Debrid chose by itself (a single file), or this is a torrent adopted after a restart.
      entry.selectedSent = true;
    }
    // A selectFiles that came during a retry waits no longer either.
    entry.selection?.settle();
    entry.selection = null;
    await this.#until(entry, signal, () => entry.status === 'downloaded');
    await this.#copy(entry, signal);
  }

  async #addOrAdopt(entry: Entry, signal: AbortSignal): Promise<void> {
    const api = this.#api as RealDebridApi;
    const ref = entry.opts.engineRef;
    if (ref && !entry.refTried) {
      try {
        const info = await api.info(ref, signal);
        entry.refTried = true;
        if (info.hash.toLowerCase() === entry.infoHash) {
          entry.rdId = ref;
          this.#apply(entry, info);
          this.#log.info('following the Real-Debrid torrent again', { downloadId: entry.id, rdId: ref });
          return;
        }
        this.#log.warn('the saved Real-Debrid torrent is another one: adding it again', {
          downloadId: entry.id,
          rdId: ref,
        });
      } catch (error) {
        if (!(error instanceof RealDebridError && error.kind === 'not_found')) throw error;
        entry.refTried = true;
        this.#log.info('Real-Debrid no longer has the torrent: adding it again', {
          downloadId: entry.id,
          rdId: ref,
        });
      }
    }
    const { torrentFile, magnet } = entry.source;
    let rdId: string;
    try {
      rdId = torrentFile
        ? await api.addTorrent(torrentFile, signal)
        : await api.addMagnet(magnet ?? '', signal);
    } catch (error) {
      if (error instanceof RealDebridError && error.kind === 'refused' && error.status === 400)
        throw new DownloadFailure('debrid_magnet_error', `Real-Debrid refused the torrent: ${error.message}`);
      throw error;
    }
    entry.rdId = rdId;
    this.#log.info('torrent added to Real-Debrid', { downloadId: entry.id, rdId, infoHash: entry.infoHash });
    await setEngineRef(this.#db, entry.id, rdId).catch((error: unknown) =>
      this.#log.warn('cannot save the Real-Debrid torrent id', {
        downloadId: entry.id,
        error: String(error),
      }),
    );
  }

  /**
   * Real-Debrid has the files: each wanted one is unrestricted and copied to disk, one after the
   * other (each over REAL_DEBRID_CONNECTIONS connections).
   */
  async #copy(entry: Entry, signal: AbortSignal): Promise<void> {
    const api = this.#api as RealDebridApi;
    if (entry.files.size === 0) {
      // Straight to the files, then downloaded within seconds: it was cached (remembered either way).
      const instant = !entry.converted && entry.selectedAt > 0 && Date.now() - entry.selectedAt < INSTANT_MS;
      await rememberCached(this.#db, entry.infoHash, this.#config.REAL_DEBRID_CACHE_HOURS).catch(
        (error: unknown) => this.#log.warn('cannot remember the cached torrent', { error: String(error) }),
      );
      // The list gave the links; which files they are of is known unless Real-Debrid chose them.
      if (!entry.selectedIds || entry.links.length === 0) {
        const info = await this.#retrying(entry, signal, 'read the torrent', () =>
          api.info(entry.rdId ?? '', signal),
        );
        this.#apply(entry, info);
      }
      this.#plan(entry);
      this.#log.info('Real-Debrid has the torrent: copying it to disk', {
        downloadId: entry.id,
        instant,
        files: entry.files.size,
      });
      this.#wake(entry);
    }
    const files = [...entry.files.values()];
    await Promise.all(files.map((f) => f.copy.load()));
    for (const file of files) {
      if (!file.download && !file.copy.complete)
        await this.#retrying(entry, signal, 'unrestrict a link', () => this.#unrestrict(entry, file, null));
    }
    this.#wake(entry);
    for (const file of files) {
      for (let delay = RETRY_MIN_MS; !file.copy.complete; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
        try {
          await file.copy.run(signal);
        } catch (error) {
          if (signal.aborted || error instanceof FileFetchError || !isRetryable(error)) throw error;
          this.#log.warn('the copy from Real-Debrid failed: trying again', {
            downloadId: entry.id,
            file: file.path,
            error: String(error),
          });
          await sleep(delay, signal);
        }
      }
      this.#wake(entry);
    }
    entry.done = true;
    this.#wake(entry);
    this.#log.info('Real-Debrid download complete on disk', { downloadId: entry.id });
    for (const listener of this.#doneListeners) listener(entry.id);
  }

  /** The local files: the wanted ones among those Real-Debrid selected, with their links in order. */
  #plan(entry: Entry): void {
    const known = new Map(entry.metadata?.files.map((f) => [f.index, f]));
    const selected = [...(entry.selectedIds ?? [])].sort((a, b) => a - b).map((id) => id - 1);
    if (entry.links.length !== selected.length)
      throw new DownloadFailure(
        'debrid_error',
        `Real-Debrid gave ${entry.links.length} links for ${selected.length} files (packed in an archive): Sokoul cannot import them`,
      );
    const wanted = new Set(entry.wanted ?? selected);
    for (const [at, index] of selected.entries()) {
      const file = known.get(index);
      if (!wanted.has(index)) continue;
      if (!file)
        throw new DownloadFailure(
          'debrid_error',
          `Real-Debrid selected a file it did not list (${index + 1})`,
        );
      const { path } = file;
      const target = resolve(entry.savePath, path);
      if (!target.startsWith(entry.savePath + sep))
        throw new DownloadFailure('unsafe_path', `A file path leaves the download's folder: ${file.path}`);
      const local: LocalFile = {
        index,
        path,
        size: file.sizeBytes,
        link: entry.links[at] ?? '',
        download: null,
        unrestricting: null,
        copy: new FileFetch({
          path: target,
          size: file.sizeBytes,
          connections: this.#config.REAL_DEBRID_CONNECTIONS,
          fetch: this.#fetch,
          log: this.#log,
          link: (stale) => this.#unrestrict(entry, local, stale),
        }),
      };
      entry.files.set(index, local);
    }
    const missing = [...wanted].filter((i) => !entry.files.has(i));
    if (missing.length > 0)
      throw new DownloadFailure('debrid_error', `Real-Debrid did not select the files ${missing.join(', ')}`);
  }

  /**
   * The file's direct link: the one known unless `stale` is it (it expired), else Real-Debrid's
   * unrestrict. Copy and readers share one call.
   */
  #unrestrict(entry: Entry, file: LocalFile, stale: string | null): Promise<string> {
    if (file.download && file.download !== stale) return Promise.resolve(file.download);
    if (file.unrestricting) return file.unrestricting;
    const api = this.#api as RealDebridApi;
    const call = api.unrestrict(file.link, entry.abort.signal).then((answer) => {
      if (answer.filesize !== file.size)
        throw new DownloadFailure(
          'debrid_error',
          `Real-Debrid's link is ${answer.filesize} bytes, the file ${file.size}: ${file.path}`,
        );
      file.download = answer.download;
      this.#wake(entry);
      return answer.download;
    });
    file.unrestricting = call;
    const clear = () => {
      if (file.unrestricting === call) file.unrestricting = null;
    };
    call.then(clear, clear);
    return call;
  }

  /** Takes Real-Debrid's figures; says whether its status changed. */
  #apply(entry: Entry, torrent: RdTorrent | RdTorrentInfo): 'status' | 'progress' | null {
    const changed =
      torrent.status !== entry.status
        ? 'status'
        : torrent.progress !== entry.progress || (torrent.speed ?? 0) !== entry.speed
          ? 'progress'
          : null;
    entry.status = torrent.status;
    if (torrent.status === 'magnet_conversion') entry.converted = true;
    entry.progress = torrent.progress;
    entry.speed = torrent.speed ?? 0;
    entry.seeders = torrent.seeders ?? 0;
    entry.rdBytes = torrent.bytes;
    entry.links = torrent.links;
    if ('files' in torrent && torrent.files.some((f) => f.selected === 1))
      entry.selectedIds = torrent.files.filter((f) => f.selected === 1).map((f) => f.id);
    if (
      'files' in torrent &&
      !entry.metadata &&
      torrent.status !== 'magnet_conversion' &&
      torrent.files.length > 0
    )
      entry.metadata = {
        infoHash: torrent.hash.toLowerCase(),
        name: torrent.original_filename || torrent.filename,
        files: torrent.files
          .map((f) => ({ index: f.id - 1, path: f.path.replace(/^\/+/, ''), sizeBytes: f.bytes }))
          .sort((a, b) => a.index - b.index),
        bytesTotal: torrent.original_bytes,
        torrentFile: null,
      };
    const failed = FAILED[torrent.status];
    if (failed && !entry.failure) entry.failure = new DownloadFailure(failed.code, failed.message);
    if (changed) this.#wake(entry);
    return changed;
  }

  /** Throws the torrent's failure, if Real-Debrid reported one. */
  #check(entry: Entry): void {
    if (entry.failure) throw entry.failure;
  }

  /** Waits until `ready()` (re-checked at each change of the torrent); throws its failure or the abort. */
  async #until(entry: Entry, signal: AbortSignal, ready: () => boolean): Promise<void> {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      this.#check(entry);
      if (ready()) return;
      await this.#changed(entry, signal);
    }
  }

  #changed(entry: Entry, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        entry.wakers.delete(wake);
        reject(signal.reason);
      };
      entry.wakers.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #wake(entry: Entry): void {
    const wakers = [...entry.wakers];
    entry.wakers.clear();
    for (const wake of wakers) wake();
  }

  /**
   * Calls `call` until it succeeds, waiting out what Real-Debrid may answer later (509, 5xx,
   * network, a token being fixed). `first` learns how the first attempt went: settled on success
   * or on a refusal worth waiting out, rejected on any other refusal (which then is not reported
   * again through onError).
   */
  async #retrying<T>(
    entry: Entry,
    signal: AbortSignal,
    what: string,
    call: () => Promise<T>,
    first?: Deferred,
  ): Promise<T> {
    let pending = first;
    for (let delay = RETRY_MIN_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        const value = await call();
        pending?.settle();
        return value;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (!isRetryable(error)) {
          if (pending) {
            const failure = this.#asFailure(error);
            entry.failure = failure;
            entry.reported = true;
            pending.settle(failure);
          }
          throw error;
        }
        pending?.settle();
        pending = undefined;
        const unauthorized = error instanceof RealDebridError && error.kind === 'unauthorized';
        this.#log.warn(`cannot ${what} on Real-Debrid yet: trying again`, {
          downloadId: entry.id,
          error: error instanceof Error ? error.message : String(error),
        });
        await sleep(unauthorized ? RETRY_MAX_MS : delay, signal);
      }
    }
  }

  #asFailure(error: unknown): DownloadFailure {
    if (error instanceof DownloadFailure) return error;
    if (error instanceof RealDebridError) {
      if (error.kind === 'infringing')
        return new DownloadFailure(
          'debrid_infringing',
          'Real-Debrid refuses this torrent (infringing file, HTTP 451)',
        );
      return new DownloadFailure('debrid_error', error.message);
    }
    if (error instanceof FileFetchError)
      return new DownloadFailure('debrid_error', `The copy from Real-Debrid failed: ${error.message}`);
    return new DownloadFailure('engine_error', error instanceof Error ? error.message : String(error));
  }

  #fail(entry: Entry, failure: DownloadFailure): void {
    entry.failure = failure;
    this.#wake(entry);
    if (entry.reported || entry.stopped) return;
    entry.reported = true;
    this.#log.warn('Real-Debrid download failed', {
      downloadId: entry.id,
      code: failure.code,
      message: failure.message,
    });
    for (const listener of this.#errorListeners) listener(entry.id, failure);
  }

  // ---- following every torrent with one poll ----

  /** Torrents whose Real-Debrid status Sokoul waits on. */
  #followed(): Entry[] {
    return [...this.#entries.values()].filter(
      (e) =>
        !e.paused &&
        !e.stopped &&
        !e.failure &&
        e.rdId !== null &&
        (e.status === null ||
          e.status === 'magnet_conversion' ||
          WORKING.has(e.status) ||
          (e.status === 'waiting_files_selection' && e.selectedSent)),
    );
  }

  /** Something new to follow: the next poll comes soon. */
  #kick(): void {
    this.#interval = FAST_POLL_MS;
    this.#schedule(FAST_POLL_MS);
  }

  #schedule(ms: number): void {
    if (this.#destroyed) return;
    const at = Date.now() + ms;
    if (this.#pollTimer && this.#pollAt <= at) return;
    clearTimeout(this.#pollTimer);
    this.#pollAt = at;
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = undefined;
      void this.#poll();
    }, ms);
    this.#pollTimer.unref();
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#destroyed || !this.#api) return;
    this.#polling = true;
    const api = this.#api;
    let next: number | null = null;
    try {
      const followed = this.#followed();
      if (followed.length === 0) {
        if (api.health.state !== 'ok') {
          await api.user(this.#life.signal).catch(() => undefined);
          next = HEALTH_PROBE_MS;
        }
        return;
      }
      let listed: RdTorrent[];
      try {
        listed = await api.torrents(Math.max(LIST_LIMIT, followed.length), this.#life.signal);
      } catch (error) {
        if (this.#destroyed) return;
        this.#log.warn('cannot list the Real-Debrid torrents', { error: String(error) });
        next = this.#interval = Math.min(Math.max(this.#interval * 2, RETRY_MIN_MS), RETRY_MAX_MS);
        return;
      }
      const byId = new Map(listed.map((t) => [t.id, t]));
      let status = false;
      let progress = false;
      for (const entry of followed) {
        let torrent: RdTorrent | undefined = byId.get(entry.rdId ?? '');
        if (!torrent) {
          try {
            torrent = await api.info(entry.rdId ?? '', this.#life.signal);
          } catch (error) {
            if (error instanceof RealDebridError && error.kind === 'not_found')
              this.#fail(
                entry,
                new DownloadFailure('debrid_error', 'The torrent was deleted from the Real-Debrid account'),
              );
            continue;
          }
        }
        if (entry.paused || entry.stopped) continue;
        const change = this.#apply(entry, torrent);
        if (change === 'status') status = true;
        else if (change === 'progress') progress = true;
      }
      this.#interval = status
        ? CHANGED_POLL_MS
        : Math.min(this.#interval * POLL_GROWTH, progress ? PROGRESS_POLL_MS : SLOW_POLL_MS);
      next = this.#interval;
    } finally {
      this.#polling = false;
      if (next !== null) this.#schedule(next);
      else if (this.#followed().length > 0) this.#schedule(this.#interval);
    }
  }

  async #probe(): Promise<void> {
    try {
      await this.#api?.user(this.#life.signal);
    } catch (error) {
      if (this.#destroyed) return;
      this.#log.warn('Real-Debrid account check failed', { error: String(error) });
      this.#schedule(HEALTH_PROBE_MS);
    }
  }

  // ---- reads ----

  /** Bytes `start`..`end` of a file: from disk once copied, else from its link (waiting for Real-Debrid). */
  #readRange(entry: Entry, fileIndex: number, start: number, end: number): Readable {
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, entry.abort.signal]);
    let source: Readable | null = null;
    let started = false;
    let left = end - start + 1;
    const out: Readable = new Readable({
      highWaterMark: MiB,
      read: () => {
        if (source) source.resume();
        else if (!started) {
          started = true;
          this.#openRange(entry, fileIndex, start, end, signal).then(
            (opened) => {
              if (out.destroyed) return opened.destroy();
              source = opened;
              opened.on('data', (chunk: Buffer) => {
                left -= chunk.length;
                if (left < 0) return out.destroy(new Error('the link sent more bytes than asked'));
                if (!out.push(chunk)) opened.pause();
              });
              opened.once('end', () => {
                if (left === 0) out.push(null);
                else out.destroy(new Error('the file ended before the range was read'));
              });
              opened.once('error', (error) => out.destroy(error));
            },
            (error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))),
          );
        }
      },
      destroy: (error, callback) => {
        controller.abort();
        source?.destroy();
        callback(error);
      },
    });
    return out;
  }

  async #openRange(
    entry: Entry,
    fileIndex: number,
    start: number,
    end: number,
    signal: AbortSignal,
  ): Promise<Readable> {
    let file: LocalFile | undefined;
    for (;;) {
      if (signal.aborted) throw new Error('the torrent stopped before the range was read');
      if (entry.failure) throw entry.failure;
      file = entry.files.get(fileIndex);
      if (file && (file.copy.complete || file.download)) break;
      if (entry.files.size > 0 && !file) throw new Error(`file ${fileIndex} is not being fetched`);
      await this.#changed(entry, signal).catch(() => undefined);
    }
    if (end >= file.size || start > end) throw new Error(`bytes ${start}-${end} are outside the file`);
    if (file.copy.complete) return createReadStream(file.copy.path, { start, end, highWaterMark: MiB });
    for (let refreshed = false; ; refreshed = true) {
      const url = file.download ?? (await this.#unrestrict(entry, file, null));
      const response = await this.#fetch(url, { headers: { range: `bytes=${start}-${end}` }, signal });
      if ([403, 404, 410].includes(response.status) && !refreshed) {
        // The link expired: a fresh one, once.
        await response.body?.cancel();
        await this.#unrestrict(entry, file, url);
        continue;
      }
      const range = /^bytes (\d+)-(\d+)\//.exec(response.headers.get('content-range') ?? '');
      if (
        response.status !== 206 ||
        !response.body ||
        Number(range?.[1]) !== start ||
        Number(range?.[2]) !== end
      ) {
        await response.body?.cancel();
        throw new Error(`Real-Debrid's link answered HTTP ${response.status} for bytes ${start}-${end}`);
      }
      return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    }
  }
}

function isRetryable(error: unknown): boolean {
  if (error instanceof RealDebridError) return error.retryable;
  if (error instanceof DownloadFailure || error instanceof FileFetchError || error instanceof Stopped)
    return false;
  // Disk errors (ENOSPC, EACCES…) are not Real-Debrid's; a copy's network errors are, and it
  // resumes from what is on disk.
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return !(typeof code === 'string' && code.startsWith('E'));
}
