import {
  type AddMagnetOptions,
  type AddTorrentOptions,
  QBittorrent,
  type Torrent,
  type TorrentFile,
  type TorrentFilePriority,
} from '@ctrl/qbittorrent';
import type { TorrentSource } from '../engine.js';
import { DownloadFailure } from '../source.js';
import {
  ClientDown,
  type ClientFile,
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
 * qBittorrent through its WebUI API v2 (`@ctrl/qbittorrent`), 4.1 to 5.x. Sokoul's torrents carry
 * the configured category and are followed with one `torrents/info?category=` a second (plus a
 * torrent's files while it downloads, and its piece states while it is read). qBittorrent writes
 * `<save path>/<name>/<file>` like Sokoul's own engine (content layout `Original`).
 */

type Version = [number, number, number];

/** WebUI API 2.11.0 (qBittorrent 5.0) renamed pause/resume to stop/start: endpoints, add's `paused`, states. */
const STOP_START_API: Version = [2, 11, 0];
/** `torrents/info?includeFiles=true` (API 2.11.8): every torrent's files in the one poll request. */
const FILES_IN_LIST_API: Version = [2, 11, 8];
/** The `stopCondition=MetadataReceived` of `torrents/add` (qBittorrent 4.5): stopped before any data. */
const STOP_CONDITION_API: Version = [2, 8, 18];
const REQUEST_TIMEOUT_MS = 10_000;

const SKIP = 0 as TorrentFilePriority;
const NORMAL = 1 as TorrentFilePriority;
const MAXIMAL = 7 as TorrentFilePriority;

// 4.x says paused*, 5.x stopped*.
const STOPPED = new Set(['pausedDL', 'pausedUP', 'stoppedDL', 'stoppedUP']);
const CHECKING = new Set([
  'checkingDL',
  'checkingUP',
  'checkingResumeData',
  'queuedForChecking',
  'allocating',
  'moving',
]);
const FAILURES: Record<string, string> = {
  error: 'qBittorrent reports an error for this torrent (a disk or file error: see its log)',
  missingFiles: "qBittorrent cannot find the torrent's files (moved or deleted outside qBittorrent)",
};

function parseVersion(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text.trim().replace(/^v/, '').split('.').map(Number);
  return [major, minor, patch];
}

function atLeast(version: Version, wanted: Version): boolean {
  for (let i = 0; i < 3; i++) {
    const a = version[i] ?? 0;
    const b = wanted[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** A file of `torrents/files` (its `index` since API 2.8.2, not in the library's type). */
type RawFile = TorrentFile & { index?: number };

function clientFiles(files: RawFile[]): ClientFile[] {
  return [...files]
    .map((f, position) => ({ f, index: f.index ?? position }))
    .sort((a, b) => a.index - b.index)
    .map(({ f }) => ({
      path: f.name,
      size: f.size,
      bytesDone: f.progress >= 1 ? f.size : Math.floor(f.progress * f.size),
      wanted: f.priority > 0,
    }));
}

export class QBittorrentEngine extends ExternalEngine {
  readonly name = 'qbittorrent' as const;
  /** Sequential order and first/last pieces on request; bytes are served once qBittorrent has them. */
  readonly streaming = 'sequential' as const;
  protected readonly label = 'qBittorrent';
  #api: QBittorrent | null = null;
  #version: Version = [0, 0, 0];
  readonly #pieceLength = new Map<string, number>();
  /** A torrent's figures when its files were last asked for: asked again once they change. */
  readonly #filesAsked = new Map<string, string>();

  constructor(opts: ExternalEngineOptions) {
    super(opts, 'qBittorrent');
  }

  protected get stopsAtMetadata(): boolean {
    return atLeast(this.#version, STOP_CONDITION_API);
  }

  get #v5(): boolean {
    return atLeast(this.#version, STOP_START_API);
  }

  #need(): QBittorrent {
    if (!this.#api) throw new ClientDown('unreachable', 'qBittorrent is not connected');
    return this.#api;
  }

  protected async connect(): Promise<void> {
    const api = new QBittorrent({
      baseUrl: this.client.url,
      username: this.client.username,
      password: this.client.password,
      timeout: REQUEST_TIMEOUT_MS,
    });
    await api.login();
    const version = parseVersion(await api.getApiVersion());
    // Created empty: each torrent gets its own save path (automatic management off).
    const categories = await api.getCategories();
    if (!(this.client.category in categories)) await api.createCategory(this.client.category, '');
    this.#api = api;
    this.#version = version;
    this.log.info('qBittorrent connected', {
      url: this.client.url,
      version: api.state.version?.version ?? null,
      webApi: version.join('.'),
    });
  }

  protected describe(error: unknown): ClientDown {
    const status = httpStatusOf(error);
    const message = error instanceof Error ? error.message : String(error);
    // The library's login answers "Fails." (HTTP 200) with an error of its own.
    if (status === 401 || /Auth Failed|Invalid cookie/i.test(message))
      return new ClientDown(
        'unauthorized',
        'qBittorrent refused the username or password: correct them in the download client settings',
      );
    if (status === 403)
      return new ClientDown(
        'unauthorized',
        "qBittorrent refused Sokoul (HTTP 403): a wrong password, or Sokoul's address banned after failed logins (see the Web UI settings)",
      );
    if (status !== undefined)
      return new ClientDown(
        'error',
        `qBittorrent answered HTTP ${status} at ${this.client.url}: is it the address of its Web UI?`,
      );
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return new ClientDown(
      'unreachable',
      `qBittorrent does not answer at ${this.client.url} (${cause?.code ?? cause?.message ?? message}); its downloads wait for it`,
    );
  }

  protected async fetch(followed: Followed[]): Promise<Map<string, ClientTorrent>> {
    const api = this.#need();
    const wanted = new Set(followed.map((f) => f.hash));
    const found = new Map<string, Torrent>();
    const includeFiles = atLeast(this.#version, FILES_IN_LIST_API);
    for (const raw of await api.listTorrents({ category: this.client.category, includeFiles }))
      if (wanted.has(raw.hash.toLowerCase())) found.set(raw.hash.toLowerCase(), raw);
    // Not in the category (changed in qBittorrent?): still there, or gone.
    const missing = followed.filter((f) => !found.has(f.hash)).map((f) => f.hash);
    if (missing.length > 0)
      for (const raw of await api.listTorrents({ hashes: missing, includeFiles }))
        found.set(raw.hash.toLowerCase(), raw);
    const answers = await Promise.all(
      followed.map(async (f) => {
        const raw = found.get(f.hash);
        return raw ? ([f.hash, await this.#torrent(api, raw, f)] as const) : null;
      }),
    );
    return new Map(answers.filter((a) => a !== null));
  }

  async #torrent(api: QBittorrent, raw: Torrent, f: Followed): Promise<ClientTorrent> {
    const hash = f.hash;
    // Without its metadata a magnet has total_size -1 and the state metaDL / forcedMetaDL.
    const hasMetadata = raw.total_size > 0 && !/metadl/i.test(raw.state);
    let files: ClientFile[] | null = null;
    let pieceLength = this.#pieceLength.get(hash) ?? 0;
    let pieces: Uint8Array | null = null;
    if (hasMetadata) {
      const figures = `${raw.completed}:${raw.state}:${raw.size}`;
      if (raw.files) files = clientFiles(raw.files);
      else if (!f.known || f.stale || this.#filesAsked.get(hash) !== figures) {
        files = clientFiles(await api.torrentFiles(hash));
        this.#filesAsked.set(hash, figures);
      }
      if (pieceLength === 0) {
        pieceLength = (await api.torrentProperties(hash)).piece_size;
        this.#pieceLength.set(hash, pieceLength);
      }
      // 0 not downloaded, 1 downloading, 2 downloaded.
      if (f.watch)
        pieces = Uint8Array.from(await api.torrentPieceStates(hash), (s) => (Number(s) === 2 ? 1 : 0));
    }
    return {
      hash,
      name: raw.name,
      savePath: raw.save_path,
      hasMetadata,
      pieceLength,
      stopped: STOPPED.has(raw.state),
      checking: CHECKING.has(raw.state),
      failure: FAILURES[raw.state] ?? null,
      downloadSpeed: raw.dlspeed,
      uploadSpeed: raw.upspeed,
      peers: raw.num_seeds + raw.num_leechs,
      downloaded: raw.downloaded,
      uploaded: raw.uploaded,
      files,
      pieces,
    };
  }

  protected async addTorrent(_hash: string, source: TorrentSource, remoteSavePath: string): Promise<void> {
    const api = this.#need();
    const fields: Record<string, string> = {
      category: this.client.category,
      savepath: remoteSavePath,
      useAutoTMM: 'false',
      // Sokoul's layout whatever the owner's default, and no temporary folder elsewhere.
      contentLayout: 'Original',
      useDownloadPath: 'false',
      // A .torrent waits stopped for `selectFiles`; a magnet stops by itself once its files are known.
      [this.#v5 ? 'stopped' : 'paused']: source.torrentFile ? 'true' : 'false',
    };
    if (!source.torrentFile) fields.stopCondition = 'MetadataReceived';
    try {
      if (source.torrentFile)
        await api.addTorrent(new Uint8Array(source.torrentFile), fields as Partial<AddTorrentOptions>);
      else await api.addMagnet(source.magnet, fields as Partial<AddMagnetOptions>);
    } catch (error) {
      if (httpStatusOf(error) === undefined && /failed to add/i.test(String(error)))
        throw new DownloadFailure('client_error', 'qBittorrent refused the torrent');
      throw error;
    }
  }

  protected async setFiles(t: Tracked, wanted: number[], count: number): Promise<void> {
    const api = this.#need();
    const others: string[] = [];
    for (let i = 0; i < count; i++) if (!wanted.includes(i)) others.push(String(i));
    // Unwanted first: a running torrent fetches no more of them meanwhile.
    if (others.length > 0) await api.setFilePriority(t.hash, others, SKIP);
    await api.setFilePriority(t.hash, wanted.map(String), NORMAL);
    const boosted = t.stream?.undo.boostedFile;
    if (boosted != null && wanted.includes(boosted))
      await api.setFilePriority(t.hash, [String(boosted)], MAXIMAL);
  }

  async #post(path: string, hash: string): Promise<void> {
    await this.#need().request(
      path,
      'POST',
      undefined,
      new URLSearchParams({ hashes: hash }),
      undefined,
      false,
    );
  }

  protected startTorrent(hash: string): Promise<void> {
    return this.#post(this.#v5 ? '/torrents/start' : '/torrents/resume', hash);
  }

  protected stopTorrent(hash: string): Promise<void> {
    return this.#post(this.#v5 ? '/torrents/stop' : '/torrents/pause', hash);
  }

  protected async deleteTorrent(hash: string, withData: boolean): Promise<void> {
    await this.#need().removeTorrent(hash, withData);
    this.#pieceLength.delete(hash);
    this.#filesAsked.delete(hash);
  }

  protected async findByPath(remoteSavePath: string): Promise<string | undefined> {
    const listed = await this.#need().listTorrents({ category: this.client.category });
    return listed.find((t) => samePath(t.save_path, remoteSavePath))?.hash.toLowerCase();
  }

  /** `torrents/export` (API 2.8.14, qBittorrent 4.4); older ones answer 404. */
  protected async exportTorrent(hash: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await this.#need().requestArrayBuffer('/torrents/export', { hash }));
    } catch (error) {
      if (httpStatusOf(error) === 404) return null;
      throw error;
    }
  }

  /**
   * Sequential order and first/last pieces, turned on only where they are off (the endpoints
   * toggle); in a pack, the streamed file at maximal priority so its pieces come before the others'.
   */
  protected async beginStreaming(t: Tracked, fileIndex: number): Promise<StreamUndo> {
    const api = this.#need();
    const undo: StreamUndo = { sequential: false, firstLast: false, boostedFile: null };
    const [raw] = await api.listTorrents({ hashes: t.hash });
    if (!raw) return undo;
    if (!raw.seq_dl) {
      await this.#post('/torrents/toggleSequentialDownload', t.hash);
      undo.sequential = true;
    }
    if (!raw.f_l_piece_prio) {
      await this.#post('/torrents/toggleFirstLastPiecePrio', t.hash);
      undo.firstLast = true;
    }
    const selected = t.selected ?? [];
    if (selected.length > 1 && selected.includes(fileIndex)) {
      await api.setFilePriority(t.hash, [String(fileIndex)], MAXIMAL);
      undo.boostedFile = fileIndex;
    }
    return undo;
  }

  protected async endStreaming(t: Tracked, undo: StreamUndo): Promise<void> {
    const api = this.#need();
    const [raw] = await api.listTorrents({ hashes: t.hash });
    if (!raw) return;
    if (undo.sequential && raw.seq_dl) await this.#post('/torrents/toggleSequentialDownload', t.hash);
    if (undo.firstLast && raw.f_l_piece_prio) await this.#post('/torrents/toggleFirstLastPiecePrio', t.hash);
    if (undo.boostedFile !== null && (t.selected ?? []).includes(undo.boostedFile))
      await api.setFilePriority(t.hash, [String(undo.boostedFile)], NORMAL);
  }
}
