import { Transmission } from '@ctrl/transmission';
import type { EngineStreaming } from '@sokoul/contracts';
import type { TorrentSource } from '../engine.js';
import { DownloadFailure } from '../source.js';
import {
  ClientDown,
  type ClientTorrent,
  ExternalEngine,
  type ExternalEngineOptions,
  type Followed,
  httpStatusOf,
  type StreamUndo,
  samePath,
  type Tracked,
} from './external.js';

/**
 * Transmission through its RPC (`@ctrl/transmission`, which answers the X-Transmission-Session-Id
 * handshake), 3.00 and 4.x with the RPC's camelCase/kebab-case names (4.1 still takes them). Sokoul's
 * torrents are followed by info hash with one `torrent-get` a second, their piece bitfield included
 * (a few bytes a torrent). The label is only for the owner: the RPC cannot filter by it.
 */

/** `torrent-set`/`torrent-get` `labels`: RPC 16 (Transmission 3.00); `torrent-add` takes them from 17 (4.0). */
const LABELS_RPC = 16;
const ADD_LABELS_RPC = 17;
/** Sequential download (`sequential_download`): RPC 18 (Transmission 4.1); 3.00 and 4.0 have none. */
const SEQUENTIAL_RPC = 18;
const REQUEST_TIMEOUT_MS = 10_000;
/** A start or stop holds this long before it is taken as done (see `#driveTo`). */
const STATE_STEADY_MS = 500;
const STATE_RESEND_MS = 1_000;
const STATE_TIMEOUT_MS = 20_000;

const FIELDS = [
  'hashString',
  'name',
  'status',
  'error',
  'errorString',
  'downloadDir',
  'metadataPercentComplete',
  'pieceCount',
  'pieceSize',
  'pieces',
  'files',
  'wanted',
  'rateDownload',
  'rateUpload',
  'peersConnected',
  'downloadedEver',
  'uploadedEver',
];

/** tr_torrent_activity: 0 stopped, 1 queued to check, 2 checking, 3/4 download, 5/6 seed. */
const STATUS_STOPPED = 0;
const STATUS_CHECKING = [1, 2];
/** tr_stat_errtype: 1 tracker warning, 2 tracker error (the swarm's business), 3 local error. */
const ERROR_LOCAL = 3;

interface RawTorrent {
  hashString: string;
  name: string;
  status: number;
  error: number;
  errorString: string;
  downloadDir: string;
  metadataPercentComplete: number;
  pieceCount: number;
  pieceSize: number;
  pieces: string;
  files: { name: string; length: number; bytesCompleted: number }[];
  /** 0/1 in 3.00 and 4.0.2+, booleans in 4.0.0 and 4.0.1. */
  wanted: (number | boolean)[];
  rateDownload: number;
  rateUpload: number;
  peersConnected: number;
  downloadedEver: number;
  uploadedEver: number;
  sequentialDownload?: boolean;
  sequential_download?: boolean;
}

interface RpcAnswer {
  result?: string;
  arguments?: Record<string, unknown>;
}

/** The RPC answered, with something else than `success`. */
class RpcRefused extends Error {
  constructor(
    readonly method: string,
    readonly result: string,
  ) {
    super(`Transmission refused ${method}: ${result}`);
  }
}

/** The `pieces` bitfield (base64, first piece in the high bit) as one byte a piece. */
function pieceStates(bitfield: string, count: number): Uint8Array {
  const bytes = Buffer.from(bitfield, 'base64');
  const pieces = new Uint8Array(count);
  for (let i = 0; i < count; i++) pieces[i] = ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
  return pieces;
}

/** The configured URL: the RPC endpoint itself, or the daemon's address (`/transmission/rpc` then). */
function rpcAddress(url: string): { baseUrl: string; path: string } {
  const parsed = new URL(url);
  if (/\/rpc\/?$/.test(parsed.pathname)) return { baseUrl: parsed.origin, path: parsed.pathname };
  return { baseUrl: url, path: '/transmission/rpc' };
}

export class TransmissionEngine extends ExternalEngine {
  readonly name = 'transmission' as const;
  protected readonly label = 'Transmission';
  #api: Transmission | null = null;
  #rpcVersion = 0;

  constructor(opts: ExternalEngineOptions) {
    super(opts, 'Transmission');
  }

  /** Sequential order from 4.1 (RPC 18); before, pieces come rarest first and a file plays once complete. */
  get streaming(): EngineStreaming {
    return this.#rpcVersion >= SEQUENTIAL_RPC ? 'sequential' : 'none';
  }

  /** Transmission has no stop condition: the poll stops a magnet as its metadata arrives. */
  protected get stopsAtMetadata(): boolean {
    return false;
  }

  async #rpc(
    method: string,
    args: Record<string, unknown>,
    api = this.#api,
  ): Promise<Record<string, unknown>> {
    if (!api) throw new ClientDown('unreachable', 'Transmission is not connected');
    const response = await api.request<RpcAnswer>(method, args);
    const body = response._data;
    if (body?.result !== 'success') throw new RpcRefused(method, body?.result ?? 'no answer');
    return body.arguments ?? {};
  }

  protected async connect(): Promise<void> {
    const api = new Transmission({
      ...rpcAddress(this.client.url),
      username: this.client.username,
      password: this.client.password,
      timeout: REQUEST_TIMEOUT_MS,
    });
    const session = await this.#rpc('session-get', {}, api);
    this.#rpcVersion = Number(session['rpc-version'] ?? 0);
    this.#api = api;
    this.log.info('Transmission connected', {
      url: this.client.url,
      version: String(session.version ?? ''),
      rpcVersion: this.#rpcVersion,
      streaming: this.streaming,
    });
    // Files then live elsewhere until complete: reads before completion find nothing to read.
    if (session['incomplete-dir-enabled'] === true)
      this.log.warn(
        'Transmission keeps incomplete files in another folder: they cannot be streamed before completion',
        {
          incompleteDir: String(session['incomplete-dir'] ?? ''),
        },
      );
  }

  protected describe(error: unknown): ClientDown {
    if (error instanceof RpcRefused) return new ClientDown('error', error.message);
    const status = httpStatusOf(error);
    if (status === 401)
      return new ClientDown(
        'unauthorized',
        'Transmission refused the username or password: correct them in the download client settings',
      );
    if (status === 403)
      return new ClientDown(
        'unauthorized',
        "Transmission refused Sokoul's address (HTTP 403): add it to rpc-whitelist in Transmission's settings",
      );
    if (status !== undefined)
      return new ClientDown(
        'error',
        `Transmission answered HTTP ${status} at ${this.client.url}: is it the RPC address (…/transmission/rpc)?`,
      );
    // The library reads a missing response's status on a network error: its TypeError says nothing.
    return new ClientDown(
      'unreachable',
      `Transmission does not answer at ${this.client.url}; its downloads wait for it`,
    );
  }

  protected async fetch(followed: Followed[]): Promise<Map<string, ClientTorrent>> {
    const fields = this.#rpcVersion >= SEQUENTIAL_RPC ? [...FIELDS, 'sequentialDownload'] : FIELDS;
    const answer = await this.#rpc('torrent-get', { ids: followed.map((f) => f.hash), fields });
    const torrents = (answer.torrents ?? []) as RawTorrent[];
    const found = new Map<string, ClientTorrent>();
    for (const raw of torrents) {
      const hash = raw.hashString.toLowerCase();
      const hasMetadata = raw.metadataPercentComplete >= 1 && raw.pieceCount > 0;
      found.set(hash, {
        hash,
        name: raw.name,
        savePath: raw.downloadDir,
        hasMetadata,
        pieceLength: raw.pieceSize,
        stopped: raw.status === STATUS_STOPPED,
        checking: STATUS_CHECKING.includes(raw.status),
        failure: raw.error === ERROR_LOCAL ? `Transmission: ${raw.errorString || 'a local error'}` : null,
        downloadSpeed: raw.rateDownload,
        uploadSpeed: raw.rateUpload,
        peers: raw.peersConnected,
        downloaded: raw.downloadedEver,
        uploaded: raw.uploadedEver,
        files: hasMetadata
          ? raw.files.map((f, i) => ({
              path: f.name,
              size: f.length,
              bytesDone: f.bytesCompleted,
              wanted: Boolean(raw.wanted[i]),
            }))
          : null,
        pieces: hasMetadata ? pieceStates(raw.pieces, raw.pieceCount) : null,
      });
    }
    return found;
  }

  protected async addTorrent(hash: string, source: TorrentSource, remoteSavePath: string): Promise<void> {
    const labels = [this.client.category];
    const args: Record<string, unknown> = {
      'download-dir': remoteSavePath,
      // A .torrent waits stopped for `selectFiles`; a magnet runs to fetch its metadata.
      paused: !!source.torrentFile,
      ...(this.#rpcVersion >= ADD_LABELS_RPC ? { labels } : {}),
    };
    if (source.torrentFile) args.metainfo = Buffer.from(source.torrentFile).toString('base64');
    else args.filename = source.magnet;
    try {
      // "torrent-added", or "torrent-duplicate" (added meanwhile: its folder is checked by the caller).
      await this.#rpc('torrent-add', args);
    } catch (error) {
      if (error instanceof RpcRefused)
        throw new DownloadFailure('client_error', `Transmission refused the torrent: ${error.result}`);
      throw error;
    }
    if (this.#rpcVersion >= LABELS_RPC && this.#rpcVersion < ADD_LABELS_RPC)
      await this.#rpc('torrent-set', { ids: [hash], labels });
  }

  protected async setFiles(t: Tracked, wanted: number[], count: number): Promise<void> {
    const unwanted: number[] = [];
    for (let i = 0; i < count; i++) if (!wanted.includes(i)) unwanted.push(i);
    // An empty list means every file to Transmission: only sent when there are some.
    await this.#rpc('torrent-set', {
      ids: [t.hash],
      'files-wanted': wanted,
      ...(unwanted.length > 0 ? { 'files-unwanted': unwanted } : {}),
    });
  }

  /**
   * Transmission 3 writes a torrent's resume file (its folder, its wanted files) when the torrent
   * stops, else every few minutes: a daemon killed before that brings the torrent back in its
   * default folder with every file wanted. Stopping it (and starting it again) writes it now.
   */
  protected override async persist(hash: string, running: boolean): Promise<void> {
    await this.#driveTo(hash, false);
    if (running) await this.#driveTo(hash, true);
  }

  /**
   * Transmission keeps written blocks in its cache (cache-size-mb) and flushes them when it fills,
   * every few minutes, or when the torrent stops: a piece it reports complete may not be on disk.
   */
  protected override get cachesWrites(): boolean {
    return true;
  }

  /** Stopping the torrent flushes its blocks (and writes its resume file); it is started again. */
  protected override settle(hash: string, running: boolean): Promise<void> {
    return this.persist(hash, running);
  }

  protected startTorrent(hash: string): Promise<void> {
    return this.#driveTo(hash, true);
  }

  protected stopTorrent(hash: string): Promise<void> {
    return this.#driveTo(hash, false);
  }

  /**
   * Starts or stops a torrent and waits until it stays so. Transmission applies a stop later, in
   * its event loop, and starts a torrent it is verifying once the check ends: a stop followed at
   * once by a start (or a start during a check, then a stop) can end the other way round.
   */
  async #driveTo(hash: string, running: boolean): Promise<void> {
    const deadline = Date.now() + STATE_TIMEOUT_MS;
    let sentAt = 0;
    let steadySince = 0;
    for (;;) {
      const answer = await this.#rpc('torrent-get', { ids: [hash], fields: ['status'] });
      const [raw] = (answer.torrents ?? []) as Pick<RawTorrent, 'status'>[];
      // Gone: the poll reports it.
      if (!raw) return;
      if ((raw.status !== STATUS_STOPPED) === running) {
        steadySince ||= Date.now();
        if (Date.now() - steadySince >= STATE_STEADY_MS) return;
      } else {
        steadySince = 0;
        if (Date.now() - sentAt >= STATE_RESEND_MS) {
          await this.#rpc(running ? 'torrent-start' : 'torrent-stop', { ids: [hash] });
          sentAt = Date.now();
        }
      }
      if (Date.now() > deadline)
        throw new DownloadFailure(
          'client_error',
          `Transmission did not ${running ? 'start' : 'stop'} the torrent`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  protected async deleteTorrent(hash: string, withData: boolean): Promise<void> {
    await this.#rpc('torrent-remove', { ids: [hash], 'delete-local-data': withData });
  }

  protected async findByPath(remoteSavePath: string): Promise<string | undefined> {
    const answer = await this.#rpc('torrent-get', { fields: ['hashString', 'downloadDir'] });
    const torrents = (answer.torrents ?? []) as Pick<RawTorrent, 'hashString' | 'downloadDir'>[];
    return torrents.find((t) => samePath(t.downloadDir, remoteSavePath))?.hashString.toLowerCase();
  }

  /** The RPC gives only the .torrent's path on the daemon's own disk. */
  protected async exportTorrent(): Promise<Uint8Array | null> {
    return null;
  }

  /**
   * Sequential order where Transmission has it (4.1, set under both spellings: 4.1 documents
   * snake_case, unknown keys are ignored); in a pack, the streamed file at high priority.
   */
  protected async beginStreaming(t: Tracked, fileIndex: number): Promise<StreamUndo> {
    const undo: StreamUndo = { sequential: false, firstLast: false, boostedFile: null };
    if (this.#rpcVersion >= SEQUENTIAL_RPC) {
      const answer = await this.#rpc('torrent-get', { ids: [t.hash], fields: ['sequentialDownload'] });
      const [raw] = (answer.torrents ?? []) as RawTorrent[];
      if (raw && !(raw.sequentialDownload ?? raw.sequential_download)) {
        await this.#rpc('torrent-set', {
          ids: [t.hash],
          sequentialDownload: true,
          sequential_download: true,
        });
        undo.sequential = true;
      }
    }
    const selected = t.selected ?? [];
    if (selected.length > 1 && selected.includes(fileIndex)) {
      await this.#rpc('torrent-set', { ids: [t.hash], 'priority-high': [fileIndex] });
      undo.boostedFile = fileIndex;
    }
    return undo;
  }

  protected async endStreaming(t: Tracked, undo: StreamUndo): Promise<void> {
    if (undo.sequential)
      await this.#rpc('torrent-set', {
        ids: [t.hash],
        sequentialDownload: false,
        sequential_download: false,
      });
    if (undo.boostedFile !== null)
      await this.#rpc('torrent-set', { ids: [t.hash], 'priority-normal': [undo.boostedFile] });
  }
}
