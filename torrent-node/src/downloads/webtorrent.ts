import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger, SpeedLimits } from '@sokoul/contracts';
import WebTorrent, { type Torrent, type TorrentFile, type Wire } from 'webtorrent';
import type {
  AddOptions,
  DownloadEngine,
  EngineStatus,
  FileBytes,
  PriorityWindow,
  TorrentMetadata,
  TorrentSource,
  TorrentStats,
} from './engine.js';

export interface WebTorrentOptions {
  /** DOWNLOAD_DIR: each download in a folder named by its id. */
  downloadDir: string;
  port: number;
  dht: boolean;
  pex: boolean;
  trackers: boolean;
  lsd: boolean;
  utp: boolean;
  limits: SpeedLimits;
  log: Logger;
}

interface Entry {
  torrentFile: Uint8Array;
  savePath: string;
  opts: AddOptions;
  torrent: Torrent | null;
  /** Counters of earlier instances (a pause closes the torrent; its figures go on). */
  received: number;
  uploaded: number;
  /** The stream server's priority windows on the running torrent. */
  windows: Set<HeldWindow>;
  openReads: number;
  /** Known once the torrent first started. */
  metadata: TorrentMetadata | undefined;
}

interface HeldWindow extends PriorityWindow {
  fileIndex: number;
  torrent: Torrent;
  fromPiece: number;
  toPiece: number;
}

/**
 * What the stream windows use of webtorrent beyond its typed surface (lib/torrent.js, file.js).
 * Windows are webtorrent's *stream* selections (`_select(…, isStreamSelection = true)`, as its own
 * file iterator makes): a public `select` merges with every overlapping selection and takes the
 * highest priority (one window would raise the whole torrent), and `deselect` cuts a hole in the
 * torrent's normal selection. Stream selections are kept apart and removed one at a time.
 */
interface TorrentInternals {
  _select(start: number, end: number, priority: number, notify: null, isStreamSelection: true): void;
  _deselect(start: number, end: number, isStreamSelection: true): void;
  /**
   * Lets the pieces' blocks be re-requested from a faster peer ("hotswap"). There is no unmarking;
   * it only matters until the piece is verified.
   */
  critical(start: number, end: number): void;
  bitfield: { get(index: number): boolean } | null;
}

/** A torrent file's read stream is a streamx Readable, not a Node one. */
interface StreamxReadable {
  on(event: 'data', listener: (chunk: Uint8Array) => void): void;
  on(event: 'end' | 'close', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  pause(): void;
  resume(): void;
  destroy(): void;
}
type FileInternals = Omit<TorrentFile, 'createReadStream'> & {
  /** Where the file starts in the torrent's bytes. */
  offset: number;
  createReadStream(opts: { start: number; end: number }): StreamxReadable;
};

/**
 * Selection priorities: the torrent's normal order is 0, webtorrent's own reads (the segment being
 * read, see readRange) 1. webtorrent sorts selections by priority whenever they change and fills
 * a peer's request pipeline from the first; once filled, that selection goes behind the other
 * prioritised ones (`shufflePriority` in torrent.js), so the windows of several readers take turns
 * on each peer rather than the first one taking it all.
 */
const PRIORITY = { critical: 3, high: 2 } as const;

/**
 * Most block requests kept outstanding on one peer (16 KiB each: 128 is 2 MiB in flight).
 * webtorrent keeps a second of the peer's measured speed outstanding, capped only by the reqq its
 * extended handshake advertises; aria2c (and other peers) advertise none, so on loopback it piled up
 * ~15,000 requests (~230 MiB) with ~200 pieces reserved at once. `npm run bench downloads`, 1 GiB
 * from aria2c over loopback (medians): uncapped 232 MB peak RSS downloading at 1.12x aria2c's
 * speed; 256: 210 MB at 1.25x; 128: 192 MB at 1.32x. Standalone webtorrent: 64 fell to ~115 MiB/s.
 * 2 MiB in flight fills a 20 MiB/s peer at 100 ms RTT; several peers add up.
 */
const MAX_OUTSTANDING_REQUESTS = 128;

/** Caps webtorrent's request pipeline on a wire by lowering the reqq it honours (see above). */
function capRequestPipeline(wire: Wire, max = MAX_OUTSTANDING_REQUESTS): void {
  if (!(max > 0)) return;
  const cap = () => {
    const reqq = wire.peerExtendedHandshake.reqq;
    wire.peerExtendedHandshake.reqq = typeof reqq === 'number' && reqq > 0 ? Math.min(reqq, max) : max;
  };
  cap();
  // The peer's extended handshake replaces the object (and its reqq) when it arrives.
  wire.on('extended', (ext: string) => {
    if (ext === 'handshake') cap();
  });
}

// webtorrent: 0 disables a throttle group's limit only through -1.
const rate = (bytesPerSecond: number) => (bytesPerSecond > 0 ? bytesPerSecond : -1);

/**
 * TORRENT_PORT when it is free, else a port the system picks: another BitTorrent client (or a
 * second Sokoul) holding it must not take downloads down, only incoming connections through the
 * forwarded port. webtorrent itself destroys its client when its listener fails.
 */
export async function usablePort(wanted: number, log: Logger): Promise<number> {
  if (wanted === 0) return 0;
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(wanted, () => probe.close(() => resolve(true)));
  });
  if (free) return wanted;
  log.warn('TORRENT_PORT is in use: listening on another port; peers cannot reach the forwarded one', {
    port: wanted,
  });
  return 0;
}

/** The DownloadEngine on webtorrent 3 (TCP and uTP; no WebRTC in Node, see ARCHITECTURE.md). */
export class WebTorrentEngine implements DownloadEngine {
  readonly name = 'webtorrent' as const;
  readonly streaming = 'pieces' as const;
  readonly seeds = true;
  readonly #root: string;
  readonly #client: WebTorrent;
  readonly #entries = new Map<string, Entry>();
  readonly #errorListeners: ((id: string, error: Error) => void)[] = [];
  readonly #doneListeners: ((id: string) => void)[] = [];
  readonly #log: Logger;

  constructor(opts: WebTorrentOptions) {
    this.#log = opts.log;
    this.#root = resolve(opts.downloadDir);
    this.#client = new WebTorrent({
      torrentPort: opts.port,
      dht: opts.dht,
      lsd: opts.lsd,
      utPex: opts.pex,
      utp: opts.utp,
      tracker: opts.trackers ? {} : false,
      // Port mapping is the router's or VPN's business, not ours (and it probes the LAN).
      natUpnp: false,
      natPmp: false,
      // Measured: duplicate outgoing connections from seeds cost ~35% of throughput on loopback.
      seedOutgoingConnections: false,
      downloadLimit: rate(opts.limits.downloadLimit),
      uploadLimit: rate(opts.limits.uploadLimit),
    });
    this.#client.on('error', (error: unknown) =>
      this.#log.error('webtorrent client error', { error: String(error) }),
    );
  }

  /** The port peers reach us on (TORRENT_PORT, or the one picked when it is 0). */
  get port(): number {
    return this.#client.address()?.port ?? 0;
  }

  savePathFor(id: string): string {
    return join(this.#root, id);
  }

  /** Its own: it works whenever torrent-node does. */
  status(): EngineStatus {
    return { state: 'ok', message: null };
  }

  onError(listener: (id: string, error: Error) => void): void {
    this.#errorListeners.push(listener);
  }

  onDone(listener: (id: string) => void): void {
    this.#doneListeners.push(listener);
  }

  fetchMetadata(id: string, magnet: string, signal: AbortSignal): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      // Deselected and destroyed on its metadata: nothing is requested or written.
      const torrent = this.#client.add(magnet, { deselect: true, path: '/nonexistent-sokoul-metadata' });
      const finish = (error: Error | null, file?: Uint8Array) => {
        signal.removeEventListener('abort', onAbort);
        torrent.destroy({ destroyStore: false });
        if (error) reject(error);
        else resolve(file as Uint8Array);
      };
      const onAbort = () => finish(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      torrent.once('metadata', () => finish(null, new Uint8Array(torrent.torrentFile)));
      torrent.once('error', (error: unknown) =>
        finish(error instanceof Error ? error : new Error(String(error))),
      );
      this.#log.debug('fetching metadata', { downloadId: id });
    });
  }

  async add(id: string, source: TorrentSource, savePath: string, opts: AddOptions = {}): Promise<void> {
    if (this.#entries.has(id)) return;
    // The manager fetches a magnet's metadata first (fetchMetadata): this engine starts from bytes.
    if (!source.torrentFile) throw new Error('webtorrent starts from the .torrent bytes');
    const entry: Entry = {
      torrentFile: source.torrentFile,
      savePath,
      opts,
      torrent: null,
      received: 0,
      uploaded: 0,
      windows: new Set(),
      openReads: 0,
      metadata: undefined,
    };
    this.#entries.set(id, entry);
    await this.#start(id, entry);
  }

  metadata(id: string): TorrentMetadata | undefined {
    return this.#entries.get(id)?.metadata;
  }

  async selectFiles(id: string, indexes: number[]): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.opts = { ...entry.opts, selectedFiles: indexes };
    const torrent = entry.torrent;
    if (!torrent) return;
    const wanted = new Set(indexes);
    for (const [index, file] of torrent.files.entries()) {
      if (wanted.has(index)) file.select();
      else file.deselect();
    }
  }

  async #start(id: string, entry: Entry): Promise<void> {
    const { bitfield, skipVerify, selectedFiles } = entry.opts;
    // webtorrent trusts everything under skipVerify; a partial bitfield is spot-checked instead
    // (webtorrent hashes at most 2 pieces per file the bitfield claims, and re-hashes a file that fails).
    const complete = bitfield ? isFull(bitfield) : false;
    const torrent = this.#client.add(Buffer.from(entry.torrentFile), {
      path: entry.savePath,
      ...(bitfield && !(skipVerify && complete) ? { bitfield: new Uint8Array(bitfield) } : {}),
      ...(skipVerify && complete ? { skipVerify: true } : {}),
      ...(selectedFiles ? { deselect: true } : {}),
    });
    entry.torrent = torrent;
    torrent.on('wire', (wire: Wire) => capRequestPipeline(wire));
    torrent.on('error', (error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      for (const listener of this.#errorListeners) listener(id, err);
    });
    torrent.on('done', () => {
      for (const listener of this.#doneListeners) listener(id);
    });
    await new Promise<void>((resolve, reject) => {
      if (torrent.ready) return resolve();
      torrent.once('ready', () => resolve());
      torrent.once('error', (error: unknown) =>
        reject(error instanceof Error ? error : new Error(String(error))),
      );
    });
    if (selectedFiles) for (const index of selectedFiles) torrent.files[index]?.select();
    entry.metadata ??= {
      infoHash: torrent.infoHash,
      name: torrent.name,
      files: torrent.files.map((file, index) => ({ index, path: file.path, sizeBytes: file.length })),
      bytesTotal: torrent.length,
      torrentFile: entry.torrentFile,
    };
  }

  async pause(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry?.torrent) return;
    // webtorrent's pause() only stops new connections, and deselecting leaves uploads and requests
    // in flight: closing the torrent is what moves zero bytes. Resuming re-adds it with the
    // bitfield, which costs a spot check of a few pieces, not a re-hash.
    const torrent = entry.torrent;
    entry.opts = { ...entry.opts, ...(torrent.bitfield ? { bitfield: copy(torrent.bitfield.buffer) } : {}) };
    entry.received += torrent.received;
    entry.uploaded += torrent.uploaded;
    entry.torrent = null;
    // The torrent's selections go with it (and its read streams end).
    entry.windows.clear();
    await destroy(torrent, false);
  }

  async resume(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry || entry.torrent) return;
    await this.#start(id, entry);
  }

  release(id: string): Promise<void> {
    return this.remove(id, false);
  }

  async remove(id: string, withData: boolean): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    entry.windows.clear();
    if (entry.torrent) await destroy(entry.torrent, withData);
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  isPaused(id: string): boolean {
    const entry = this.#entries.get(id);
    return !!entry && !entry.torrent;
  }

  stats(id: string): TorrentStats | undefined {
    const entry = this.#entries.get(id);
    const torrent = entry?.torrent;
    if (!entry || !torrent?.ready) return undefined;
    return {
      bytesDone: Math.min(torrent.downloaded, torrent.length),
      bytesTotal: torrent.length,
      received: entry.received + torrent.received,
      uploaded: entry.uploaded + torrent.uploaded,
      downloadSpeed: Math.round(torrent.downloadSpeed),
      uploadSpeed: Math.round(torrent.uploadSpeed),
      peers: torrent.numPeers,
      done: torrent.done || torrent.downloaded >= torrent.length,
      files: torrent.files.map((f, index) => ({ index, bytesDone: Math.min(f.downloaded, f.length) })),
      bitfield: torrent.bitfield ? copy(torrent.bitfield.buffer) : null,
    };
  }

  createReadStream(id: string, fileIndex: number, range: { start: number; end: number }): Readable {
    const entry = this.#entries.get(id);
    const file = entry?.torrent?.files[fileIndex] as FileInternals | undefined;
    if (!entry || !file) throw new Error(`download ${id} has no running file ${fileIndex}`);
    const stream = readRange(file, range.start, range.end);
    entry.openReads += 1;
    stream.once('close', () => {
      entry.openReads -= 1;
    });
    return stream;
  }

  openReads(id: string): number {
    return this.#entries.get(id)?.openReads ?? 0;
  }

  prioritize(id: string, fileIndex: number, window: PriorityWindow): () => void {
    const entry = this.#entries.get(id);
    const torrent = entry?.torrent;
    const file = torrent?.ready ? (torrent.files[fileIndex] as FileInternals | undefined) : undefined;
    if (!entry || !torrent || !file || file.length === 0) return () => {};
    const start = Math.max(0, Math.min(window.start, file.length - 1));
    const end = Math.max(start, Math.min(window.end, file.length - 1));
    const held: HeldWindow = {
      ...window,
      start,
      end,
      fileIndex,
      torrent,
      fromPiece: Math.floor((file.offset + start) / torrent.pieceLength),
      toPiece: Math.floor((file.offset + end) / torrent.pieceLength),
    };
    const internals = torrent as unknown as TorrentInternals;
    internals._select(held.fromPiece, held.toPiece, PRIORITY[window.level], null, true);
    if (window.level === 'critical') internals.critical(held.fromPiece, held.toPiece);
    entry.windows.add(held);
    return () => {
      if (!entry.windows.delete(held) || held.torrent !== entry.torrent || torrent.destroyed) return;
      // webtorrent drops a stream selection by itself once every piece in it is verified; removing
      // it again would take another reader's selection of the same pieces.
      if (allVerified(internals, held.fromPiece, held.toPiece)) return;
      internals._deselect(held.fromPiece, held.toPiece, true);
    };
  }

  priorities(id: string): (PriorityWindow & { fileIndex: number })[] {
    const windows = this.#entries.get(id)?.windows ?? [];
    return [...windows].map(({ fileIndex, start, end, level }) => ({ fileIndex, start, end, level }));
  }

  availability(id: string, fileIndex: number): FileBytes | undefined {
    const torrent = this.#entries.get(id)?.torrent;
    const file = torrent?.ready ? (torrent.files[fileIndex] as FileInternals | undefined) : undefined;
    const bitfield = (torrent as unknown as TorrentInternals | undefined)?.bitfield;
    if (!torrent || !file || !bitfield) return undefined;
    if (file.length === 0) return { ranges: [], complete: true };
    const size = torrent.pieceLength;
    const first = Math.floor(file.offset / size);
    const last = Math.floor((file.offset + file.length - 1) / size);
    const ranges: [number, number][] = [];
    for (let piece = first; piece <= last; piece++) {
      if (!bitfield.get(piece)) continue;
      const start = Math.max(0, piece * size - file.offset);
      const end = Math.min(file.length - 1, (piece + 1) * size - 1 - file.offset);
      const previous = ranges[ranges.length - 1];
      if (previous && previous[1] + 1 === start) previous[1] = end;
      else ranges.push([start, end]);
    }
    const whole = ranges.length === 1 && ranges[0]?.[0] === 0 && ranges[0][1] === file.length - 1;
    return { ranges, complete: whole };
  }

  setLimits(limits: SpeedLimits): void {
    this.#client.throttleDownload(rate(limits.downloadLimit));
    this.#client.throttleUpload(rate(limits.uploadLimit));
  }

  async destroy(): Promise<void> {
    for (const entry of this.#entries.values()) entry.windows.clear();
    this.#entries.clear();
    await new Promise<void>((resolve) => this.#client.destroy(() => resolve()));
  }
}

const copy = (buffer: Uint8Array) => new Uint8Array(buffer);

function allVerified(torrent: TorrentInternals, from: number, to: number): boolean {
  for (let piece = from; piece <= to; piece++) if (!torrent.bitfield?.get(piece)) return false;
  return true;
}

/**
 * webtorrent selects a read's whole range at priority 1, above the torrent's normal order: a
 * player's open-ended read would put the rest of the file ahead of everything. Reads go through
 * webtorrent in segments of this size instead; what lies further ahead is the stream server's
 * readahead window's business.
 */
const READ_SEGMENT_BYTES = 4 * 1024 * 1024;

/**
 * Bytes `start` to `end` of a torrent file as a Node stream, exactly: webtorrent reads to the
 * file's end when `end` is 0 and ends its stream quietly when the torrent stops; a short read here
 * is an error instead, so a response never stops short of its Content-Length unnoticed.
 * Destroying it destroys webtorrent's stream at once, which drops its selection of the segment (a
 * Readable.from over that stream would first wait for the piece being awaited).
 */
function readRange(file: FileInternals, start: number, end: number): Readable {
  let next = start;
  let source: StreamxReadable | null = null;
  let left = 0;
  const openSegment = () => {
    if (next > end) {
      out.push(null);
      return;
    }
    const last = Math.min(end, next + READ_SEGMENT_BYTES - 1);
    const current = file.createReadStream({ start: next, end: last });
    left = last - next + 1;
    next = last + 1;
    source = current;
    current.on('data', (chunk) => {
      if (source !== current) return;
      const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= part.length;
      const more = out.push(part);
      if (left === 0) {
        source = null;
        current.destroy();
        if (more) openSegment();
      } else if (!more) current.pause();
    });
    const stop = () => {
      if (source === current) out.destroy(new Error('the torrent stopped before the range was read'));
    };
    current.on('end', stop);
    current.on('close', stop);
    current.on('error', (error) => {
      if (source === current) out.destroy(error);
    });
  };
  const out: Readable = new Readable({
    read: () => {
      if (source) source.resume();
      else openSegment();
    },
    destroy: (error, callback) => {
      const current = source;
      source = null;
      current?.destroy();
      callback(error);
    },
  });
  return out;
}

function destroy(torrent: Torrent, destroyStore: boolean): Promise<void> {
  return new Promise((resolve) => torrent.destroy({ destroyStore }, () => resolve()));
}

/** Whether a bitfield looks complete (its last byte only has the bits of the last pieces). */
function isFull(bitfield: Uint8Array): boolean {
  // Only trailing bits past the last piece may be 0; a complete download's bitfield has all others
  // set. The manager passes skipVerify only for completed downloads, so checking bytes up to the
  // last one is enough to refuse a partial bitfield handed over by mistake.
  for (let i = 0; i < bitfield.length - 1; i++) if (bitfield[i] !== 0xff) return false;
  return (bitfield[bitfield.length - 1] ?? 0) !== 0;
}
