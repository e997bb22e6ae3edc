import { mkdir, rm, stat, statfs } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import {
  type Download,
  DownloadControlMessage,
  type DownloadErrorCode,
  type DownloadEventMessage,
  type DownloadState,
  type Logger,
  type SokoulEvent,
  Subjects,
  type TorrentNodeConfig,
} from '@sokoul/contracts';
import {
  createDownload,
  type Db,
  deleteDownloadRow,
  downloadForEvent,
  type EngineRow,
  engineDownload,
  engineDownloads,
  fallBackToBitTorrent,
  nextBestResult,
  readSpeedLimits,
  recordMetadata,
  resumeDiskPaused,
  type StateChange,
  saveBitfield,
  setEngineState,
  writeProgress,
} from '@sokoul/db';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { publishDataChanged, publishEvent } from '../events.js';
import { observeDownloadBytes, observeDownloads } from '../metrics.js';
import type { AlertManager } from '../ops/alerts.js';
import type { DownloadEngine, TorrentMetadata, TorrentSource } from './engine.js';
import type { Engines } from './engines.js';
import { DownloadImportError, wantedFiles } from './import.js';
import {
  type CheckedTorrent,
  checkFileList,
  checkMagnet,
  checkTorrentFile,
  DownloadFailure,
  fetchTorrentUrl,
} from './source.js';

export type ImportFiles = { index: number; path: string; sizeBytes: number }[];
export type ImportDownload = (
  deps: { db: Db; config: TorrentNodeConfig; log: Logger },
  download: EngineRow,
  files: ImportFiles,
) => Promise<{ imported: number }>;

export interface ManagerDeps {
  db: Db;
  nc: NatsConnection;
  config: TorrentNodeConfig;
  log: Logger;
  engines: Engines;
  importDownload: ImportDownload;
  /** An admin changed the external clients: their engines are built again (then rows reconciled). */
  reloadClients?: () => Promise<void>;
  /** How often free space is checked while downloads run. */
  diskCheckMs?: number;
  /** Bytes free for unprivileged writes at `path` (DOWNLOAD_DIR); fs.statfs when absent. */
  freeBytes?: (path: string) => Promise<number>;
}

/** The part of Sentinel's AlertManager the disk guard uses. */
export type DiskAlerts = Pick<AlertManager, 'raise' | 'clear'>;
/** The disk guard's alert cause (Sentinel's own disk checks are `disk:<folder>`). */
export const DISK_ALERT_CAUSE = 'downloads:disk-paused';

async function statfsFreeBytes(path: string): Promise<number> {
  const s = await statfs(path);
  return Number(s.bavail) * Number(s.bsize);
}

type Phase = 'starting' | 'downloading' | 'paused' | 'importing' | 'seeding';

/** A download this process works on. */
interface Live {
  id: string;
  userId: string;
  engine: DownloadEngine;
  phase: Phase;
  abort: AbortController;
  savePath: string;
  /** The files it fetches (an engine told to select some: only those). */
  files: CheckedTorrent['files'];
  bytesTotal: number;
  /** bytes_uploaded when the engine took it (the engine counts from zero). */
  uploadedBase: number;
  lastBytes: number;
  /** Last time it made progress or had a peer. */
  lastActivity: number;
  lastBitfield: string | null;
  lastFigures: string;
  seedingSince: number;
  /**
   * The checkpoint being written: the next one waits for it, so a periodic checkpoint that read
   * older figures never lands after the final one (a completed download shown short of its size).
   */
  checkpointing: Promise<void>;
}

const codec = JSONCodec<unknown>();
const ACTIVE: DownloadState[] = ['metadata', 'downloading'];
/** How often an engine without `fetchMetadata` is asked whether a magnet's files are known. */
const METADATA_POLL_MS = 500;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/**
 * Owns the downloads for the life of torrent-node: the queue (MAX_CONCURRENT_DL at once, the rest
 * in queue order), the engine's torrents, progress checkpoints, seeding goals, free space, stalls.
 * The database row is the truth: every change the API makes is read back by `reconcile`.
 */
export class DownloadManager {
  readonly #d: ManagerDeps;
  readonly #live = new Map<string, Live>();
  #chain: Promise<void> = Promise.resolve();
  #pending = false;
  #timers: NodeJS.Timeout[] = [];
  #sub: Subscription | undefined;
  #diskLow = false;
  #diskChecked = false;
  #alerts: DiskAlerts | undefined;
  #ticking = false;
  #stopped = false;
  readonly #root: string;
  /** Each engine's last state: one coming back to `ok` has its waiting rows started again. */
  readonly #engineStates = new Map<string, string>();

  constructor(deps: ManagerDeps) {
    this.#d = deps;
    this.#root = resolve(deps.config.DOWNLOAD_DIR);
    deps.engines.onError((id, error) => {
      deps.log.error('torrent error', { downloadId: id, error: error.message });
      if (error instanceof DownloadFailure) void this.#fail(id, error.code, error.message);
      else void this.#fail(id, 'engine_error', `The torrent engine failed: ${error.message}`);
    });
    deps.engines.onDone((id) => {
      const live = this.#live.get(id);
      if (live?.phase === 'downloading') void this.#complete(live);
    });
  }

  get stallMs(): number {
    return this.#d.config.STALL_MINUTES * 60_000;
  }

  async start(): Promise<void> {
    const { nc, log, engines } = this.#d;
    await mkdir(this.#root, { recursive: true });
    engines.setLimits((await readSpeedLimits(this.#d.db)) ?? this.#configLimits());
    this.#sub = nc.subscribe(Subjects.downloadControl, {
      // NATS does not wait for an async callback: nothing in it may reject.
      callback: (err, msg) => {
        if (err) return;
        const parsed = DownloadControlMessage.safeParse(codec.decode(msg.data));
        if (!parsed.success) return log.warn('ignored a malformed download control message');
        if (parsed.data.action === 'limits') void this.#applyLimits();
        else if (parsed.data.action === 'clients') void this.#reloadClients();
        else this.reconcile();
      },
    });
    await this.#checkDisk();
    this.reconcile();
    await this.#chain;
    this.#timers.push(setInterval(() => void this.#tick(), 1000));
    this.#timers.push(setInterval(() => void this.#checkDisk(), this.#d.diskCheckMs ?? 3000));
    log.info('download manager started', { downloads: this.#live.size });
  }

  /** Saves every running download's figures and bitfield, then closes the engine. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#sub?.unsubscribe();
    await this.#chain.catch(() => undefined);
    await Promise.allSettled([...this.#live.values()].map((live) => this.#checkpoint(live, true)));
    await this.#d.engines.destroy();
  }

  async #reloadClients(): Promise<void> {
    try {
      await this.#d.reloadClients?.();
    } catch (error) {
      this.#d.log.warn('cannot reload the download clients', { error: String(error) });
    }
    void this.enginesChanged();
  }

  /**
   * After engines were replaced (clients reloaded, Real-Debrid's key changed): live downloads of a
   * replaced engine are followed by the new one (or wait while it is not ok). Resolves once they
   * left the old one, which may then be destroyed without failing them.
   */
  enginesChanged(): Promise<void> {
    const dropped = this.#chain.then(async () => {
      for (const live of [...this.#live.values()]) {
        const now = this.#d.engines.get(live.engine.name);
        if (now === live.engine) continue;
        live.abort.abort();
        this.#live.delete(live.id);
      }
    });
    this.#chain = dropped;
    this.reconcile();
    return dropped;
  }

  #configLimits() {
    return { downloadLimit: this.#d.config.DOWNLOAD_LIMIT, uploadLimit: this.#d.config.UPLOAD_LIMIT };
  }

  async #applyLimits(): Promise<void> {
    try {
      const limits = (await readSpeedLimits(this.#d.db)) ?? this.#configLimits();
      this.#d.engines.setLimits(limits);
      this.#d.log.info('speed limits applied', { ...limits });
    } catch (error) {
      this.#d.log.warn('cannot read the speed limits', { error: String(error) });
    }
  }

  /** Brings the engine in line with every row (coalesced: one pass runs after the current one). */
  reconcile(): void {
    if (this.#pending || this.#stopped) return;
    this.#pending = true;
    this.#chain = this.#chain.then(async () => {
      this.#pending = false;
      try {
        await this.#reconcile();
      } catch (error) {
        this.#d.log.error('reconcile failed', { error: String(error) });
      }
    });
  }

  async #reconcile(): Promise<void> {
    const rows = await engineDownloads(this.#d.db);
    const queued: EngineRow[] = [];
    let active = 0;
    for (const row of rows) {
      const live = this.#live.get(row.id);
      const engine = this.#d.engines.get(row.engine);
      if (!engine && row.state !== 'cancelled') {
        if (row.state !== 'paused' && row.state !== 'stalled') await this.#unavailable(row);
        continue;
      }
      // An engine that cannot work now (a client down): its rows wait, nothing fails meanwhile.
      const waiting = !live && engine?.status().state !== 'ok';
      switch (row.state) {
        case 'cancelled':
          await this.#cancel(row);
          break;
        case 'paused':
          if (live && live.phase !== 'paused') await this.#pause(live);
          break;
        case 'stalled':
          if (live) await this.#drop(live);
          break;
        case 'seeding':
          if (!live) {
            if (!waiting) await this.#startSeeding(row);
          } else if (live.phase === 'paused') await this.#resumeLive(live, 'seeding');
          break;
        case 'metadata':
        case 'downloading':
          active++;
          // After a restart (or a resume that raced a pause): the row wants it running.
          if (!live) {
            if (!waiting) this.#begin(row);
          } else if (live.phase === 'paused') await this.#resumeLive(live, 'downloading');
          break;
        case 'queued':
          queued.push(row);
          break;
        default:
          break;
      }
    }
    for (const row of queued) {
      if (active >= this.#d.config.MAX_CONCURRENT_DL) break;
      if (this.#d.engines.get(row.engine)?.status().state !== 'ok' && !this.#live.has(row.id)) continue;
      if (!(await this.#hasSpaceToStart())) {
        await this.#diskPause(row.id, row.userId, ['queued']);
        continue;
      }
      const live = this.#live.get(row.id);
      const wanted: DownloadState = row.torrentFile || live?.phase === 'paused' ? 'downloading' : 'metadata';
      if (!(await this.#setState(row.id, row.userId, { state: wanted, started: true }, ['queued']))) continue;
      active++;
      if (live?.phase === 'paused') await this.#resumeLive(live, 'downloading');
      else {
        if (live) await this.#drop(live);
        this.#begin({ ...row, state: wanted });
      }
    }
  }

  /** Starts a row's torrent in the background (metadata and .torrent fetches take their time). */
  #begin(row: EngineRow): void {
    const engine = this.#d.engines.get(row.engine);
    if (!engine) return;
    const live: Live = {
      id: row.id,
      userId: row.userId,
      engine,
      phase: 'starting',
      abort: new AbortController(),
      savePath: engine.savePathFor(row.id),
      files: [],
      bytesTotal: row.bytesTotal ?? 0,
      uploadedBase: row.bytesUploaded,
      lastBytes: row.bytesDone,
      lastActivity: Date.now(),
      lastBitfield: row.bitfield,
      lastFigures: '',
      seedingSince: 0,
      checkpointing: Promise.resolve(),
    };
    this.#live.set(row.id, live);
    void this.#run(row, live).catch((error: unknown) => this.#failed(live, error));
  }

  async #failed(live: Live, error: unknown): Promise<void> {
    if (this.#live.get(live.id) !== live || live.abort.signal.aborted) return;
    if (live.engine.status().state !== 'ok') {
      // The engine went away meanwhile (a client down): the row waits for it, it did not fail; the
      // engine adopts the torrent when the row starts again.
      this.#d.log.warn('engine not available: the download waits', {
        downloadId: live.id,
        error: String(error),
      });
      live.abort.abort();
      this.#live.delete(live.id);
      return;
    }
    if (error instanceof DownloadFailure) {
      if (error.code === 'metadata_timeout') return this.#stall(live, 'metadata_timeout');
      return this.#fail(live.id, error.code, error.message);
    }
    this.#d.log.error('download failed', { downloadId: live.id, error: String(error) });
    return this.#fail(live.id, 'engine_error', error instanceof Error ? error.message : String(error));
  }

  async #run(row: EngineRow, live: Live): Promise<void> {
    const { db, log } = this.#d;
    const { engine } = live;
    let bytes: Uint8Array | null = row.torrentFile ? Buffer.from(row.torrentFile, 'base64') : null;
    let magnet = row.magnetUrl;
    if (!bytes && !magnet && row.torrentUrl) {
      const fetched = await fetchTorrentUrl(row.torrentUrl, this.#d);
      if (fetched.kind === 'torrent') bytes = fetched.bytes;
      else magnet = fetched.magnet;
    }
    if (!engine.fetchMetadata) {
      if (!bytes && !magnet)
        throw new DownloadFailure('engine_error', 'The download has no magnet link or .torrent');
      if (magnet && !bytes) await checkMagnet(magnet);
      return this.#runElsewhere(row, live, bytes ? { torrentFile: bytes } : { magnet: magnet as string });
    }
    if (!bytes && magnet) {
      await checkMagnet(magnet);
      const timeout = AbortSignal.timeout(this.stallMs);
      try {
        bytes = await engine.fetchMetadata(row.id, magnet, AbortSignal.any([live.abort.signal, timeout]));
      } catch (error) {
        if (timeout.aborted && !live.abort.signal.aborted)
          throw new DownloadFailure(
            'metadata_timeout',
            `No peer sent the torrent's metadata within ${this.#d.config.STALL_MINUTES} minutes`,
          );
        throw error;
      }
    }
    if (!bytes) throw new DownloadFailure('engine_error', 'The download has no magnet link or .torrent');
    if (live.abort.signal.aborted) return;
    const checked = await checkTorrentFile(bytes);
    if (!row.torrentFile) {
      const recorded = await recordMetadata(db, row.id, {
        infoHash: checked.infoHash,
        name: checked.name,
        torrentFile: b64(bytes),
        bytesTotal: checked.bytesTotal,
        savePath: live.savePath,
        files: checked.files,
      });
      if (recorded === 'duplicate')
        throw new DownloadFailure(
          'duplicate',
          `This torrent (info hash ${checked.infoHash}) is already being downloaded by another download`,
        );
    }
    live.files = checked.files;
    live.bytesTotal = checked.bytesTotal;
    const bitfield = await this.#usableBitfield(row, checked, live.savePath);
    const remaining = checked.bytesTotal - (bitfield ? row.bytesDone : 0);
    const free = await this.#freeBytes();
    const margin = this.#marginBytes();
    if (free < margin) {
      await this.#diskPause(row.id, row.userId, ACTIVE);
      this.#live.delete(row.id);
      return;
    }
    if (remaining > free - margin)
      throw new DownloadFailure(
        'insufficient_space',
        `The torrent needs ${mb(remaining)} MB and only ${mb(free - margin)} MB are free beyond the ${this.#d.config.DISK_MIN_FREE_MB} MB margin`,
      );
    if (live.abort.signal.aborted) return;
    if (!(await this.#setState(row.id, row.userId, { state: 'downloading', started: true }, ACTIVE))) {
      this.#live.delete(row.id);
      return;
    }
    const started = performance.now();
    await engine.add(row.id, { torrentFile: bytes }, live.savePath, bitfield ? { bitfield } : {});
    log.info('torrent started', {
      downloadId: row.id,
      infoHash: checked.infoHash,
      verifyMs: Math.round(performance.now() - started),
      savedState: !!bitfield,
    });
    if (live.abort.signal.aborted || this.#live.get(row.id) !== live) {
      await engine.remove(row.id, false);
      return;
    }
    live.phase = 'downloading';
    live.lastActivity = Date.now();
  }

  /**
   * An engine that resolves magnets itself (a client, Real-Debrid): it gets the magnet or the
   * .torrent, reports the files, which are checked and recorded before the wanted ones are selected.
   */
  async #runElsewhere(row: EngineRow, live: Live, source: TorrentSource): Promise<void> {
    const { db, log } = this.#d;
    const { engine } = live;
    // A .torrent's names are checked before the engine sees it, as for Sokoul's own engine.
    if (source.torrentFile) await checkTorrentFile(source.torrentFile);
    await engine.add(row.id, source, live.savePath, row.engineRef ? { engineRef: row.engineRef } : {});
    if (this.#live.get(row.id) !== live || live.abort.signal.aborted) return;
    const meta = await this.#metadataOf(live);
    if (!meta) return;
    try {
      checkFileList(meta.files);
    } catch (error) {
      await engine.remove(row.id, true);
      throw error;
    }
    const wanted = wantedFiles(meta.files, row);
    const files = meta.files.filter((f) => wanted.includes(f.index));
    const bytesTotal = files.reduce((sum, f) => sum + f.sizeBytes, 0);
    const recorded = await recordMetadata(db, row.id, {
      infoHash: meta.infoHash,
      name: meta.name,
      torrentFile: meta.torrentFile ? b64(meta.torrentFile) : null,
      bytesTotal,
      savePath: live.savePath,
      files,
    });
    if (recorded === 'duplicate') {
      await engine.remove(row.id, false);
      throw new DownloadFailure(
        'duplicate',
        `This torrent (info hash ${meta.infoHash}) is already being downloaded by another download`,
      );
    }
    await engine.selectFiles(row.id, wanted);
    live.files = files;
    live.bytesTotal = bytesTotal;
    const free = await this.#freeBytes();
    const margin = this.#marginBytes();
    if (bytesTotal - row.bytesDone > free - margin)
      throw new DownloadFailure(
        'insufficient_space',
        `The torrent needs ${mb(bytesTotal - row.bytesDone)} MB and only ${mb(free - margin)} MB are free beyond the ${this.#d.config.DISK_MIN_FREE_MB} MB margin`,
      );
    if (live.abort.signal.aborted) return;
    if (!(await this.#setState(row.id, row.userId, { state: 'downloading', started: true }, ACTIVE))) {
      this.#live.delete(row.id);
      return;
    }
    log.info('download started', { downloadId: row.id, engine: engine.name, infoHash: meta.infoHash });
    live.phase = 'downloading';
    live.lastActivity = Date.now();
  }

  /** The files once the engine knows them; a magnet without them after STALL_MINUTES stalls. */
  async #metadataOf(live: Live): Promise<TorrentMetadata | undefined> {
    const deadline = Date.now() + this.stallMs;
    for (;;) {
      const meta = live.engine.metadata(live.id);
      if (meta) return meta;
      if (live.abort.signal.aborted || this.#live.get(live.id) !== live) return undefined;
      // Waiting on an engine that is down is not the swarm's fault.
      if (live.engine.status().state !== 'ok') live.lastActivity = Date.now();
      if (Date.now() > deadline && live.engine.status().state === 'ok')
        throw new DownloadFailure(
          'metadata_timeout',
          `No peer sent the torrent's metadata within ${this.#d.config.STALL_MINUTES} minutes`,
        );
      await new Promise((r) => setTimeout(r, METADATA_POLL_MS));
    }
  }

  /**
   * The saved bitfield, unless it cannot be trusted: missing, the wrong size for the torrent, or a
   * file on disk larger than the torrent says (something else wrote there). webtorrent spot-checks
   * the rest and re-hashes a file whose check fails.
   */
  async #usableBitfield(row: EngineRow, checked: CheckedTorrent, savePath: string) {
    if (!row.bitfield) return undefined;
    const bitfield = Buffer.from(row.bitfield, 'base64');
    const pieces = Math.ceil(checked.bytesTotal / checked.pieceLength);
    if (bitfield.length !== Math.ceil(pieces / 8)) return undefined;
    for (const file of checked.files) {
      const size = await stat(join(savePath, file.path)).then(
        (s) => s.size,
        () => 0,
      );
      if (size > file.sizeBytes) return undefined;
    }
    return new Uint8Array(bitfield);
  }

  async #startSeeding(row: EngineRow): Promise<void> {
    const engine = this.#d.engines.get(row.engine);
    // Only Sokoul's own engine seeds (the others finished at import).
    if (!row.torrentFile || !engine?.seeds) return;
    const bytes = Buffer.from(row.torrentFile, 'base64');
    const checked = await checkTorrentFile(bytes).catch(() => null);
    if (!checked) return;
    const live: Live = {
      id: row.id,
      userId: row.userId,
      engine,
      phase: 'seeding',
      abort: new AbortController(),
      savePath: row.savePath ?? engine.savePathFor(row.id),
      files: checked.files,
      bytesTotal: checked.bytesTotal,
      uploadedBase: row.bytesUploaded,
      lastBytes: checked.bytesTotal,
      lastActivity: Date.now(),
      lastBitfield: row.bitfield,
      lastFigures: '',
      seedingSince: row.seedingSince ? Date.parse(row.seedingSince) : Date.now(),
      checkpointing: Promise.resolve(),
    };
    this.#live.set(row.id, live);
    if (await this.#seedGoalReached(live)) return;
    const bitfield = row.bitfield ? new Uint8Array(Buffer.from(row.bitfield, 'base64')) : undefined;
    try {
      // Complete and imported: its data was verified when it finished.
      await engine.add(
        row.id,
        { torrentFile: bytes },
        live.savePath,
        bitfield ? { bitfield, skipVerify: true } : {},
      );
    } catch (error) {
      this.#d.log.warn('cannot seed again', { downloadId: row.id, error: String(error) });
      this.#live.delete(row.id);
    }
  }

  async #pause(live: Live): Promise<void> {
    live.abort.abort();
    if (live.phase === 'starting') {
      this.#live.delete(live.id);
      return;
    }
    await this.#checkpoint(live, true);
    await live.engine.pause(live.id);
    live.phase = 'paused';
  }

  async #resumeLive(live: Live, to: 'downloading' | 'seeding'): Promise<void> {
    live.abort = new AbortController();
    await live.engine.resume(live.id);
    live.phase = to;
    live.lastActivity = Date.now();
  }

  /** Stops working on a download (its files stay). */
  async #drop(live: Live): Promise<void> {
    live.abort.abort();
    this.#live.delete(live.id);
    if (live.engine.has(live.id)) {
      await this.#checkpoint(live, true).catch(() => undefined);
      await live.engine.remove(live.id, false);
    }
  }

  async #cancel(row: EngineRow): Promise<void> {
    const live = this.#live.get(row.id);
    if (live) {
      live.abort.abort();
      this.#live.delete(row.id);
    }
    // A client deletes its own copy (with the data when asked); Sokoul's own files go below. A
    // client that is down keeps the row cancelled until it is back (not the rest of the pass).
    try {
      await this.#d.engines.get(row.engine)?.remove(row.id, row.deleteData);
    } catch (error) {
      this.#d.log.warn('cannot remove the download from its engine yet', {
        downloadId: row.id,
        engine: row.engine,
        error: String(error),
      });
      return;
    }
    if (row.deleteData) {
      const target = resolve(row.savePath ?? join(this.#root, row.id));
      // Only ever inside DOWNLOAD_DIR (and never DOWNLOAD_DIR itself).
      if (target.startsWith(this.#root + sep)) await rm(target, { recursive: true, force: true });
      else this.#d.log.warn('refused to delete files outside DOWNLOAD_DIR', { downloadId: row.id, target });
    }
    await deleteDownloadRow(this.#d.db, row.id);
    publishDataChanged(this.#d.nc, { scope: 'user', userId: row.userId });
    this.#d.log.info('download removed', { downloadId: row.id, deleteData: row.deleteData });
  }

  async #setState(
    id: string,
    userId: string,
    change: StateChange,
    from: readonly DownloadState[],
  ): Promise<boolean> {
    const changed = await setEngineState(this.#d.db, id, change, from);
    if (changed) {
      publishDataChanged(this.#d.nc, { scope: 'user', userId });
      const download = await downloadForEvent(this.#d.db, id);
      if (download) this.#event(userId, { type: 'download.progress', data: { download } });
    }
    return changed;
  }

  #event(userId: string, event: DistributiveOmit<SokoulEvent, 'id' | 'ts'>, toBot = false): void {
    const full = { id: crypto.randomUUID(), ts: new Date().toISOString(), ...event } as SokoulEvent;
    try {
      publishEvent(this.#d.nc, userId, full);
      if (toBot) {
        const message = { userId, event: full } as DownloadEventMessage;
        this.#d.nc.publish(Subjects.downloadEvents, codec.encode(message));
      }
    } catch (error) {
      this.#d.log.warn('cannot publish a download event', { error: String(error) });
    }
  }

  async #fail(id: string, code: DownloadErrorCode, message: string): Promise<void> {
    const live = this.#live.get(id);
    if (live) await this.#drop(live);
    const row = await engineDownload(this.#d.db, id);
    if (!row) return;
    if (row.engine === 'realdebrid' && (await fallBackToBitTorrent(this.#d.db, id, { code, message }))) {
      this.#d.log.warn('Real-Debrid failed: the download starts again on BitTorrent', {
        downloadId: id,
        code,
      });
      publishDataChanged(this.#d.nc, { scope: 'user', userId: row.userId });
      const download = await downloadForEvent(this.#d.db, id);
      if (download) this.#event(row.userId, { type: 'download.progress', data: { download } });
      this.reconcile();
      return;
    }
    const failed = await setEngineState(
      this.#d.db,
      id,
      { state: 'failed', error: { code, message }, leaveQueue: true },
      ['queued', 'metadata', 'downloading', 'seeding'],
    );
    if (!failed) return;
    this.#d.log.warn('download failed', { downloadId: id, code, message });
    publishDataChanged(this.#d.nc, { scope: 'user', userId: row.userId });
    const download = await downloadForEvent(this.#d.db, id);
    if (download) this.#event(row.userId, { type: 'download.failed', data: { download } }, true);
    this.reconcile();
  }

  /** A row of an engine this node does not run (a client removed, no Real-Debrid key). */
  async #unavailable(row: EngineRow): Promise<void> {
    const name = ENGINE_NAMES[row.engine];
    await this.#fail(row.id, 'engine_unavailable', `${name} is not configured on this server`);
  }

  /** No progress and no peers (or no metadata): refuse this release and try the search's next best. */
  async #stall(live: Live, code: 'no_peers' | 'metadata_timeout'): Promise<void> {
    const { db, log } = this.#d;
    await this.#drop(live);
    const row = await engineDownload(db, live.id);
    if (!row) return;
    const message =
      code === 'no_peers'
        ? `No progress and no peers for ${this.#d.config.STALL_MINUTES} minutes`
        : `No peer sent the torrent's metadata within ${this.#d.config.STALL_MINUTES} minutes`;
    const changed = await setEngineState(
      db,
      live.id,
      { state: 'stalled', error: { code, message }, leaveQueue: true, blockRelease: true },
      ACTIVE,
    );
    if (!changed) return;
    log.warn('download stalled', { downloadId: live.id, code });
    let next: Download | null = null;
    if (row.searchId) {
      const result = await nextBestResult(db, row.searchId, row.mediaId);
      if (result && (result.magnetUrl || result.downloadUrl)) {
        const created = await createDownload(db, {
          userId: row.userId,
          mediaId: row.mediaId,
          season: row.season,
          episode: row.episode,
          name: result.title,
          infoHash: result.infoHash?.toLowerCase() ?? null,
          magnetUrl: result.magnetUrl,
          torrentUrl: result.magnetUrl ? null : result.downloadUrl,
          searchId: row.searchId,
          resultId: result.id,
          engine: row.engine,
          debridFallback: row.debridFallback,
        });
        if (created !== 'taken') next = created.download;
      }
    }
    publishDataChanged(this.#d.nc, { scope: 'user', userId: row.userId });
    const download = await downloadForEvent(db, live.id);
    if (download) this.#event(row.userId, { type: 'download.stalled', data: { download, next } }, true);
    if (next) log.info('next-best release queued', { stalled: live.id, next: next.id });
    this.reconcile();
  }

  /** Progress checkpoints (≤ 1 s per download), completion, seeding goals and stalls. */
  async #tick(): Promise<void> {
    if (this.#ticking || this.#stopped) return;
    this.#ticking = true;
    try {
      const now = Date.now();
      this.#watchEngines();
      for (const live of [...this.#live.values()]) {
        if (live.phase !== 'downloading' && live.phase !== 'seeding') continue;
        // Waiting on an engine that is down is not a stall.
        if (live.engine.status().state !== 'ok') live.lastActivity = now;
        const stats = live.engine.stats(live.id);
        if (!stats) continue;
        observeDownloadBytes(live.id, live.engine.name, stats);
        if (stats.bytesDone > live.lastBytes || stats.peers > 0) live.lastActivity = now;
        live.lastBytes = stats.bytesDone;
        await this.#checkpoint(live, false).catch((error: unknown) =>
          this.#d.log.warn('cannot save progress', { downloadId: live.id, error: String(error) }),
        );
        if (live.phase === 'downloading' && stats.done) void this.#complete(live);
        // Only Sokoul's own swarm is judged here: a client's queue or Real-Debrid's looks idle
        // while it waits its turn, and both say themselves when a torrent is dead.
        else if (
          live.phase === 'downloading' &&
          live.engine.fetchMetadata &&
          now - live.lastActivity > this.stallMs
        )
          void this.#stall(live, 'no_peers');
        else if (live.phase === 'seeding') await this.#seedGoalReached(live);
      }
      observeDownloads(
        [...this.#live.values()].map((l) => ({ id: l.id, engine: l.engine.name, state: l.phase })),
      );
    } finally {
      this.#ticking = false;
    }
  }

  /** An engine (back) to `ok` (a client restarted, a token fixed): its waiting rows start. */
  #watchEngines(): void {
    let back = false;
    for (const info of this.#d.engines.info()) {
      const before = this.#engineStates.get(info.name);
      if (before !== info.state) {
        if (before !== undefined)
          this.#d.log[info.state === 'ok' ? 'info' : 'warn']('download engine state changed', {
            engine: info.name,
            state: info.state,
            message: info.message,
          });
        // Rows skipped while it was not ok (or before its first answer) are started now.
        if (info.state === 'ok') back = true;
        this.#engineStates.set(info.name, info.state);
      }
    }
    if (back) this.reconcile();
  }

  /** Writes figures and the bitfield when they changed; publishes the progress event. */
  #checkpoint(live: Live, final: boolean): Promise<void> {
    const next = live.checkpointing.catch(() => undefined).then(() => this.#writeCheckpoint(live, final));
    live.checkpointing = next;
    return next;
  }

  async #writeCheckpoint(live: Live, final: boolean): Promise<void> {
    const stats = live.engine.stats(live.id);
    if (!stats) return;
    const downloading = live.phase === 'downloading' && !final;
    const figures = {
      bytesDone: stats.bytesDone,
      bytesTotal: stats.bytesTotal,
      bytesUploaded: live.uploadedBase + stats.uploaded,
      downloadSpeed: final ? 0 : stats.downloadSpeed,
      uploadSpeed: final ? 0 : stats.uploadSpeed,
      peers: final ? 0 : stats.peers,
      etaSeconds:
        downloading && stats.downloadSpeed > 0
          ? Math.ceil((stats.bytesTotal - stats.bytesDone) / stats.downloadSpeed)
          : null,
    };
    const key = JSON.stringify(figures);
    if (key !== live.lastFigures) {
      live.lastFigures = key;
      await writeProgress(this.#d.db, live.id, figures, stats.files);
      if (!final) {
        const download = await downloadForEvent(this.#d.db, live.id);
        if (download) this.#event(live.userId, { type: 'download.progress', data: { download } });
      }
    }
    if (stats.bitfield) {
      const bitfield = b64(stats.bitfield);
      if (bitfield !== live.lastBitfield) {
        live.lastBitfield = bitfield;
        await saveBitfield(this.#d.db, live.id, bitfield);
      }
    }
  }

  async #complete(live: Live): Promise<void> {
    const { db, config, log, nc } = this.#d;
    live.phase = 'importing';
    await this.#checkpoint(live, false);
    const row = await engineDownload(db, live.id);
    if (row?.state !== 'downloading') return;
    const files = live.files.map((f) => ({
      index: f.index,
      path: join(live.savePath, f.path),
      sizeBytes: f.sizeBytes,
    }));
    let imported = 0;
    let error: { code: DownloadErrorCode; message: string } | undefined;
    try {
      ({ imported } = await this.#d.importDownload({ db, config, log }, row, files));
    } catch (caught) {
      // The data is complete and verified: it still seeds and completes, and the download says
      // why nothing reached the library (the files stay for the user to look at or remove).
      log.warn('import failed', { downloadId: live.id, error: String(caught) });
      error = {
        code: caught instanceof DownloadImportError ? caught.code : 'import_failed',
        message: caught instanceof Error ? caught.message : String(caught),
      };
    }
    const seeds = live.engine.seeds;
    const changed = await setEngineState(
      db,
      live.id,
      seeds
        ? { state: 'seeding', completed: true, seeding: true, leaveQueue: true, ...(error ? { error } : {}) }
        : { state: 'completed', completed: true, leaveQueue: true, ...(error ? { error } : {}) },
      ['downloading'],
    );
    if (!changed) return;
    live.phase = 'seeding';
    live.seedingSince = Date.now();
    if (!seeds) {
      // Real-Debrid's copy is let go; a client keeps seeding by its own rules. Files stay.
      this.#live.delete(live.id);
      await live.engine.release(live.id).catch((caught: unknown) =>
        log.warn('cannot let the engine go of a completed download', {
          downloadId: live.id,
          error: String(caught),
        }),
      );
    }
    log.info('download completed', { downloadId: live.id, imported });
    publishDataChanged(nc, { scope: 'user', userId: live.userId });
    publishDataChanged(nc, { scope: 'titles' });
    const download = await downloadForEvent(db, live.id);
    if (download)
      this.#event(live.userId, { type: 'download.completed', data: { download, imported } }, true);
    if (seeds) await this.#seedGoalReached(live);
    this.reconcile();
  }

  /** SEED_RATIO or SEED_TIME_MINUTES reached: stop seeding, keep the files. */
  async #seedGoalReached(live: Live): Promise<boolean> {
    const { config } = this.#d;
    const uploaded = live.uploadedBase + (live.engine.stats(live.id)?.uploaded ?? 0);
    const ratio = live.bytesTotal > 0 ? uploaded / live.bytesTotal : Number.POSITIVE_INFINITY;
    const seededMs = Date.now() - live.seedingSince;
    if (ratio < config.SEED_RATIO && seededMs < config.SEED_TIME_MINUTES * 60_000) return false;
    await this.#checkpoint(live, true).catch(() => undefined);
    this.#live.delete(live.id);
    await live.engine.remove(live.id, false);
    await this.#setState(live.id, live.userId, { state: 'completed' }, ['seeding']);
    this.#d.log.info('seeding goal reached', { downloadId: live.id, ratio: Number(ratio.toFixed(2)) });
    return true;
  }

  // ---- free space ----

  #marginBytes(): number {
    return this.#d.config.DISK_MIN_FREE_MB * 1024 * 1024;
  }

  #freeBytes(): Promise<number> {
    return (this.#d.freeBytes ?? statfsFreeBytes)(this.#root);
  }

  async #hasSpaceToStart(): Promise<boolean> {
    return (await this.#freeBytes()) >= this.#marginBytes();
  }

  async #diskPause(id: string, userId: string, from: DownloadState[]): Promise<void> {
    await this.#setState(id, userId, { state: 'paused', pausedBy: 'disk' }, from);
    await this.#setDiskLow(true);
  }

  /** Sentinel's alerts: the disk guard's alert then goes out once per cause, whatever the nodes. */
  useAlerts(alerts: DiskAlerts): void {
    this.#alerts = alerts;
    // Paused before the alerts were wired (at start): raised now; else an alert left open by a
    // previous run is over.
    if (this.#diskLow) void this.#publishDisk(true);
    else void this.#publishDisk(false, false);
  }

  async #setDiskLow(low: boolean): Promise<void> {
    if (low === this.#diskLow) return;
    this.#diskLow = low;
    await this.#publishDisk(low);
  }

  /** `changed`: the state just changed here (logged); false only closes an alert left open. */
  async #publishDisk(low: boolean, changed = true): Promise<void> {
    const freeMb = mb(await this.#freeBytes().catch(() => 0));
    const minFreeMb = this.#d.config.DISK_MIN_FREE_MB;
    if (changed)
      this.#d.log[low ? 'warn' : 'info'](low ? 'disk space low: downloads paused' : 'disk space back', {
        freeMb,
        minFreeMb,
      });
    const message = low
      ? `Free space in the download folder is ${freeMb} MB, below ${minFreeMb} MB: downloads are paused`
      : `Free space in the download folder is back to ${freeMb} MB: downloads resume`;
    const params = { freeMb, minFreeMb };
    const alerts = this.#alerts;
    if (alerts) {
      try {
        if (low) await alerts.raise(DISK_ALERT_CAUSE, 'critical', 'disk.low', message, params);
        else await alerts.clear(DISK_ALERT_CAUSE, message, { code: 'disk.ok', params });
      } catch (error) {
        this.#d.log.warn('cannot send the disk alert', { error: String(error) });
      }
      return;
    }
    // A manager running without Sentinel's alerts (alone, in tests) tells everyone's sockets.
    publishEvent(this.#d.nc, null, {
      id: crypto.randomUUID(),
      ts: new Date().toISOString(),
      type: 'alert',
      data: { level: low ? 'critical' : 'info', message, code: low ? 'disk.low' : 'disk.ok', params },
    });
  }

  /** Below the margin: pause what runs (paused by `disk`); above it again: resume those. */
  async #checkDisk(): Promise<void> {
    if (this.#stopped) return;
    try {
      const low = !(await this.#hasSpaceToStart());
      if (low) {
        for (const live of [...this.#live.values()]) {
          if (live.phase !== 'downloading' && live.phase !== 'starting') continue;
          await this.#pause(live);
          await this.#setState(live.id, live.userId, { state: 'paused', pausedBy: 'disk' }, ACTIVE);
        }
        await this.#setDiskLow(true);
      } else if (this.#diskLow || !this.#diskChecked) {
        const resumed = await resumeDiskPaused(this.#d.db);
        for (const r of resumed) publishDataChanged(this.#d.nc, { scope: 'user', userId: r.userId });
        if (this.#diskLow || resumed.length > 0) {
          this.#diskLow = true; // so the "space back" alert goes out once
          await this.#setDiskLow(false);
          this.reconcile();
        }
      }
      this.#diskChecked = true;
    } catch (error) {
      this.#d.log.warn('cannot check free space', { error: String(error) });
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const ENGINE_NAMES: Record<EngineRow['engine'], string> = {
  webtorrent: 'BitTorrent',
  realdebrid: 'Real-Debrid',
  qbittorrent: 'qBittorrent',
  transmission: 'Transmission',
};

const mb = (bytes: number) => Math.max(0, Math.floor(bytes / (1024 * 1024)));
