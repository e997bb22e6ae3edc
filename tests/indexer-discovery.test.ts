import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig, TorrentNodeConfigSchema } from '@sokoul/contracts';
import type { Db } from '@sokoul/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredIndexers } from '../torrent-node/src/search/indexers.js';
import { fetchCaps, search } from '../torrent-node/src/search/torznab.js';
import { startFakeIndexer, startFakeSocks5 } from './helpers/fake-indexer.js';

/** Which Torznab endpoints a search uses: Jackett's aggregate, Prowlarr's enabled indexers, admin rows. */
let prowlarr = '';
const server = createServer((req, res) => {
  if (req.url !== '/api/v1/indexer' || req.headers['x-api-key'] !== 'prowlarr-key') {
    res.writeHead(401, { 'content-type': 'application/json' });
    return res.end('{"error":"Unauthorized"}');
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  // Prowlarr's indexer resources carry many more fields; only these matter here.
  res.end(
    JSON.stringify([
      { id: 1, name: 'Nyaa', enable: true, protocol: 'torrent', priority: 25, fields: [] },
      { id: 7, name: 'Disabled', enable: false, protocol: 'torrent', priority: 25, fields: [] },
      { id: 9, name: 'YGG', enable: true, protocol: 'torrent', priority: 10, fields: [] },
    ]),
  );
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  prowlarr = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const config = (extra: Record<string, string>) =>
  parseConfig(TorrentNodeConfigSchema, {
    DATABASE_URL: 'postgres://x@127.0.0.1/x',
    NATS_URL: 'nats://127.0.0.1:4222',
    INTERNAL_SIGNING_KEY: 'test-internal-signing-key-0123456789abcdef',
    ...extra,
  });
/** The admin rows, as the `indexers` table would give them. */
const rows = (
  list: {
    name: string;
    url: string;
    api_key: string | null;
    use_flaresolverr: boolean;
    use_proxy?: boolean;
  }[],
) => ({ query: async () => list.map((r) => ({ use_proxy: true, ...r })) }) as unknown as Db;

describe('indexer discovery', () => {
  it('uses Jackett, each enabled Prowlarr indexer and the admin rows', async () => {
    const { endpoints, errors } = await configuredIndexers(
      config({
        JACKETT_URL: 'http://jackett:9117/',
        JACKETT_API_KEY: 'jk',
        PROWLARR_URL: prowlarr,
        PROWLARR_API_KEY: 'prowlarr-key',
        FLARESOLVERR_URL: 'http://flaresolverr:8191',
      }),
      rows([{ name: 'Extra', url: 'http://extra/api', api_key: null, use_flaresolverr: true }]),
    );
    expect(errors).toEqual([]);
    expect(endpoints.map((e) => [e.name, e.url, e.apiKey, e.flareSolverrUrl])).toEqual([
      ['Jackett', 'http://jackett:9117/api/v2.0/indexers/all/results/torznab/api', 'jk', undefined],
      ['Nyaa', `${prowlarr}/1/api`, 'prowlarr-key', undefined],
      ['YGG', `${prowlarr}/9/api`, 'prowlarr-key', undefined],
      ['Extra', 'http://extra/api', undefined, 'http://flaresolverr:8191'],
    ]);
  });

  it('reaches added indexers through a SOCKS5 proxy when one is configured', async () => {
    const indexer = await startFakeIndexer({
      name: 'Remote',
      releases: [{ title: 'Heat.1995.1080p.BluRay.x264', seeders: 9, size: 8 * 1024 ** 3 }],
    });
    const socks = await startFakeSocks5();
    try {
      const { endpoints } = await configuredIndexers(
        // The fake indexer is on 127.0.0.1: a LAN indexer, which the administrator allows.
        config({ INDEXER_PROXY_URL: socks.url, INDEXER_ALLOW_PRIVATE: 'true' }),
        rows([{ name: 'Remote', url: indexer.url, api_key: null, use_flaresolverr: false }]),
      );
      const [remote] = endpoints;
      if (!remote) throw new Error('no endpoint');
      const caps = await fetchCaps(remote);
      const results = await search(remote, caps, { mode: 'search', query: 'heat' });
      expect(results.map((r) => r.title)).toEqual(['Heat.1995.1080p.BluRay.x264']);
      expect(socks.targets).toContain(new URL(indexer.url).host);

      // One an admin set to go directly (another host: a tunnel to it would be a new one): the
      // proxy sees nothing of it.
      const other = await startFakeIndexer({ name: 'Direct', releases: [] });
      try {
        const direct = await configuredIndexers(
          config({ INDEXER_PROXY_URL: socks.url, INDEXER_ALLOW_PRIVATE: 'true' }),
          rows([
            { name: 'Direct', url: other.url, api_key: null, use_flaresolverr: false, use_proxy: false },
          ]),
        );
        const [endpoint] = direct.endpoints;
        if (!endpoint) throw new Error('no endpoint');
        await fetchCaps(endpoint);
        expect(other.calls.length).toBeGreaterThan(0);
        expect(socks.targets).not.toContain(new URL(other.url).host);
      } finally {
        await other.close();
      }
    } finally {
      await socks.close();
      await indexer.close();
    }
  });

  it('says why an indexer is left out', async () => {
    const { endpoints, errors } = await configuredIndexers(
      config({ PROWLARR_URL: prowlarr, PROWLARR_API_KEY: 'wrong' }),
      rows([{ name: 'Extra', url: 'http://extra/api', api_key: null, use_flaresolverr: true }]),
    );
    expect(endpoints).toEqual([]);
    expect(errors).toEqual([
      "Prowlarr's indexer list is unavailable: HTTP 401",
      'Extra needs FlareSolverr, but FLARESOLVERR_URL is not set',
    ]);
  });
});
