import { lookup } from 'node:dns/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import {
  checkOutboundUrl,
  checkResolved,
  type ErrorBody,
  INDEXER_UNAVAILABLE,
  type Indexer,
  type Media,
  nonPublicRange,
  OutboundRefused,
  SearchOutcome,
  SearchResults,
  type StartedSearch,
  type Task,
} from '@sokoul/contracts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../launcher/src/stack.js';
import { checkOutbound, guardedFetch } from '../torrent-node/src/search/outbound.js';
import { adminSession, api, eventually, memberSession } from './helpers/api.js';
import { type FakeIndexer, STACK_RELEASES, startFakeIndexer } from './helpers/fake-indexer.js';
import { createTestDatabase, dropTestDatabase, launchStack, type StackInfo } from './helpers/stack.js';

/**
 * The outbound guard on indexer URLs admins configure: no loopback, link-local or private address
 * (however it is written, or wherever a name points) unless INDEXER_ALLOW_PRIVATE; members never
 * read why an indexer failed.
 */
const STRICT = { allowPrivate: false };
const LAN = { allowPrivate: true };

const refused = (url: string) => {
  expect(() => checkOutboundUrl(url, STRICT), url).toThrow(OutboundRefused);
  expect(() => checkOutboundUrl(url, LAN), url).not.toThrow();
};

describe('the outbound guard', () => {
  it('refuses loopback, private, link-local and other non-public addresses, however written', () => {
    for (const url of [
      'http://127.0.0.1:9117/api',
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://0x7f.1/',
      'http://127.1/',
      'http://0x7f000001/',
      'http://017700000001/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[0:0:0:0:0:ffff:10.0.0.1]/',
      'http://[::10.0.0.1]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[2002:c0a8:101::]/',
      'http://[fe80::1]/',
      'http://[fd12:3456::1]/',
      'http://[::]/',
      'http://0.0.0.0/',
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/',
      'http://172.31.255.255/',
      'http://192.168.1.10:9696/',
      'http://100.64.0.1/',
      'http://224.0.0.1/',
      'http://255.255.255.255/',
      'http://localhost:9117/',
      'http://LOCALHOST./',
      'http://jackett.localhost/',
      'http://nas.local/',
      'http://router.home.arpa/',
    ])
      refused(url);
  });

  it('lets public addresses and names through, and refuses other schemes and credentials in any case', () => {
    for (const url of [
      'http://93.184.216.34/api',
      'https://indexer.example.org/api?x=1',
      'http://[2606:4700:4700::1111]/',
      'http://172.32.0.1/',
      'http://100.128.0.1/',
    ])
      expect(checkOutboundUrl(url, STRICT).href, url).toBe(new URL(url).href);
    for (const url of [
      'ftp://indexer.example.org/',
      'file:///etc/passwd',
      'http://user:pw@indexer.example.org/',
    ])
      expect(() => checkOutboundUrl(url, LAN), url).toThrow(OutboundRefused);
    expect(nonPublicRange('8.8.8.8')).toBeNull();
    expect(nonPublicRange('::ffff:8.8.8.8')).toBeNull();
    expect(nonPublicRange('::ffff:192.168.0.1')).toBe('private');
  });

  it('judges a name by every address it resolves to', () => {
    expect(() => checkResolved('indexer.example.org', ['93.184.216.34', '10.0.0.7'], STRICT)).toThrow(
      /resolves to a private address/,
    );
    expect(() => checkResolved('indexer.example.org', ['93.184.216.34'], STRICT)).not.toThrow();
    expect(() => checkResolved('nas', ['192.168.1.2'], LAN)).not.toThrow();
  });
});

describe('torrent-node requests through the guard', () => {
  let server: ReturnType<typeof createServer>;
  let port = 0;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://127.0.0.1:1/internal' });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('never connects to a loopback service unless allowed', async () => {
    const before = hits;
    await expect(guardedFetch(`http://127.0.0.1:${port}/`, {}, STRICT)).rejects.toThrow(OutboundRefused);
    await expect(guardedFetch(`http://2130706433:${port}/`, {}, STRICT)).rejects.toThrow(OutboundRefused);
    expect(hits).toBe(before);
    const allowed = await guardedFetch(`http://127.0.0.1:${port}/`, {}, LAN);
    expect(await allowed.text()).toBe('ok');
  });

  it('checks where a name points, at connection time, and every redirect', async () => {
    // This machine's own name resolves to a loopback address (/etc/hosts): a name the URL check
    // cannot judge, refused once resolved.
    const name = hostname();
    const resolved = await lookup(name, { all: true }).catch(() => []);
    if (resolved.length > 0 && resolved.every((a) => nonPublicRange(a.address) !== null)) {
      const before = hits;
      await expect(guardedFetch(`http://${name}:${port}/`, {}, STRICT)).rejects.toThrow(/resolves to a/);
      await expect(checkOutbound(`http://${name}:${port}/`, STRICT)).rejects.toThrow(/resolves to a/);
      expect(hits).toBe(before);
    }
    // A public address (here a stand-in: a "proxy" that serves it from the local server) that
    // redirects inside: the redirect is checked like the URL, and not followed.
    const standIn: typeof fetch = (input, init) =>
      fetch(String(input).replace('93.184.216.34', `127.0.0.1:${port}`), init);
    const before = hits;
    await expect(guardedFetch('http://93.184.216.34/redirect', {}, STRICT, standIn)).rejects.toThrow(
      /loopback/,
    );
    expect(hits).toBe(before + 1);
  });
});

// ---- a stack of its own, without INDEXER_ALLOW_PRIVATE ----

describe('a stack that does not allow private indexers', () => {
  let stack: Stack;
  let info: StackInfo;
  let databaseUrl: string;
  let indexer: FakeIndexer;
  let sql: postgres.Sql;
  let admin: string;
  let member: string;

  beforeAll(async () => {
    indexer = await startFakeIndexer({ name: 'Local', releases: STACK_RELEASES });
    databaseUrl = await createTestDatabase('sokoul_outbound');
    ({ stack, info } = await launchStack({
      DATABASE_URL: databaseUrl,
      REDIS_URL: undefined,
      INDEXER_TIMEOUT_MS: '2000',
    }));
    sql = postgres(info.databaseUrl, { max: 1, onnotice: () => {} });
    admin = (await adminSession(info.url)).accessToken;
    member = (await memberSession('outbound', info.url)).accessToken;
  }, 180_000);
  afterAll(async () => {
    await sql?.end();
    await stack?.stop();
    await indexer?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it('refuses loopback and private indexer URLs when an admin adds or edits one', async () => {
    for (const url of [
      indexer.url,
      'http://2130706433/api',
      'http://[::ffff:127.0.0.1]/api',
      'http://localhost/api',
    ]) {
      const res = await api<ErrorBody>('POST', '/admin/indexers', {
        base: info.url,
        token: admin,
        body: { name: `Local ${url}`, url },
      });
      expect(res.status, url).toBe(400);
      expect(res.body.error.message).toMatch(/url .*INDEXER_ALLOW_PRIVATE/);
    }
    const publicOne = await api<Indexer>('POST', '/admin/indexers', {
      base: info.url,
      token: admin,
      body: { name: 'Public', url: 'http://93.184.216.34/api', enabled: false },
    });
    expect(publicOne.status).toBe(201);
    const moved = await api<ErrorBody>('PATCH', `/admin/indexers/${publicOne.body.id}`, {
      base: info.url,
      token: admin,
      body: { url: 'http://169.254.169.254/api' },
    });
    expect(moved.status).toBe(400);
  });

  it('never contacts one that is there anyway, and tells members only that it is unavailable', async () => {
    // Rows written before the guard existed (or by hand): torrent-node refuses them itself. One
    // by address, one by a name that resolves to this machine.
    await sql`INSERT INTO indexers (name, url) VALUES ('Local', ${indexer.url}),
      ('Named', ${indexer.url.replace('127.0.0.1', hostname())})`;
    const film = await api<Media>('POST', '/media', {
      base: info.url,
      token: member,
      body: { type: 'movie', title: 'Matrix' },
    });
    const started = await api<StartedSearch>('POST', '/search', {
      base: info.url,
      token: member,
      body: { mediaId: film.body.id, query: 'Matrix', fresh: true },
    });
    expect(started.status).toBe(202);
    let task: Task | undefined;
    await eventually(async () => {
      const res = await api<Task>('GET', `/tasks/${started.body.task.id}`, { base: info.url, token: member });
      expect(['done', 'failed']).toContain(res.body.status);
      task = res.body;
    }, 20_000);
    expect(indexer.calls).toEqual([]);
    const outcome = SearchOutcome.parse(task?.result);
    expect(outcome.reports.map((r) => [r.indexer, r.status, r.error]).sort()).toEqual([
      ['Local', 'failed', INDEXER_UNAVAILABLE],
      ['Named', 'failed', INDEXER_UNAVAILABLE],
    ]);
    expect(outcome.health.every((h) => h.lastError === null)).toBe(true);
    expect(JSON.stringify(task)).not.toMatch(/loopback|refused|127\.0\.0\.1|ECONNREFUSED/);
    const mine = SearchResults.parse(
      (await api('GET', `/searches/${started.body.searchId}`, { base: info.url, token: member })).body,
    );
    expect(mine.reports.every((r) => r.error === INDEXER_UNAVAILABLE)).toBe(true);
    // The admin reads why.
    const latest = SearchResults.parse(
      (await api('GET', `/search/${film.body.id}/latest`, { base: info.url, token: admin })).body,
    );
    expect(latest.reports.find((r) => r.indexer === 'Local')?.error).toMatch(/loopback address/);
    expect(latest.reports.find((r) => r.indexer === 'Named')?.error).toMatch(/resolves to a loopback/);
  });

  it('refuses a download from a loopback, private or local .torrent URL', async () => {
    const film = await api<Media>('POST', '/media', {
      base: info.url,
      token: member,
      body: { type: 'movie', title: 'Guarded download' },
    });
    for (const torrentUrl of [
      `${indexer.root}/dl/1.torrent`,
      'http://2130706433/x.torrent',
      'http://[::ffff:127.0.0.1]/x.torrent',
      'http://192.168.1.10/x.torrent',
      'http://localhost/x.torrent',
    ]) {
      const res = await api<ErrorBody>('POST', '/downloads', {
        base: info.url,
        token: member,
        body: { torrentUrl, mediaId: film.body.id },
      });
      expect(res.status, torrentUrl).toBe(400);
      expect(res.body.error.message).toMatch(/torrentUrl .*INDEXER_ALLOW_PRIVATE/);
    }
    const list = await api<{ downloads: unknown[] }>('GET', '/downloads', { base: info.url, token: member });
    expect(list.body.downloads).toEqual([]);
  });
});
