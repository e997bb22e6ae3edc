import { timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, dirname, join, resolve, sep } from 'node:path';
import {
  type FileAvailability,
  type FileProbe,
  type InternalSubtitleList,
  idParam,
  internalToken,
  type Logger,
  StreamingRoutes,
  StreamSignatureQuery,
  SubtitleDownloadRequest,
  SubtitleSearchQuery,
  SubtitleTrackId,
  signStream,
  type TorrentNodeConfig,
  verifyStream,
} from '@sokoul/contracts';
import { type Db, type StreamFile, streamFile, streamTag } from '@sokoul/db';
import { LRUCache } from 'lru-cache';
import type { z } from 'zod';
import type { EngineReads } from '../downloads/engine.js';
import { meterStream } from '../metrics.js';
import { createProbeCache } from './probe-cache.js';
import { contentType, sendBytes } from './range.js';
import { Readahead } from './readahead.js';
import { createRemuxer, type RemuxRequest } from './remux.js';
import { type ServedFile, StreamError, type SubtitleService } from './types.js';

/**
 * torrent-node's stream server (node:http): the bytes of library files and of downloads still in
 * progress, remuxes, subtitles, and the API's questions about files. The browser never reaches it:
 * the API checks who may read what, signs, and forwards. Requests name files by id only; the path
 * behind an id is served only when its real path lies under DOWNLOAD_DIR or LIBRARY_DIR.
 *
 * Signed routes (query `u`, `exp`, `sig`): GET/HEAD /files/{id}/stream,
 * GET /files/{id}/remux?start&audio&mode&acodec, GET /files/{id}/subtitles/{trackId}.
 * Internal routes (`Authorization: Bearer <internalToken>`): GET /internal/files/{id}/probe,
 * /availability, /subtitles, /subtitles/search?languages=; POST /internal/files/{id}/subtitles.
 *
 * The signed user is not looked up again (no @sokoul/db module owns `users` yet): the API checks
 * the account and its right to the file before it signs, for STREAM_URL_TTL at most.
 */

export interface StreamServerOptions {
  host: string;
  port: number;
  db: Db;
  engine: EngineReads;
  config: TorrentNodeConfig;
  log: Logger;
  subtitles: SubtitleService;
}

export interface StreamServer {
  port: number;
  /** People watching now: each user reading a file (stream or remux) within STREAM_IDLE_SECONDS. */
  activeStreams(): number;
  /**
   * Stops taking requests; those in flight (a film being watched) may finish for `graceMs`, then
   * what is left is cut.
   */
  close(graceMs?: number): Promise<void>;
}

const MiB = 1024 * 1024;
/** How often a stream port that was taken is tried again. */
const LISTEN_RETRY_MS = 5_000;
/** Matches nginx on 1 MiB ranges (ARCHITECTURE.md's measurement). */
const READ_HIGH_WATER_MARK = MiB;
/** ffprobe's and ffmpeg's own reads are signed for the nil user, which no account has. */
const INTERNAL_USER = '00000000-0000-0000-0000-000000000000';
const INTERNAL_GRANT_SECONDS = 24 * 3600;
const MAX_BODY_BYTES = 16 * 1024;
/**
 * A player reads a file in many ranges: a library row is read from the database once per this
 * long, not per range (torrent-node's pool is small and shared with the downloads). The path is
 * still resolved and checked per request; a download's row changes as it progresses and is not kept.
 */
const LIBRARY_ROW_TTL_MS = 2_000;

const FileId = idParam('File');
/** /internal/files/{id}/… and their methods. */
const INTERNAL_ROUTES = new Map([
  ['probe', ['GET']],
  ['availability', ['GET']],
  ['subtitles', ['GET', 'POST']],
  ['subtitles/search', ['GET']],
]);
const RemuxQuery = StreamingRoutes.remux.request.query;

const notFound = () => new StreamError(404, 'not_found', 'File not found');
const firstIssue = (error: z.ZodError) => error.issues[0]?.message ?? 'invalid input';

/** realpath, for a file a download has not written yet: its folders' real path and its name. */
async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(path) === path) throw error;
    // A dangling symlink is refused: where it points is not known to be inside.
    const link = await lstat(path).catch(() => null);
    if (link) throw new StreamError(403, 'outside_media_folders', 'The file is outside the media folders');
    return join(await realPathOf(dirname(path)), basename(path));
  }
}

export async function startStreamServer(opts: StreamServerOptions): Promise<StreamServer> {
  const { db, engine, config, log, subtitles } = opts;
  const key = config.INTERNAL_SIGNING_KEY;
  const bearer = Buffer.from(`Bearer ${await internalToken(key)}`);
  const probes = createProbeCache({ config, log: log.child({ part: 'probe' }) });
  const remuxer = createRemuxer({ config, log: log.child({ part: 'remux' }) });
  const viewers = new Map<string, number>();
  const readahead = new Readahead({
    engine,
    windowBytes: config.STREAM_READAHEAD_MB * MiB,
    idleMs: config.STREAM_IDLE_SECONDS * 1000,
    log: log.child({ part: 'readahead' }),
  });
  let base = '';
  const libraryRows = new LRUCache<string, StreamFile>({ max: 1_000, ttl: LIBRARY_ROW_TTL_MS });

  // Signed once per file and reused for most of its life: plain reads never use it, and signing
  // on every 1 MiB range request was measurable work on the hot path.
  const internalGrants = new LRUCache<string, string>({
    max: 1_000,
    ttl: (INTERNAL_GRANT_SECONDS / 2) * 1000,
  });
  async function internalUrl(fileId: string): Promise<string> {
    let grant = internalGrants.get(fileId);
    if (!grant) {
      grant = await signStream(key, {
        fileId,
        userId: INTERNAL_USER,
        exp: Math.floor(Date.now() / 1000) + INTERNAL_GRANT_SECONDS,
      });
      internalGrants.set(fileId, grant);
    }
    return `${base}/files/${fileId}/stream?${grant}`;
  }

  async function mediaRoots(): Promise<string[]> {
    const dirs = [config.DOWNLOAD_DIR, config.LIBRARY_DIR].filter((d): d is string => !!d);
    const roots = await Promise.all(dirs.map((d) => realpath(resolve(d)).catch(() => null)));
    return roots.filter((r): r is string => r !== null);
  }

  /** The verified bytes of a download file the engine runs; undefined when it runs no torrent of it. */
  const engineBytes = (file: StreamFile) =>
    file.kind === 'download' ? engine.availability(file.downloadId, file.fileIndex) : undefined;

  async function served(fileId: string): Promise<ServedFile> {
    let file = libraryRows.get(fileId);
    if (!file) {
      try {
        file = await streamFile(db, fileId);
      } catch (error) {
        log.warn('cannot read the file row', { fileId, error: String(error) });
        throw new StreamError(503, 'dependency_unavailable', 'The database is unavailable', {
          'Retry-After': '5',
        });
      }
      if (file?.kind === 'library') libraryRows.set(fileId, file);
    }
    if (!file) throw notFound();
    let realPath: string;
    try {
      realPath =
        file.kind === 'library' ? await realpath(resolve(file.path)) : await realPathOf(resolve(file.path));
    } catch (error) {
      if (error instanceof StreamError) throw error;
      throw new StreamError(404, 'not_found', 'The file is not on disk');
    }
    const roots = await mediaRoots();
    if (!roots.some((root) => realPath.startsWith(root + sep)))
      throw new StreamError(403, 'outside_media_folders', 'The file is outside the media folders');
    const complete =
      file.kind === 'library' || (engineBytes(file)?.complete ?? file.bytesDone >= file.sizeBytes);
    return { ...file, realPath, complete, internalUrl: await internalUrl(fileId) };
  }

  const probeOrNull = (file: ServedFile): Promise<FileProbe | null> => probes.get(file).catch(() => null);

  async function stream(req: IncomingMessage, res: ServerResponse, file: ServedFile): Promise<void> {
    const etag = `"${streamTag(file)}"`;
    const type = contentType(file.path);
    if (file.complete) {
      const info = await stat(file.realPath).catch(() => {
        throw new StreamError(404, 'not_found', 'The file is not on disk');
      });
      sendBytes(
        req,
        res,
        {
          size: info.size,
          etag,
          lastModified: file.kind === 'library' ? info.mtime : null,
          type,
          open: (start, end) => ({
            stream: createReadStream(file.realPath, { start, end, highWaterMark: READ_HIGH_WATER_MARK }),
          }),
        },
        log,
      );
      return;
    }
    if (file.kind !== 'download' || !engineBytes(file))
      throw new StreamError(
        503,
        'not_downloading',
        'The download is not running: its missing bytes cannot arrive',
        {
          'Retry-After': '5',
        },
      );
    const { downloadId, fileIndex, sizeBytes } = file;
    sendBytes(
      req,
      res,
      {
        size: sizeBytes,
        etag,
        lastModified: null,
        type,
        open: (start, end) => ({
          stream: engine.createReadStream(downloadId, fileIndex, { start, end }),
          meter: readahead.follow({ downloadId, fileIndex, sizeBytes }, start, res),
        }),
      },
      log,
    );
  }

  async function remux(res: ServerResponse, file: ServedFile, params: URLSearchParams): Promise<void> {
    const query = RemuxQuery.safeParse(Object.fromEntries(params));
    if (!query.success) throw new StreamError(400, 'validation_failed', firstIssue(query.error));
    const probe = await probeOrNull(file);
    const request: RemuxRequest = {
      start: query.data.start ? Number(query.data.start) : 0,
      audio: query.data.audio === undefined ? undefined : Number(query.data.audio),
      mode: query.data.mode ?? 'remux',
      acodec: query.data.acodec ?? 'aac',
    };
    if (request.audio !== undefined && probe && !probe.audioTracks.some((t) => t.index === request.audio))
      throw new StreamError(400, 'validation_failed', 'The file has no such audio track');
    await remuxer.serve(res, file, request, probe);
  }

  function availability(file: ServedFile): FileAvailability {
    const { fileId, sizeBytes } = file;
    if (file.kind === 'download' && !file.complete) {
      return {
        fileId,
        sizeBytes,
        complete: false,
        ranges: engineBytes(file)?.ranges ?? [],
        downloadSpeed: engine.stats(file.downloadId)?.downloadSpeed ?? 0,
      };
    }
    return {
      fileId,
      sizeBytes,
      complete: true,
      ranges: sizeBytes > 0 ? [[0, sizeBytes - 1]] : [],
      downloadSpeed: 0,
    };
  }

  async function signed(
    req: IncomingMessage,
    res: ServerResponse,
    parts: string[],
    params: URLSearchParams,
  ): Promise<void> {
    const [, , id, what, trackId, ...rest] = parts;
    const route =
      rest.length > 0
        ? null
        : trackId === undefined
          ? what === 'stream' || what === 'remux'
            ? what
            : null
          : what === 'subtitles'
            ? 'subtitle'
            : null;
    if (!route || !FileId.safeParse(id).success) throw notFound();
    const fileId = id as string;
    const methods = route === 'stream' ? ['GET', 'HEAD'] : ['GET'];
    if (!methods.includes(req.method ?? ''))
      throw new StreamError(405, 'bad_request', 'Method not allowed', { Allow: methods.join(', ') });
    const signature = StreamSignatureQuery.safeParse({
      u: params.get('u'),
      exp: params.get('exp'),
      sig: params.get('sig'),
    });
    if (!signature.success) throw new StreamError(400, 'validation_failed', 'invalid signature');
    const check = await verifyStream(key, fileId, signature.data);
    if (check === 'forged')
      throw new StreamError(403, 'invalid_signature', 'The signature is not valid for this file');
    if (check === 'expired') throw new StreamError(403, 'signature_expired', 'The link has expired');
    if (route === 'subtitle' && !SubtitleTrackId.safeParse(trackId).success)
      throw new StreamError(404, 'not_found', 'Subtitle not found');
    const file = await served(fileId);
    // A player reads in many ranges: a viewer is a user and a file, not a request.
    if (route !== 'subtitle' && signature.data.u !== INTERNAL_USER)
      viewers.set(`${signature.data.u}:${fileId}`, Date.now());
    if (route !== 'subtitle' && signature.data.u !== INTERNAL_USER) {
      const mode = route === 'stream' ? 'direct' : params.get('mode') === 'transcode' ? 'transcode' : 'remux';
      meterStream(res, mode, `${signature.data.u}:${fileId}`, config.STREAM_IDLE_SECONDS * 1000);
    }
    if (route === 'stream') return stream(req, res, file);
    if (route === 'remux') return remux(res, file, params);
    const vtt = await subtitles.vtt(file, trackId as string, await probeOrNull(file));
    res.writeHead(200, {
      'Content-Type': 'text/vtt; charset=utf-8',
      'Content-Length': Buffer.byteLength(vtt),
      'Cache-Control': 'private',
    });
    res.end(vtt);
  }

  async function internal(
    req: IncomingMessage,
    res: ServerResponse,
    parts: string[],
    params: URLSearchParams,
  ): Promise<void> {
    const given = req.headers.authorization;
    if (!given) throw new StreamError(401, 'unauthorized', 'Internal routes need the internal token');
    const presented = Buffer.from(given);
    if (presented.length !== bearer.length || !timingSafeEqual(presented, bearer))
      throw new StreamError(403, 'forbidden', 'Wrong internal token');
    const [, , , id] = parts;
    const route = parts.slice(4).join('/');
    const methods = INTERNAL_ROUTES.get(route);
    if (!methods || !FileId.safeParse(id).success) throw notFound();
    const method = req.method ?? '';
    if (!methods.includes(method))
      throw new StreamError(405, 'bad_request', 'Method not allowed', { Allow: methods.join(', ') });
    const file = await served(id as string);
    if (route === 'probe') return json(res, 200, await probes.get(file));
    if (route === 'availability') return json(res, 200, availability(file));
    if (route === 'subtitles/search') {
      const query = SubtitleSearchQuery.safeParse(Object.fromEntries(params));
      if (!query.success) throw new StreamError(400, 'validation_failed', firstIssue(query.error));
      // None asked: the service's defaults (from TMDB_LANGUAGE).
      return json(res, 200, await subtitles.search(file, query.data.languages ?? []));
    }
    if (method === 'POST') {
      const body = SubtitleDownloadRequest.safeParse(await readJson(req));
      if (!body.success) throw new StreamError(400, 'validation_failed', firstIssue(body.error));
      return json(res, 201, await subtitles.download(file, body.data.providerFileId));
    }
    const list: InternalSubtitleList = { tracks: await subtitles.list(file, await probeOrNull(file)) };
    return json(res, 200, list);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The raw path: no decoding and no dot-segment resolution, ids are matched as they came.
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const parts = (mark === -1 ? url : url.slice(0, mark)).split('/');
    const params = new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
    if (parts[0] === '' && parts[1] === 'files') return signed(req, res, parts, params);
    if (parts[0] === '' && parts[1] === 'internal' && parts[2] === 'files')
      return internal(req, res, parts, params);
    throw notFound();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const known = error instanceof StreamError;
      if (!known)
        log.error('stream server error', {
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const e = known ? error : new StreamError(500, 'internal', 'Internal error');
      const body = JSON.stringify({ error: { code: e.code, message: e.message } });
      res.writeHead(e.status, {
        ...e.headers,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  // A port already taken (another program, a stray socket) costs streaming only until it is free:
  // the first attempt is awaited, later ones run in the background and the API answers 503 meanwhile.
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let port = opts.port;
  const address = `${opts.host}:${opts.port}`;
  const listened = () => {
    const bound = server.address();
    port = typeof bound === 'object' && bound ? bound.port : opts.port;
    base = `http://${loopbackHost(opts.host)}:${port}`;
    log.info('stream server listening', { address: `${opts.host}:${port}` });
  };
  await new Promise<void>((settled) => {
    const attempt = (first: boolean) => {
      const failed = (error: Error) => {
        server.off('listening', succeeded);
        log.error('the stream server cannot listen: streaming is unavailable until it can', {
          address,
          error: String(error),
          retryInSeconds: LISTEN_RETRY_MS / 1000,
        });
        if (!closed) retry = setTimeout(() => attempt(false), LISTEN_RETRY_MS);
        if (first) settled();
      };
      const succeeded = () => {
        server.off('error', failed);
        listened();
        if (first) settled();
      };
      server.once('error', failed);
      server.once('listening', succeeded);
      server.listen(opts.port, opts.host);
    };
    attempt(true);
  });
  server.on('error', (error) => {
    if (server.listening) log.error('stream server error', { error: String(error) });
  });

  return {
    get port() {
      return port;
    },
    activeStreams() {
      const since = Date.now() - config.STREAM_IDLE_SECONDS * 1000;
      for (const [viewer, at] of viewers) if (at < since) viewers.delete(viewer);
      return viewers.size;
    },
    async close(graceMs = 0) {
      closed = true;
      clearTimeout(retry);
      await new Promise<void>((done) => {
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(cut);
          done();
        });
        server.closeIdleConnections();
      });
      readahead.close();
      remuxer.close();
    },
  };
}

/** How ffmpeg on this machine reaches the server (a wildcard address is not one to connect to). */
function loopbackHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new StreamError(413, 'payload_too_large', 'The body is too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new StreamError(400, 'invalid_json', 'The body is not JSON');
  }
}
