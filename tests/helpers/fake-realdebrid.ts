/// <reference path="../../torrent-node/src/downloads/vendor.d.ts" />
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basename } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import parseTorrent from 'parse-torrent';

/**
 * A local stand-in for Real-Debrid: its REST API 1.0 (the payloads and error bodies of `/user`,
 * `/torrents`, `/torrents/info/{id}`, `/torrents/addMagnet`, `/torrents/addTorrent`,
 * `/torrents/selectFiles/{id}`, `/torrents/delete/{id}`, `/unrestrict/link`, and the removed
 * `/torrents/instantAvailability` answering `disabled_endpoint`) on one listener, and the download
 * host of its unrestricted links (Range, 206, 416, Content-Length) on another. A torrent's
 * progression runs on the clock from its spec; the file host serves real files the test wrote.
 *
 * Controls: instant (cached) torrents, slots full (509), infringing hashes (451), a per-minute
 * request budget (429 beyond it, refused requests counted in it as Real-Debrid does), links that
 * expire, a bad token, a service down (503), and a throttle and kill switch on the file host.
 */

export type FakeEnd = 'downloaded' | 'dead' | 'virus' | 'error' | 'magnet_error';

export interface FakeTorrentSpec {
  /** Info hash, 40 hex digits. */
  hash: string;
  name: string;
  /** Paths as Real-Debrid gives them (starting with `/`), each served from `source` on disk. */
  files: { path: string; source: string }[];
  /** Cached on Real-Debrid: files at once, downloaded as soon as they are selected. */
  instant?: boolean;
  /** Time in magnet_conversion (default 500 ms), queued after selection (0), downloading (2 s). */
  conversionMs?: number;
  queuedMs?: number;
  downloadMs?: number;
  /** Bytes per second and seeders shown while downloading. */
  speed?: number;
  seeders?: number;
  /** How it ends (default `downloaded`; `magnet_error` ends the conversion). */
  end?: FakeEnd;
  /** Real-Debrid packs the selected files into one archive link. */
  packed?: boolean;
}

export interface FakeApiRequest {
  at: number;
  method: string;
  path: string;
  status: number;
}

export interface FakeHostRequest {
  token: string;
  range: string | null;
  status: number;
}

export interface FakeRealDebridOptions {
  apiKey: string;
  /** Requests allowed in any 60 s (refused ones count); beyond, 429. */
  requestsPerMinute?: number;
}

export interface FakeRealDebrid {
  /** What REAL_DEBRID_API_URL is set to. */
  url: string;
  /** The download host's origin. */
  hostUrl: string;
  requests: FakeApiRequest[];
  hostRequests: FakeHostRequest[];
  /** Bytes of file data the host sent. */
  servedBytes: number;
  /** Host responses still sending. */
  activeResponses: number;
  /** Requests answered 429. */
  refused429: number;
  /** Most API requests that arrived in any window of `windowMs` (60 s by default). */
  maxInWindow(windowMs?: number): number;
  /** API requests to paths starting with `prefix` (e.g. `/torrents/instantAvailability`). */
  count(prefix: string, method?: string): number;
  torrent(spec: FakeTorrentSpec): void;
  /** Real-Debrid's id for the torrent of this hash (the latest added). */
  idOf(hash: string): string | undefined;
  /** The account's torrents (as the list shows them). */
  listed(): string[];
  /** Jumps a torrent to a status now (downloaded: progress 100). */
  setStatus(id: string, status: FakeEnd | 'downloading'): void;
  /** The next `count` adds and selections answer 509 (too many active downloads). */
  fillSlots(count: number): void;
  /** Adds of this hash answer 451 (infringing file). */
  infringing(hash: string): void;
  /** The next `count` API requests answer 429. */
  rateLimitNext(count: number): void;
  /** Every link unrestricted so far answers `status` from now on. */
  expireLinks(status?: 403 | 410): void;
  /** The account is locked (403 `account_locked`) until unlocked. */
  lock(locked: boolean): void;
  /** The API answers 503 `service_unavailable` while down. */
  down(isDown: boolean): void;
  /** Bytes per second each host response is held to (0: full speed). */
  throttle(bytesPerSecond: number): void;
  /** Drops every connection of the file host now (a download cut mid-transfer). */
  killDownloads(): void;
  close(): Promise<void>;
}

interface FileState {
  id: number;
  path: string;
  source: string;
  bytes: number;
  selected: boolean;
}

interface TorrentState {
  id: string;
  spec: FakeTorrentSpec;
  files: FileState[];
  added: number;
  selectedAt: number | null;
  /** A status forced by the test, and since when. */
  forced: { status: FakeEnd | 'downloading'; at: number } | null;
  links: string[];
}

interface LinkState {
  torrent: TorrentState;
  file: FileState;
}

interface TokenState {
  file: FileState;
  expired: 403 | 410 | null;
}

const WINDOW_MS = 60_000;
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const randomId = () => Array.from(randomBytes(13), (b) => ID_CHARS[b % ID_CHARS.length]).join('');
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function hashOfMagnet(magnet: string): string | null {
  const match = /xt=urn:btih:([0-9a-fA-F]{40}|[A-Za-z2-7]{32})(?:&|$)/.exec(magnet);
  if (!match?.[1]) return null;
  const value = match[1];
  if (value.length === 40) return value.toLowerCase();
  let bits = '';
  for (const c of value.toUpperCase()) bits += BASE32.indexOf(c).toString(2).padStart(5, '0');
  return (bits.match(/.{8}/g) ?? []).map((b) => Number.parseInt(b, 2).toString(16).padStart(2, '0')).join('');
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body, null, 4);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

const error = (res: ServerResponse, status: number, name: string, code: number) =>
  json(res, status, { error: name, error_code: code });

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

export async function startFakeRealDebrid(opts: FakeRealDebridOptions): Promise<FakeRealDebrid> {
  const torrents = new Map<string, TorrentState>();
  const specs = new Map<string, FakeTorrentSpec>();
  const links = new Map<string, LinkState>();
  const tokens = new Map<string, TokenState>();
  const infringing = new Set<string>();
  const arrivals: number[] = [];
  const sockets = new Set<Socket>();
  let slotsFull = 0;
  let limitNext = 0;
  let locked = false;
  let isDown = false;
  let rate = 0;
  let hostOrigin = '';

  const fake: FakeRealDebrid = {
    url: '',
    hostUrl: '',
    requests: [],
    hostRequests: [],
    servedBytes: 0,
    activeResponses: 0,
    refused429: 0,
    maxInWindow(windowMs = WINDOW_MS) {
      let max = 0;
      let from = 0;
      for (let to = 0; to < arrivals.length; to++) {
        while ((arrivals[to] ?? 0) - (arrivals[from] ?? 0) >= windowMs) from++;
        max = Math.max(max, to - from + 1);
      }
      return max;
    },
    count(prefix, method) {
      return fake.requests.filter((r) => r.path.startsWith(prefix) && (!method || r.method === method))
        .length;
    },
    torrent(spec) {
      specs.set(spec.hash.toLowerCase(), spec);
    },
    idOf(hash) {
      return [...torrents.values()].reverse().find((t) => t.spec.hash === hash.toLowerCase())?.id;
    },
    listed() {
      return [...torrents.keys()];
    },
    setStatus(id, status) {
      const torrent = torrents.get(id);
      if (torrent) torrent.forced = { status, at: Date.now() };
    },
    fillSlots(count) {
      slotsFull = count;
    },
    infringing(hash) {
      infringing.add(hash.toLowerCase());
    },
    rateLimitNext(count) {
      limitNext = count;
    },
    expireLinks(status = 410) {
      for (const token of tokens.values()) token.expired = status;
    },
    lock(value) {
      locked = value;
    },
    down(value) {
      isDown = value;
    },
    throttle(bytesPerSecond) {
      rate = bytesPerSecond;
    },
    killDownloads() {
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise((resolve) => api.close(resolve)),
        new Promise((resolve) => host.close(resolve)),
      ]);
      api.closeAllConnections();
    },
  };

  /** The status of a torrent now, from its spec and the clock. */
  function view(t: TorrentState) {
    const now = Date.now();
    const { spec } = t;
    const conversion = spec.instant ? 0 : (spec.conversionMs ?? 500);
    let status: string;
    let progress = 0;
    if (t.forced) {
      status = t.forced.status;
      progress = status === 'downloaded' ? 100 : status === 'downloading' ? 50 : 0;
    } else if (now - t.added < conversion) status = 'magnet_conversion';
    else if (spec.end === 'magnet_error') status = 'magnet_error';
    else if (t.selectedAt === null) status = 'waiting_files_selection';
    else {
      const queued = spec.instant ? 0 : (spec.queuedMs ?? 0);
      const downloading = spec.instant ? 0 : (spec.downloadMs ?? 2_000);
      const since = now - t.selectedAt;
      if (since < queued) status = 'queued';
      else if (since < queued + downloading) {
        status = 'downloading';
        progress = Math.floor(((since - queued) / downloading) * 100);
      } else {
        status = spec.end ?? 'downloaded';
        progress = status === 'downloaded' ? 100 : 37;
      }
    }
    const known = status !== 'magnet_conversion' && status !== 'magnet_error';
    const selected = t.files.filter((f) => f.selected);
    const total = t.files.reduce((sum, f) => sum + f.bytes, 0);
    if (status === 'downloaded' && t.links.length === 0) {
      const count = spec.packed ? 1 : selected.length;
      for (let i = 0; i < count; i++) {
        const link = `https://real-debrid.com/d/${randomId()}`;
        links.set(link, { torrent: t, file: selected[i] as FileState });
        t.links.push(link);
      }
    }
    const listed = {
      id: t.id,
      filename: known ? spec.name : spec.hash,
      hash: spec.hash,
      bytes: known ? (selected.length > 0 ? selected.reduce((sum, f) => sum + f.bytes, 0) : total) : 0,
      host: 'real-debrid.com',
      split: 2000,
      progress,
      status,
      added: new Date(t.added).toISOString(),
      links: status === 'downloaded' ? t.links : [],
      ...(status === 'downloaded' ? { ended: new Date(now).toISOString() } : {}),
      ...(status === 'downloading' ? { speed: spec.speed ?? 10_485_760 } : {}),
      ...(status === 'downloading' || status === 'magnet_conversion' ? { seeders: spec.seeders ?? 12 } : {}),
    };
    const info = {
      ...listed,
      original_filename: known ? spec.name : spec.hash,
      original_bytes: known ? total : 0,
      files: known
        ? t.files.map((f) => ({ id: f.id, path: f.path, bytes: f.bytes, selected: f.selected ? 1 : 0 }))
        : [],
    };
    return { status, listed, info };
  }

  function add(res: ServerResponse, hash: string | null) {
    if (!hash) return error(res, 400, 'wrong_parameter', 2);
    if (infringing.has(hash)) return error(res, 451, 'infringing_file', 35);
    if (slotsFull > 0) {
      slotsFull -= 1;
      return error(res, 509, 'too_many_active_downloads', 21);
    }
    const spec = specs.get(hash) ?? { hash, name: hash, files: [], conversionMs: Number.POSITIVE_INFINITY };
    const id = randomId();
    torrents.set(id, {
      id,
      spec,
      files: spec.files.map((f, i) => ({
        id: i + 1,
        path: f.path,
        source: f.source,
        bytes: statSync(f.source).size,
        selected: false,
      })),
      added: Date.now(),
      selectedAt: null,
      forced: null,
      links: [],
    });
    json(res, 201, { id, uri: `https://api.real-debrid.com/rest/1.0/torrents/info/${id}` });
  }

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const form = () => readBody(req).then((b) => new URLSearchParams(b.toString('utf8')));
    const [, ns, action, id] = path.split('/');
    if (method === 'GET' && path === '/user')
      return json(res, 200, {
        id: 1234567,
        username: 'sokoul',
        email: 'so***@example.test',
        points: 1000,
        locale: 'fr',
        avatar: 'https://fcdn.real-debrid.com/images/forum/empty.png',
        type: 'premium',
        premium: 2_592_000,
        expiration: new Date(Date.now() + 2_592_000_000).toISOString(),
      });
    if (ns === 'torrents' && action === 'instantAvailability')
      return error(res, 403, 'disabled_endpoint', 37);
    if (method === 'GET' && path === '/torrents') {
      const limit = Math.min(5000, Number(query.get('limit') ?? 100));
      const page = Math.max(1, Number(query.get('page') ?? 1));
      const all = [...torrents.values()].reverse();
      const items = all.slice((page - 1) * limit, page * limit).map((t) => view(t).listed);
      if (items.length === 0) {
        res.writeHead(204, { 'x-total-count': String(all.length) });
        return void res.end();
      }
      return json(res, 200, items, { 'x-total-count': String(all.length) });
    }
    if (method === 'GET' && ns === 'torrents' && action === 'info' && id) {
      const t = torrents.get(id);
      return t ? json(res, 200, view(t).info) : error(res, 404, 'unknown_ressource', 7);
    }
    if (method === 'POST' && path === '/torrents/addMagnet') {
      const magnet = (await form()).get('magnet');
      if (!magnet) return error(res, 400, 'parameter_missing', 1);
      return add(res, hashOfMagnet(magnet));
    }
    if (method === 'PUT' && path === '/torrents/addTorrent') {
      const body = await readBody(req);
      const hash = await parseTorrent(body).then(
        (p) => p.infoHash,
        () => null,
      );
      if (!hash) return error(res, 400, 'upload_error', 27);
      return add(res, hash);
    }
    if (method === 'POST' && ns === 'torrents' && action === 'selectFiles' && id) {
      const t = torrents.get(id);
      const files = (await form()).get('files');
      if (!t) return error(res, 404, 'unknown_ressource', 7);
      if (!files) return error(res, 400, 'parameter_missing', 1);
      if (view(t).status !== 'waiting_files_selection') {
        res.writeHead(202);
        return void res.end();
      }
      const ids = files === 'all' ? t.files.map((f) => f.id) : files.split(',').map(Number);
      if (ids.some((n) => !t.files.some((f) => f.id === n))) return error(res, 400, 'wrong_parameter', 2);
      if (slotsFull > 0) {
        slotsFull -= 1;
        return error(res, 509, 'too_many_active_downloads', 21);
      }
      for (const f of t.files) f.selected = ids.includes(f.id);
      t.selectedAt = Date.now();
      res.writeHead(204);
      return void res.end();
    }
    if (method === 'DELETE' && ns === 'torrents' && action === 'delete' && id) {
      if (!torrents.delete(id)) return error(res, 404, 'unknown_ressource', 7);
      res.writeHead(204);
      return void res.end();
    }
    if (method === 'POST' && path === '/unrestrict/link') {
      const link = (await form()).get('link');
      if (!link) return error(res, 400, 'parameter_missing', 1);
      const known = links.get(link);
      if (!known || !torrents.has(known.torrent.id)) return error(res, 503, 'unavailable_file', 24);
      const token = randomId();
      tokens.set(token, { file: known.file, expired: null });
      const filename = known.torrent.spec.packed
        ? `${known.torrent.spec.name}.rar`
        : basename(known.file.path);
      return json(res, 200, {
        id: randomId(),
        filename,
        mimeType: 'video/x-matroska',
        filesize: known.file.bytes,
        link,
        host: 'real-debrid.com',
        host_icon: 'https://fcdn.real-debrid.com/0830/images/hosters/realdebrid.png',
        chunks: 32,
        crc: 1,
        download: `${hostOrigin}/d/${token}/${encodeURIComponent(filename)}`,
        streamable: 1,
      });
    }
    return error(res, 404, 'unknown_method', 3);
  }

  const api = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/rest\/1\.0/, '');
    const at = Date.now();
    arrivals.push(at);
    const record = (status: number) => fake.requests.push({ at, method: req.method ?? 'GET', path, status });
    res.once('finish', () => record(res.statusCode));
    // Real-Debrid counts every request in the minute, the refused ones too.
    const inWindow = arrivals.filter((t) => t > at - WINDOW_MS).length;
    if (limitNext > 0 || (opts.requestsPerMinute !== undefined && inWindow > opts.requestsPerMinute)) {
      if (limitNext > 0) limitNext -= 1;
      fake.refused429 += 1;
      return error(res, 429, 'too_many_requests', 34);
    }
    if (isDown) return error(res, 503, 'service_unavailable', 25);
    const auth = req.headers.authorization ?? '';
    const token = url.searchParams.get('auth_token');
    if (auth !== `Bearer ${opts.apiKey}` && token !== opts.apiKey) return error(res, 401, 'bad_token', 8);
    if (locked) return error(res, 403, 'account_locked', 14);
    route(req, res, path, url.searchParams).catch((caught: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String(caught), error_code: -1 });
    });
  });

  const host = createServer((req, res) => {
    const [, d, token = ''] = (req.url ?? '/').split('/');
    const state = d === 'd' ? tokens.get(token) : undefined;
    const range = req.headers.range ?? null;
    const answer = (status: number) => fake.hostRequests.push({ token, range, status });
    if (!state) {
      answer(404);
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('Not found');
    }
    if (state.expired) {
      answer(state.expired);
      res.writeHead(state.expired, { 'content-type': 'text/plain' });
      return void res.end('Link expired');
    }
    const size = state.file.bytes;
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range) {
      const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      const from = match?.[1] ? Number(match[1]) : null;
      const to = match?.[2] ? Number(match[2]) : null;
      if (!match || (from === null && to === null)) status = 416;
      else if (from === null) start = Math.max(0, size - (to ?? 0));
      else {
        start = from;
        end = to === null ? size - 1 : Math.min(to, size - 1);
      }
      if (status !== 416 && (start >= size || start > end)) status = 416;
      else if (status !== 416) status = 206;
    }
    answer(status);
    if (status === 416) {
      res.writeHead(416, { 'content-range': `bytes */${size}` });
      return void res.end();
    }
    res.writeHead(status, {
      'content-type': 'application/octet-stream',
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
      ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD' || size === 0) return void res.end();
    const began = Date.now();
    let sent = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        sent += chunk.length;
        fake.servedBytes += chunk.length;
        if (rate <= 0) return callback(null, chunk);
        // Held to `rate` bytes a second from the response's start.
        const due = began + (sent / rate) * 1000;
        setTimeout(() => callback(null, chunk), Math.max(0, due - Date.now()));
      },
    });
    fake.activeResponses += 1;
    pipeline(
      createReadStream(state.file.source, { start, end, highWaterMark: rate > 0 ? 16 * 1024 : 256 * 1024 }),
      meter,
      res,
    )
      .catch(() => res.destroy())
      .finally(() => {
        fake.activeResponses -= 1;
      });
  });
  host.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const [apiPort, hostPort] = await Promise.all([listen(api), listen(host)]);
  hostOrigin = `http://127.0.0.1:${hostPort}`;
  fake.url = `http://127.0.0.1:${apiPort}/rest/1.0`;
  fake.hostUrl = hostOrigin;
  return fake;
}
