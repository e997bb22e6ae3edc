import { IndexerCaps, IndexerResult } from '@sokoul/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fetchCaps,
  IndexerError,
  parseCaps,
  parseResults,
  search,
  searchParams,
} from '../torrent-node/src/search/torznab.js';
import {
  type FakeIndexer,
  JACKETT_CAPS,
  jackettFeed,
  prowlarrFeed,
  startFakeIndexer,
} from './helpers/fake-indexer.js';

/** The Torznab client against Jackett- and Prowlarr-shaped feeds, over real HTTP to a local fake. */
const RELEASES = [
  { title: 'The.Matrix.1999.1080p.BluRay.x264-SPARKS', seeders: 150, size: 8_589_934_592, imdb: 'tt0133093' },
  {
    title: 'The.Matrix.1999.MULTi.2160p.UHD.BluRay.x265-QTZ',
    seeders: 40,
    size: 32_212_254_720,
    imdb: 'tt0133093',
  },
  {
    title: 'The.Matrix.Reloaded.2003.1080p.BluRay.x264',
    seeders: 60,
    size: 9_000_000_000,
    imdb: 'tt0234215',
  },
];

let jackett: FakeIndexer;
let prowlarr: FakeIndexer;
beforeAll(async () => {
  jackett = await startFakeIndexer({ name: 'YTS', releases: RELEASES, apiKey: 'jackett-key' });
  prowlarr = await startFakeIndexer({ name: 'Nyaa', releases: RELEASES, style: 'prowlarr' });
});
afterAll(async () => {
  await jackett?.close();
  await prowlarr?.close();
});

const endpoint = (fake: FakeIndexer, name: string, apiKey?: string, timeoutMs = 1000) => ({
  name,
  url: fake.url,
  apiKey,
  timeoutMs,
});

describe('capabilities', () => {
  it('reads the modes, their parameters, the categories and the limit', () => {
    const caps = IndexerCaps.parse(parseCaps(JACKETT_CAPS));
    expect(caps.modes.movie).toEqual({ available: true, params: ['q', 'imdbid', 'tmdbid'] });
    expect(caps.modes.tvsearch.params).toEqual(['q', 'season', 'ep', 'imdbid', 'tvdbid']);
    expect(caps.categories).toContainEqual({ id: 2045, name: 'Movies/UHD' });
    expect(caps.limit).toBe(100);
  });

  it('shapes searches by what the indexer supports', () => {
    const caps = parseCaps(JACKETT_CAPS);
    expect(
      searchParams(caps, { mode: 'movie', query: 'The Matrix', imdbId: 'tt0133093', tmdbId: 603 }),
    ).toEqual({
      t: 'movie',
      extended: '1',
      imdbid: '0133093',
      tmdbid: '603',
      cat: '2000',
      limit: '100',
    });
    expect(searchParams(caps, { mode: 'tvsearch', query: 'Lupin', season: 3, episode: 1 })).toMatchObject({
      t: 'tvsearch',
      q: 'Lupin',
      season: '3',
      ep: '1',
      cat: '5000',
    });
    // An indexer without tv-search gets a text search with the episode written in.
    const plain = parseCaps(JACKETT_CAPS.replace('<tv-search available="yes"', '<tv-search available="no"'));
    expect(searchParams(plain, { mode: 'tvsearch', query: 'Lupin', season: 3, episode: 1 })).toMatchObject({
      t: 'search',
      q: 'Lupin S03E01',
    });
  });
});

describe('result feeds', () => {
  it('reads a Jackett feed: attributes, categories, magnet, infohash, freeleech', () => {
    const results = parseResults(jackettFeed('http://jackett', 'YTS', RELEASES), 'Jackett');
    expect(results).toHaveLength(3);
    const first = IndexerResult.parse(results[0]);
    expect(first).toMatchObject({
      title: 'The.Matrix.1999.1080p.BluRay.x264-SPARKS',
      indexer: 'YTS',
      downloadUrl: 'http://jackett/dl/1.torrent?jackett_apikey=secret',
      infoHash: '01'.repeat(20),
      size: 8_589_934_592,
      seeders: 150,
      peers: 157,
      imdbId: 'tt0133093',
      downloadVolumeFactor: 0,
      uploadVolumeFactor: 1,
      publishedAt: '2024-01-01T12:00:00.000Z',
    });
    expect(first.magnetUrl).toMatch(/^magnet:\?xt=urn:btih:0101/);
    expect(first.categories.sort((a, b) => a - b)).toEqual([2000, 100001]);
  });

  it('reads a Prowlarr feed: CDATA titles, the magnet as enclosure, size as an attribute', () => {
    const [first] = parseResults(prowlarrFeed('Nyaa', RELEASES.slice(0, 1)), 'Prowlarr');
    expect(first).toMatchObject({
      title: 'The.Matrix.1999.1080p.BluRay.x264-SPARKS',
      indexer: 'Nyaa',
      downloadUrl: null,
      infoHash: '0b'.repeat(20),
      size: 8_589_934_592,
      seeders: 150,
      // Peers below seeders is a quirk: peers count seeders too.
      peers: 150,
      tmdbId: 603,
    });
  });

  it('returns nothing for an empty feed and skips items without a title', () => {
    const empty = jackettFeed('http://x', 'YTS', []);
    expect(parseResults(empty, 'x')).toEqual([]);
    const untitled = jackettFeed('http://x', 'YTS', RELEASES.slice(0, 1)).replace(
      /<title>The[^<]*<\/title>/,
      '<title></title>',
    );
    expect(parseResults(untitled, 'x')).toEqual([]);
  });

  it.each([
    ['<?xml version="1.0"?><error code="100" description="Invalid API Key" />', 'auth'],
    ['<?xml version="1.0"?><error code="201" description="Incorrect parameter" />', 'http'],
    ['<!DOCTYPE html><html><body>Cloudflare</body></html>', 'invalid'],
    ['<?xml version="1.0"?><rss><channel><item><title>Broken', 'invalid'],
    ['{"error":"not xml"}', 'invalid'],
  ])('refuses %s as %s', (body, kind) => {
    try {
      parseResults(body, 'x');
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(IndexerError);
      expect((error as IndexerError).kind).toBe(kind);
    }
  });
});

describe('over HTTP', () => {
  it('searches by id with the API key, as the caps allow', async () => {
    const caps = await fetchCaps(endpoint(jackett, 'Jackett', 'jackett-key'));
    const results = await search(endpoint(jackett, 'Jackett', 'jackett-key'), caps, {
      mode: 'movie',
      query: 'The Matrix',
      imdbId: 'tt0133093',
    });
    expect(results.map((r) => r.title)).toEqual([RELEASES[0]?.title, RELEASES[1]?.title]);
    expect(jackett.calls.at(-1)?.params).toMatchObject({
      t: 'movie',
      imdbid: '0133093',
      apikey: 'jackett-key',
    });
  });

  it('reports a wrong key, a timeout, a 429 and an HTML page as indexer errors', async () => {
    const caps = parseCaps(JACKETT_CAPS);
    const attempt = async (apiKey = 'jackett-key', timeoutMs = 1000) => {
      try {
        await search(endpoint(jackett, 'Jackett', apiKey, timeoutMs), caps, {
          mode: 'search',
          query: 'matrix',
        });
        return null;
      } catch (error) {
        return error as IndexerError;
      }
    };
    expect((await attempt('wrong'))?.kind).toBe('auth');
    jackett.setBehaviour({ kind: 'hang' });
    const started = Date.now();
    expect((await attempt('jackett-key', 300))?.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
    jackett.setBehaviour({ kind: 'status', status: 429, retryAfter: 30 });
    const limited = await attempt();
    expect(limited).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 30 });
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 90_000).toUTCString();
    jackett.setBehaviour({ kind: 'status', status: 429, retryAfter: at });
    const untilDate = (await attempt())?.retryAfterSeconds ?? 0;
    expect(untilDate).toBeGreaterThanOrEqual(89);
    expect(untilDate).toBeLessThanOrEqual(91);
    jackett.setBehaviour({ kind: 'html' });
    expect((await attempt())?.kind).toBe('invalid');
    jackett.setBehaviour({ kind: 'status', status: 502 });
    expect((await attempt())?.kind).toBe('http');
    jackett.setBehaviour({ kind: 'ok' });
    expect(await attempt()).toBeNull();
  });

  it('reads Prowlarr over HTTP without an API key', async () => {
    const caps = await fetchCaps(endpoint(prowlarr, 'Prowlarr'));
    const results = await search(endpoint(prowlarr, 'Prowlarr'), caps, { mode: 'search', query: 'reloaded' });
    expect(results.map((r) => [r.indexer, r.title])).toEqual([['Nyaa', RELEASES[2]?.title]]);
  });
});
