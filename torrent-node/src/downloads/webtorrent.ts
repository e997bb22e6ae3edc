import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import type { Logger, SpeedLimits } from '@sokoul/contracts';
import WebTorrent, { type Torrent, type Wire } from 'webtorrent';
import type { AddOptions, DownloadEngine, TorrentStats } from './engine.js';

export interface WebTorrentOptions {
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
}

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
  readonly #client: WebTorrent;
  readonly #entries = new Map<string, Entry>();
  readonly #errorListeners: ((id: string, error: Error) => void)[] = [];
  readonly #doneListeners: ((id: string) => void)[] = [];
  readonly #log: Logger;

  constructor(opts: WebTorrentOptions) {
    this.#log = opts.log;
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

  async add(id: string, torrentFile: Uint8Array, savePath: string, opts: AddOptions = {}): Promise<void> {
    if (this.#entries.has(id)) return;
    const entry: Entry = { torrentFile, savePath, opts, torrent: null, received: 0, uploaded: 0 };
    this.#entries.set(id, entry);
    await this.#start(id, entry);
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
    await destroy(torrent, false);
  }

  async resume(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry || entry.torrent) return;
    await this.#start(id, entry);
  }

  async remove(id: string, withData: boolean): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
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

  createReadStream(id: string, fileIndex: number, range: { start?: number; end?: number } = {}): Readable {
    const file = this.#entries.get(id)?.torrent?.files[fileIndex];
    if (!file) throw new Error(`download ${id} has no running file ${fileIndex}`);
    return file.createReadStream(range);
  }

  setLimits(limits: SpeedLimits): void {
    this.#client.throttleDownload(rate(limits.downloadLimit));
    this.#client.throttleUpload(rate(limits.uploadLimit));
  }

  async destroy(): Promise<void> {
    this.#entries.clear();
    await new Promise<void>((resolve) => this.#client.destroy(() => resolve()));
  }
}

const copy = (buffer: Uint8Array) => new Uint8Array(buffer);

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
