import type { DownloadErrorCode, TorrentNodeConfig } from '@sokoul/contracts';
import type { Db } from '@sokoul/db';
import bencode from 'bencode';
import parseTorrent from 'parse-torrent';
import { configuredIndexers } from '../search/indexers.js';
import { guardedFetch, OutboundRefused } from '../search/outbound.js';
import { clearance } from '../search/torznab.js';

/** A download that cannot go on, with the code clients word their message by. */
export class DownloadFailure extends Error {
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Checks a magnet link (a BitTorrent info hash at least); returns its lower-case info hash. */
export async function checkMagnet(magnet: string): Promise<string> {
  try {
    const parsed = await parseTorrent(magnet);
    if (!/^[0-9a-f]{40}$/.test(parsed.infoHash)) throw new Error('no BitTorrent info hash');
    return parsed.infoHash;
  } catch {
    throw new DownloadFailure('invalid_magnet', 'The magnet link is not a valid BitTorrent magnet link');
  }
}

export type FetchedTorrent = { kind: 'torrent'; bytes: Uint8Array } | { kind: 'magnet'; magnet: string };

/**
 * Fetches a .torrent URL the way the search reached its indexer: a configured indexer's URL with
 * its FlareSolverr cookies, proxy and outbound guard; any other URL through the outbound guard.
 * Some indexers answer a download link with a redirect to a magnet link: that is returned.
 */
export async function fetchTorrentUrl(
  input: string,
  deps: { config: TorrentNodeConfig; db: Db },
): Promise<FetchedTorrent> {
  const { config } = deps;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new DownloadFailure('torrent_fetch_failed', 'The .torrent URL is not a valid URL');
  }
  const { endpoints } = await configuredIndexers(config, deps.db).catch(() => ({ endpoints: [] }));
  const endpoint = endpoints.find((e) => new URL(e.url).origin === url.origin);
  const headers: Record<string, string> = {};
  const timeout = AbortSignal.timeout(config.TORRENT_FETCH_TIMEOUT_MS);
  let response: Response;
  try {
    if (endpoint?.flareSolverrUrl) {
      const pass = await clearance(endpoint, endpoint.flareSolverrUrl);
      headers.cookie = pass.cookie;
      headers['user-agent'] = pass.userAgent;
    }
    const init: RequestInit = { headers, signal: timeout, redirect: 'manual' };
    // Jackett's and Prowlarr's own links (from the configuration) are trusted like their searches.
    const policy = endpoint ? endpoint.outbound : { allowPrivate: config.INDEXER_ALLOW_PRIVATE };
    response = policy
      ? await guardedFetch(url, init, policy, endpoint?.fetch)
      : await (endpoint?.fetch ?? fetch)(url, init);
  } catch (error) {
    if (error instanceof OutboundRefused)
      throw new DownloadFailure('torrent_fetch_failed', `The .torrent URL was refused: ${error.message}`);
    // guardedFetch checks each redirect's URL: a magnet location is refused by scheme.
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw new DownloadFailure(
      'torrent_fetch_failed',
      timedOut
        ? `The .torrent URL did not answer within ${config.TORRENT_FETCH_TIMEOUT_MS} ms`
        : 'The .torrent URL could not be reached',
    );
  }
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location?.startsWith('magnet:')) {
    await response.body?.cancel();
    return { kind: 'magnet', magnet: location };
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new DownloadFailure('torrent_fetch_failed', `The .torrent URL answered HTTP ${response.status}`);
  }
  const bytes = await readCapped(response, config.TORRENT_FILE_MAX_BYTES);
  return { kind: 'torrent', bytes };
}

async function readCapped(response: Response, max: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > max) {
    await response.body?.cancel();
    throw new DownloadFailure('torrent_too_large', `The .torrent file is larger than ${max} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel();
        throw new DownloadFailure('torrent_too_large', `The .torrent file is larger than ${max} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof DownloadFailure) throw error;
    throw new DownloadFailure('torrent_fetch_failed', 'The .torrent download was interrupted');
  }
  return Buffer.concat(chunks);
}

export interface CheckedTorrent {
  infoHash: string;
  name: string;
  bytesTotal: number;
  pieceLength: number;
  /** Relative to the download's folder (webtorrent writes `<name>/<path…>` for multi-file torrents). */
  files: { index: number; path: string; sizeBytes: number }[];
}

const MAX_COMPONENT_BYTES = 255;
const decoder = new TextDecoder('utf-8', { fatal: false });

/** One raw path component: a single name that stays inside its folder. */
function checkComponent(raw: unknown): string {
  if (!(raw instanceof Uint8Array)) throw new DownloadFailure('unsafe_path', 'A file name is not text');
  if (raw.byteLength === 0) throw new DownloadFailure('unsafe_path', 'A file name is empty');
  if (raw.byteLength > MAX_COMPONENT_BYTES)
    throw new DownloadFailure('unsafe_path', `A file name is longer than ${MAX_COMPONENT_BYTES} bytes`);
  const name = decoder.decode(raw);
  if (name.includes('\0')) throw new DownloadFailure('unsafe_path', 'A file name contains a NUL byte');
  if (name === '.' || name === '..')
    throw new DownloadFailure('unsafe_path', `A file path uses "${name}" to leave its folder`);
  if (name.includes('/') || name.includes('\\') || /^[A-Za-z]:/.test(name))
    throw new DownloadFailure('unsafe_path', `A file name contains a path: ${JSON.stringify(name)}`);
  return name;
}

const encoder = new TextEncoder();

/**
 * The same checks on the files an engine reported from a magnet it resolved itself (a client,
 * Real-Debrid): every component a plain name, at least one file that is not empty.
 */
export function checkFileList(files: { path: string; sizeBytes: number }[]): void {
  for (const file of files) {
    const parts = file.path.split('/');
    if (parts.length === 0) throw new DownloadFailure('unsafe_path', 'A file of the torrent has no path');
    for (const part of parts) checkComponent(encoder.encode(part));
  }
  if (files.length === 0 || files.every((f) => f.sizeBytes === 0))
    throw new DownloadFailure('empty_torrent', 'The torrent has no files');
}

interface RawFile {
  path?: unknown;
  'path.utf-8'?: unknown;
  length?: unknown;
}

/**
 * Decodes and checks a .torrent before anything is written: a real info dictionary, at least one
 * file, and every name a plain name (no `..`, absolute path, NUL or over-long component), so that
 * no file can land outside the download's folder whatever the engine does with names.
 */
export async function checkTorrentFile(bytes: Uint8Array): Promise<CheckedTorrent> {
  let decoded: unknown;
  try {
    decoded = bencode.decode(bytes);
  } catch {
    throw new DownloadFailure('not_a_torrent', 'The file is not a .torrent (not bencoded)');
  }
  const info = (decoded as { info?: Record<string, unknown> } | null)?.info;
  if (!info || typeof info !== 'object' || !(info.pieces instanceof Uint8Array))
    throw new DownloadFailure('not_a_torrent', 'The file is not a .torrent (no info dictionary)');
  const name = checkComponent(info['name.utf-8'] ?? info.name);
  const rawFiles = Array.isArray(info.files) ? (info.files as RawFile[]) : undefined;
  const listed: { parts: string[]; length: number }[] = [];
  if (rawFiles) {
    for (const file of rawFiles) {
      const parts = file['path.utf-8'] ?? file.path;
      if (!Array.isArray(parts) || parts.length === 0)
        throw new DownloadFailure('unsafe_path', 'A file of the torrent has no path');
      listed.push({ parts: parts.map(checkComponent), length: Number(file.length) });
    }
  } else if (typeof info.length === 'number') {
    listed.push({ parts: [], length: info.length });
  }
  if (listed.length === 0 || listed.every((f) => f.length === 0))
    throw new DownloadFailure('empty_torrent', 'The torrent has no files');
  let parsed: Awaited<ReturnType<typeof parseTorrent>>;
  try {
    parsed = await parseTorrent(bytes);
  } catch {
    throw new DownloadFailure('not_a_torrent', 'The file is not a valid .torrent');
  }
  const files = listed.map((f, index) => ({
    index,
    path: [name, ...f.parts].join('/'),
    sizeBytes: f.length,
  }));
  return {
    infoHash: parsed.infoHash,
    name: decoder.decode((info['name.utf-8'] ?? info.name) as Uint8Array),
    bytesTotal: files.reduce((sum, f) => sum + f.sizeBytes, 0),
    pieceLength: Number(info['piece length']),
    files,
  };
}
