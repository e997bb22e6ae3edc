import {
  type IndexerCaps,
  type IndexerResult,
  type IndexerSearch,
  parseRetryAfter,
  type SearchMode,
} from '@sokoul/contracts';
import { XMLParser } from 'fast-xml-parser';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { checkOutbound, guardedFetch, type OutboundPolicy, OutboundRefused } from './outbound.js';

/*
 * Torznab (and Newznab) client: capabilities, then searches shaped by them. Jackett and Prowlarr
 * expose every indexer this way. Feeds are parsed with a real XML parser and read leniently:
 * indexers differ in which fields and attributes they fill.
 */

export class IndexerError extends Error {
  constructor(
    readonly kind: 'timeout' | 'unreachable' | 'http' | 'auth' | 'invalid' | 'rate_limited',
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['item', 'attr', 'category', 'subcat'].includes(name),
});

type Node = Record<string, unknown>;
const asNode = (value: unknown): Node => (value && typeof value === 'object' ? (value as Node) : {});
const text = (value: unknown): string | null => {
  if (typeof value === 'string') return value.length > 0 ? value : null;
  if (typeof value === 'number') return String(value);
  const node = asNode(value);
  return typeof node['#text'] === 'string' ? node['#text'] : null;
};
const num = (value: string | null | undefined): number | null => {
  if (value === null || value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
};
const int = (value: string | null | undefined) => {
  const n = num(value);
  return n === null ? null : Math.trunc(n);
};

/** Parses a feed, or throws: an `<error>` document, an HTML page or broken XML are the indexer's fault. */
function parseDocument(body: string): Node {
  const trimmed = body.trimStart();
  if (!trimmed.startsWith('<')) throw new IndexerError('invalid', 'The indexer did not answer with XML');
  if (/^<!doctype html|^<html/i.test(trimmed)) {
    throw new IndexerError('invalid', 'The indexer answered with an HTML page (a login or error page)');
  }
  let document: Node;
  try {
    document = asNode(parser.parse(body, true));
  } catch (error) {
    throw new IndexerError(
      'invalid',
      `The indexer sent malformed XML: ${error instanceof Error ? error.message : error}`,
    );
  }
  const failure = asNode(document.error);
  if (failure.code !== undefined) {
    const code = Number(failure.code);
    const description = String(failure.description ?? 'error');
    // Newznab codes 100-199 are credential problems; 500+ include request limits.
    const kind = code >= 100 && code < 200 ? 'auth' : code === 429 || code === 500 ? 'rate_limited' : 'http';
    throw new IndexerError(kind, `The indexer refused the request: ${description} (${code})`);
  }
  return document;
}

export function parseCaps(body: string): IndexerCaps {
  const caps = asNode(parseDocument(body).caps);
  const searching = asNode(caps.searching);
  const mode = (node: unknown) => {
    const n = asNode(node);
    return {
      available: n.available === 'yes',
      params: String(n.supportedParams ?? 'q')
        .split(',')
        .map((p) => p.trim().toLowerCase())
        .filter(Boolean),
    };
  };
  const categories = (asNode(caps.categories).category as unknown[] | undefined) ?? [];
  return {
    modes: {
      search: mode(searching.search),
      tvsearch: mode(searching['tv-search']),
      movie: mode(searching['movie-search']),
    },
    categories: categories.flatMap((c) => {
      const node = asNode(c);
      const id = int(String(node.id ?? ''));
      const subcats = ((node.subcat as unknown[] | undefined) ?? []).map(asNode);
      return id === null
        ? []
        : [
            { id, name: String(node.name ?? '') },
            ...subcats.flatMap((s) => {
              const sid = int(String(s.id ?? ''));
              return sid === null ? [] : [{ id: sid, name: String(s.name ?? '') }];
            }),
          ];
    }),
    limit: int(String(asNode(caps.limits).max ?? '')),
  };
}

const INFOHASH = /^[0-9a-f]{40}$/i;

/** The feed's items; `indexerName` names items that do not say which indexer they came from. */
export function parseResults(body: string, indexerName: string): IndexerResult[] {
  const channel = asNode(asNode(parseDocument(body).rss).channel);
  const items = (channel.item as unknown[] | undefined) ?? [];
  return items.flatMap((raw) => {
    const item = asNode(raw);
    const title = text(item.title);
    if (!title) return [];
    const attrs = new Map<string, string>();
    const categories = new Set<number>();
    for (const attr of (item.attr as unknown[] | undefined) ?? []) {
      const node = asNode(attr);
      const name = String(node.name ?? '').toLowerCase();
      const value = String(node.value ?? '');
      if (name === 'category') {
        const id = int(value);
        if (id !== null) categories.add(id);
      } else if (!attrs.has(name)) {
        attrs.set(name, value);
      }
    }
    for (const c of (item.category as unknown[] | undefined) ?? []) {
      const id = int(text(c));
      if (id !== null) categories.add(id);
    }
    const enclosure = asNode(item.enclosure);
    const link = text(item.link);
    const enclosureUrl = typeof enclosure.url === 'string' ? enclosure.url : null;
    const magnet =
      attrs.get('magneturl') ?? [link, enclosureUrl].find((u) => u?.startsWith('magnet:')) ?? null;
    const download = [enclosureUrl, link].find((u) => u && !u.startsWith('magnet:')) ?? null;
    const hashFromMagnet = magnet ? /xt=urn:btih:([0-9a-f]{40})/i.exec(magnet)?.[1] : undefined;
    const infoHash = attrs.get('infohash') ?? hashFromMagnet ?? null;
    const seeders = int(attrs.get('seeders'));
    const peers = int(attrs.get('peers'));
    const imdb = attrs.get('imdbid') ?? attrs.get('imdb');
    const published = text(item.pubDate);
    const publishedAt =
      published && !Number.isNaN(Date.parse(published)) ? new Date(published).toISOString() : null;
    const indexer =
      text(item.jackettindexer) ?? text(item.prowlarrindexer) ?? text(item.indexer) ?? indexerName;
    return [
      {
        title,
        guid: text(item.guid) ?? download ?? magnet ?? title,
        indexer,
        downloadUrl: download,
        magnetUrl: magnet,
        infoHash: infoHash && INFOHASH.test(infoHash) ? infoHash.toLowerCase() : null,
        size: num(text(item.size)) ?? num(attrs.get('size')) ?? num(String(enclosure.length ?? '')),
        seeders,
        // Some indexers send leechers as peers; peers can never be below seeders.
        peers: peers !== null && seeders !== null ? Math.max(peers, seeders) : peers,
        publishedAt,
        categories: [...categories],
        downloadVolumeFactor: num(attrs.get('downloadvolumefactor')),
        uploadVolumeFactor: num(attrs.get('uploadvolumefactor')),
        imdbId: imdb ? `tt${imdb.replace(/^tt/i, '').padStart(7, '0')}` : null,
        tmdbId: int(attrs.get('tmdbid')),
        tvdbId: int(attrs.get('tvdbid')),
      },
    ];
  });
}

/** Newznab's standard categories for films and series. */
export const MOVIE_CATEGORIES = [2000];
export const TV_CATEGORIES = [5000];

export interface TorznabEndpoint {
  name: string;
  /** The Torznab API URL (…/api), without parameters. */
  url: string;
  apiKey?: string;
  timeoutMs: number;
  /** FlareSolverr's URL, for indexers behind Cloudflare: its clearance cookies go with each request. */
  flareSolverrUrl?: string;
  fetch?: typeof fetch;
  /**
   * Set for the URLs admins configure: every request (and what FlareSolverr is asked to open) goes
   * through the outbound guard. Jackett's and Prowlarr's, from the configuration, do not.
   */
  outbound?: OutboundPolicy;
}

/** A URL the outbound guard refused, as the indexer's failure (the reason is for admins). */
const refusedBy = (endpoint: TorznabEndpoint, error: OutboundRefused) =>
  new IndexerError('unreachable', `${endpoint.name} was not contacted: its URL ${error.message}`);

const FlareSolverrAnswer = z.object({
  status: z.string(),
  message: z.string().optional(),
  solution: z
    .object({
      cookies: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
      userAgent: z.string(),
    })
    .optional(),
});

/** Clearance per indexer origin, for 10 minutes; Cloudflare's cookies last longer than this. */
const clearances = new LRUCache<string, { cookie: string; userAgent: string }>({
  max: 1000,
  ttl: 10 * 60_000,
});

/** Asks FlareSolverr (v1 `request.get`) to pass the challenge and hand over its cookies. */
export async function clearance(
  endpoint: TorznabEndpoint,
  solver: string,
): Promise<{ cookie: string; userAgent: string }> {
  const origin = new URL(endpoint.url).origin;
  const known = clearances.get(origin);
  if (known) return known;
  if (endpoint.outbound) {
    try {
      await checkOutbound(endpoint.url, endpoint.outbound);
    } catch (error) {
      if (error instanceof OutboundRefused) throw refusedBy(endpoint, error);
      throw new IndexerError('unreachable', `${endpoint.name} could not be reached`);
    }
  }
  let answer: z.infer<typeof FlareSolverrAnswer>;
  try {
    // FlareSolverr is a local service: never through the indexers' proxy.
    const response = await fetch(`${solver.replace(/\/+$/, '')}/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cmd: 'request.get', url: endpoint.url, maxTimeout: endpoint.timeoutMs }),
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    answer = FlareSolverrAnswer.parse(await response.json());
  } catch (error) {
    throw new IndexerError(
      'unreachable',
      `FlareSolverr could not solve ${endpoint.name}: ${error instanceof Error ? error.message : error}`,
    );
  }
  if (answer.status !== 'ok' || !answer.solution) {
    throw new IndexerError(
      'unreachable',
      `FlareSolverr could not solve ${endpoint.name}: ${answer.message ?? answer.status}`,
    );
  }
  const solved = {
    cookie: answer.solution.cookies.map((c) => `${c.name}=${c.value}`).join('; '),
    userAgent: answer.solution.userAgent,
  };
  clearances.set(origin, solved);
  return solved;
}

async function get(endpoint: TorznabEndpoint, params: Record<string, string>): Promise<string> {
  const url = new URL(endpoint.url);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  if (endpoint.apiKey) url.searchParams.set('apikey', endpoint.apiKey);
  const headers: Record<string, string> = {};
  if (endpoint.flareSolverrUrl) {
    const pass = await clearance(endpoint, endpoint.flareSolverrUrl);
    headers.cookie = pass.cookie;
    headers['user-agent'] = pass.userAgent;
  }
  let response: Response;
  try {
    const init = { headers, signal: AbortSignal.timeout(endpoint.timeoutMs) };
    response = endpoint.outbound
      ? await guardedFetch(url, init, endpoint.outbound, endpoint.fetch)
      : await (endpoint.fetch ?? fetch)(url, init);
  } catch (error) {
    if (error instanceof OutboundRefused) throw refusedBy(endpoint, error);
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new IndexerError('timeout', `${endpoint.name} did not answer within ${endpoint.timeoutMs} ms`);
    }
    throw new IndexerError('unreachable', `${endpoint.name} could not be reached`);
  }
  if (response.status === 429) {
    await response.body?.cancel();
    throw new IndexerError(
      'rate_limited',
      `${endpoint.name} asked us to slow down`,
      parseRetryAfter(response.headers.get('retry-after')) ?? 60,
    );
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new IndexerError('auth', `${endpoint.name} refused the API key (HTTP ${response.status})`);
  }
  const body = await response.text();
  // A challenge page again means the clearance expired: the next request asks FlareSolverr anew.
  if (endpoint.flareSolverrUrl && /^\s*<(!doctype html|html)/i.test(body))
    clearances.delete(new URL(endpoint.url).origin);
  if (!response.ok && !body.trimStart().startsWith('<?xml')) {
    throw new IndexerError('http', `${endpoint.name} answered with HTTP ${response.status}`);
  }
  return body;
}

export async function fetchCaps(endpoint: TorznabEndpoint): Promise<IndexerCaps> {
  return parseCaps(await get(endpoint, { t: 'caps' }));
}

/**
 * One search, shaped by the indexer's capabilities: ids where the mode supports them (more precise
 * than text), the free text otherwise; a mode the indexer lacks falls back to a plain search.
 */
export function searchParams(caps: IndexerCaps, request: IndexerSearch): Record<string, string> {
  const wanted = caps.modes[request.mode];
  const mode: SearchMode = wanted?.available ? request.mode : 'search';
  const supported = new Set(caps.modes[mode]?.params ?? ['q']);
  const params: Record<string, string> = { t: mode, extended: '1' };
  const ids: [string, string | number | undefined][] = [
    ['imdbid', request.imdbId?.replace(/^tt/, '')],
    ['tmdbid', request.tmdbId],
    ['tvdbid', request.tvdbId],
  ];
  let byId = false;
  for (const [name, value] of ids) {
    if (value !== undefined && supported.has(name)) {
      params[name] = String(value);
      byId = true;
    }
  }
  if (!byId && request.query) params.q = request.query;
  if (mode === 'tvsearch') {
    if (request.season !== undefined && supported.has('season')) params.season = String(request.season);
    if (request.episode !== undefined && supported.has('ep')) params.ep = String(request.episode);
  } else if (mode === 'search' && request.query) {
    // Without tv-search, the season and episode go into the text as indexers expect them.
    const marker =
      request.season !== undefined
        ? ` S${String(request.season).padStart(2, '0')}${request.episode !== undefined ? `E${String(request.episode).padStart(2, '0')}` : ''}`
        : '';
    params.q = `${request.query}${marker}`;
  }
  const categories =
    request.categories ??
    (request.mode === 'movie' ? MOVIE_CATEGORIES : request.mode === 'tvsearch' ? TV_CATEGORIES : []);
  if (categories.length) params.cat = categories.join(',');
  if (caps.limit) params.limit = String(caps.limit);
  return params;
}

export async function search(
  endpoint: TorznabEndpoint,
  caps: IndexerCaps,
  request: IndexerSearch,
): Promise<IndexerResult[]> {
  return parseResults(await get(endpoint, searchParams(caps, request)), endpoint.name);
}
