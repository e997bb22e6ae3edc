import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';

/**
 * A local Torznab indexer answering as Jackett and Prowlarr do: caps documents, result feeds with
 * `torznab:attr` elements, `<error>` documents, plus the failures real indexers produce (HTML
 * pages, broken XML, 429, slowness, hanging).
 */

export interface FakeRelease {
  title: string;
  seeders: number;
  size: number;
  infoHash?: string;
  imdb?: string;
  category?: number;
}

export type IndexerBehaviour =
  | { kind: 'ok'; delayMs?: number }
  /** Behind Cloudflare: a challenge page unless the request carries FlareSolverr's clearance. */
  | { kind: 'cloudflare' }
  | { kind: 'hang' }
  | { kind: 'html' }
  | { kind: 'malformed' }
  | { kind: 'error'; code: number; description: string }
  | { kind: 'status'; status: number; retryAfter?: number | string };

export const JACKETT_CAPS = `<?xml version="1.0" encoding="UTF-8"?>
<caps>
  <server title="Jackett" />
  <limits default="100" max="100" />
  <searching>
    <search available="yes" supportedParams="q" />
    <tv-search available="yes" supportedParams="q,season,ep,imdbid,tvdbid" />
    <movie-search available="yes" supportedParams="q,imdbid,tmdbid" />
    <music-search available="no" supportedParams="q" />
    <audio-search available="no" supportedParams="q" />
    <book-search available="no" supportedParams="q" />
  </searching>
  <categories>
    <category id="2000" name="Movies">
      <subcat id="2040" name="Movies/HD" />
      <subcat id="2045" name="Movies/UHD" />
    </category>
    <category id="5000" name="TV">
      <subcat id="5040" name="TV/HD" />
    </category>
    <category id="100001" name="Films HD" />
  </categories>
</caps>`;

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A Jackett-style feed: the tracker named per item, imdb without "tt", a magnet and an infohash. */
export function jackettFeed(base: string, indexer: string, releases: FakeRelease[]): string {
  const items = releases
    .map((r, i) => {
      const hash = r.infoHash ?? `${(i + 1).toString(16).padStart(2, '0')}`.repeat(20);
      return `    <item>
      <title>${xmlEscape(r.title)}</title>
      <guid>${base}/details/${i + 1}</guid>
      <jackettindexer id="${indexer.toLowerCase()}">${xmlEscape(indexer)}</jackettindexer>
      <type>public</type>
      <comments>${base}/details/${i + 1}</comments>
      <pubDate>Mon, 01 Jan 2024 12:0${i % 10}:00 +0000</pubDate>
      <size>${r.size}</size>
      <files>1</files>
      <grabs>${r.seeders * 3}</grabs>
      <description />
      <link>${base}/dl/${i + 1}.torrent?jackett_apikey=secret</link>
      <category>${r.category ?? 2000}</category>
      <category>100001</category>
      <enclosure url="${base}/dl/${i + 1}.torrent?jackett_apikey=secret" length="${r.size}" type="application/x-bittorrent" />
      <torznab:attr name="category" value="${r.category ?? 2000}" />
      <torznab:attr name="genre" value="" />
      ${r.imdb ? `<torznab:attr name="imdb" value="${r.imdb.replace(/^tt/, '')}" />` : ''}
      <torznab:attr name="seeders" value="${r.seeders}" />
      <torznab:attr name="peers" value="${r.seeders + 7}" />
      <torznab:attr name="infohash" value="${hash}" />
      <torznab:attr name="magneturl" value="magnet:?xt=urn:btih:${hash}&amp;dn=${encodeURIComponent(r.title)}" />
      <torznab:attr name="minimumratio" value="1" />
      <torznab:attr name="minimumseedtime" value="172800" />
      <torznab:attr name="downloadvolumefactor" value="${i === 0 ? 0 : 1}" />
      <torznab:attr name="uploadvolumefactor" value="1" />
    </item>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:torznab="http://torznab.com/schemas/2015/feed">
  <channel>
    <atom:link href="${base}/api" rel="self" type="application/rss+xml" />
    <title>${xmlEscape(indexer)}</title>
    <description>${xmlEscape(indexer)} Torznab feed</description>
    <language>en-US</language>
    <category>search</category>
${items}
  </channel>
</rss>`;
}

/** A Prowlarr-style feed: the magnet only in the enclosure, size only as an attribute. */
export function prowlarrFeed(indexer: string, releases: FakeRelease[]): string {
  const items = releases
    .map((r, i) => {
      const hash = r.infoHash ?? `${(i + 11).toString(16).padStart(2, '0')}`.repeat(20);
      const magnet = `magnet:?xt=urn:btih:${hash.toUpperCase()}&amp;dn=x`;
      return `<item><title><![CDATA[${r.title}]]></title><guid isPermaLink="true">https://tracker.example/t/${i}</guid>
<prowlarrindexer id="12" type="public">${xmlEscape(indexer)}</prowlarrindexer><pubDate>Tue, 02 Jan 2024 08:00:00 GMT</pubDate>
<enclosure url="${magnet}" length="0" type="application/x-bittorrent;x-scheme-handler/magnet" />
<torznab:attr name="size" value="${r.size}" /><torznab:attr name="seeders" value="${r.seeders}" /><torznab:attr name="peers" value="${Math.max(0, r.seeders - 2)}" />
<torznab:attr name="imdbid" value="${r.imdb ?? ''}" /><torznab:attr name="tmdbid" value="603" /></item>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:torznab="http://torznab.com/schemas/2015/feed"><channel><title>Prowlarr</title>${items}</channel></rss>`;
}

export interface FakeIndexer {
  url: string;
  /** The server's root, for services that build their own paths (Jackett's). */
  root: string;
  calls: { path: string; params: Record<string, string> }[];
  setBehaviour(b: IndexerBehaviour): void;
  close(): Promise<void>;
}

export async function startFakeIndexer(options: {
  name: string;
  releases: FakeRelease[];
  style?: 'jackett' | 'prowlarr';
  apiKey?: string;
}): Promise<FakeIndexer> {
  let behaviour: IndexerBehaviour = { kind: 'ok' };
  const calls: FakeIndexer['calls'] = [];
  const open = new Set<ServerResponse>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const params = Object.fromEntries(url.searchParams);
    // Control for tests in other processes: how many searches it answered, and its behaviour.
    if (url.pathname === '/__calls') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ searches: calls.filter((c) => c.params.t !== 'caps').length }));
    }
    if (url.pathname === '/__behaviour' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      behaviour = JSON.parse(Buffer.concat(chunks).toString()) as IndexerBehaviour;
      res.writeHead(204);
      return res.end();
    }
    calls.push({ path: url.pathname, params });
    const xml = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(body);
    };
    if (options.apiKey && params.apikey !== options.apiKey) {
      return xml(
        200,
        '<?xml version="1.0" encoding="UTF-8"?><error code="100" description="Invalid API Key" />',
      );
    }
    const current = behaviour;
    if (
      current.kind === 'cloudflare' &&
      !(
        req.headers.cookie?.includes(`cf_clearance=${CLEARANCE}`) &&
        req.headers['user-agent'] === SOLVER_AGENT
      )
    ) {
      res.writeHead(403, { 'content-type': 'text/html' });
      return res.end(
        '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>cf challenge</body></html>',
      );
    }
    if (current.kind === 'hang') {
      open.add(res);
      res.on('close', () => open.delete(res));
      return;
    }
    if (current.kind === 'ok' && current.delayMs) await new Promise((r) => setTimeout(r, current.delayMs));
    if (current.kind === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(
        '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>',
      );
    }
    if (current.kind === 'malformed')
      return xml(200, '<?xml version="1.0"?><rss><channel><item><title>Broken');
    if (current.kind === 'error') {
      return xml(
        200,
        `<?xml version="1.0" encoding="UTF-8"?><error code="${current.code}" description="${current.description}" />`,
      );
    }
    if (current.kind === 'status') {
      res.writeHead(current.status, current.retryAfter ? { 'retry-after': String(current.retryAfter) } : {});
      return res.end();
    }
    if (params.t === 'caps') return xml(200, JACKETT_CAPS);
    const q = (params.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const found = options.releases.filter(
      (r) =>
        (params.imdbid ? r.imdb?.replace(/^tt/, '') === params.imdbid : true) &&
        q.every((word) => r.title.toLowerCase().includes(word)),
    );
    const base = `http://${req.headers.host}`;
    xml(
      200,
      options.style === 'prowlarr'
        ? prowlarrFeed(options.name, found)
        : jackettFeed(base, options.name, found),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${root}/api`,
    root,
    calls,
    setBehaviour: (b) => {
      behaviour = b;
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What a swarm indexer offers: a real torrent, by its magnet (which names the swarm's tracker). */
export interface SwarmRelease {
  torrent: { magnet: string; infoHash: string; length: number };
  title: string;
  imdb: string;
  /** The size the feed states (the torrent's by default). */
  size?: number;
}

/**
 * A Jackett answering every search with the one release it was offered, or with none before. The
 * feed's magnet is the torrent's own: with DHT off, the tracker it names is how peers are found.
 */
export async function startSwarmIndexer(name: string): Promise<{
  root: string;
  offer(release: SwarmRelease): void;
  close(): Promise<void>;
}> {
  let offered: SwarmRelease | null = null;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://indexer');
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
    if (url.searchParams.get('t') === 'caps') return res.end(JACKETT_CAPS);
    const base = `http://${req.headers.host}`;
    if (!offered) return res.end(jackettFeed(base, name, []));
    const { torrent, title, imdb, size } = offered;
    const feed = jackettFeed(base, name, [
      { title, seeders: 1, size: size ?? torrent.length, infoHash: torrent.infoHash, imdb },
    ]);
    res.end(feed.replace(/magnet:\?xt=urn:btih:[^"]+/, () => xmlEscape(torrent.magnet)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    root: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    offer: (release) => {
      offered = release;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The releases the shared test stack's Jackett serves (IMDb ids as the fake TMDB gives them). */
export const STACK_RELEASES: FakeRelease[] = [
  {
    title: 'The.Matrix.1999.MULTi.VFF.1080p.BluRay.x265-QTZ',
    seeders: 80,
    size: 9 * 1024 ** 3,
    imdb: 'tt0000603',
  },
  {
    title: 'The.Matrix.1999.1080p.BluRay.x264-SPARKS',
    seeders: 150,
    size: 10 * 1024 ** 3,
    imdb: 'tt0000603',
  },
  { title: 'The.Matrix.1999.HDCAM.x264', seeders: 300, size: 1.4 * 1024 ** 3, imdb: 'tt0000603' },
  {
    title: 'The.Matrix.Reloaded.2003.1080p.BluRay.x264',
    seeders: 90,
    size: 10 * 1024 ** 3,
    imdb: 'tt0000603',
  },
  {
    title: 'Game.of.Thrones.S01E02.The.Kingsroad.1080p.BluRay.x264-GOT',
    seeders: 60,
    size: 2 * 1024 ** 3,
    category: 5000,
  },
  {
    title: 'Game.of.Thrones.S01E03.Lord.Snow.1080p.BluRay.x264-GOT',
    seeders: 70,
    size: 2 * 1024 ** 3,
    category: 5000,
  },
  {
    title: 'Game.of.Thrones.S01.COMPLETE.FRENCH.1080p.BluRay.x264-FR',
    seeders: 40,
    size: 20 * 1024 ** 3,
    category: 5000,
  },
  // Spirited Away under the names other countries give it, and one name it does not go by.
  ...[
    'Chihiros.Reise.ins.Zauberland.2001.GERMAN.1080p.BluRay.x264-DE',
    'Sen.to.Chihiro.no.Kamikakushi.2001.1080p.BluRay.x264-JP',
    'Le.Voyage.de.Chihiro.2001.FRENCH.1080p.BluRay.x264-FR',
    'Chihiro.Returns.2001.1080p.BluRay.x264-XX',
  ].map((title) => ({ title, seeders: 50, size: 8 * 1024 ** 3, imdb: 'tt0000129' })),
];
export const STACK_JACKETT_KEY = 'jackett-api-key-for-tests';

const CLEARANCE = 'cleared-by-flaresolverr';
const SOLVER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) FakeFlareSolverr';

/** FlareSolverr's v1 API: `request.get` answers with the clearance cookies and the browser's agent. */
export async function startFakeFlareSolverr(): Promise<{ url: string; close(): Promise<void> }> {
  let solved = 0;
  const server = createServer(async (req, res) => {
    if (req.url === '/__calls') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ solved }));
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { cmd?: string; url?: string };
    res.writeHead(200, { 'content-type': 'application/json' });
    if (req.url !== '/v1' || body.cmd !== 'request.get' || !body.url) {
      return res.end(JSON.stringify({ status: 'error', message: "Request parameter 'cmd' is mandatory." }));
    }
    solved++;
    res.end(
      JSON.stringify({
        status: 'ok',
        message: 'Challenge solved!',
        solution: {
          url: body.url,
          status: 200,
          headers: {},
          response: '<html><body>ok</body></html>',
          cookies: [
            {
              name: 'cf_clearance',
              value: CLEARANCE,
              domain: '127.0.0.1',
              path: '/',
              httpOnly: true,
              secure: false,
            },
            { name: '__cf_bm', value: 'bm', domain: '127.0.0.1', path: '/' },
          ],
          userAgent: SOLVER_AGENT,
        },
        startTimestamp: 1_700_000_000_000,
        endTimestamp: 1_700_000_001_000,
        version: '3.3.21',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Inception releases, served by the stack's Cloudflare-protected indexer. */
export const PROTECTED_RELEASES: FakeRelease[] = [
  {
    title: 'Inception.2010.MULTi.1080p.BluRay.x264-PROTECTED',
    seeders: 55,
    size: 9 * 1024 ** 3,
    imdb: 'tt0027205',
  },
];

/** An HTTP proxy that tunnels CONNECT requests (as Gluetun's does) and counts where they went. */
export async function startFakeProxy(): Promise<{ url: string; close(): Promise<void> }> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ tunnels }));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const [host, port] = (req.url ?? '').split(':');
    tunnels.push(req.url ?? '');
    const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A SOCKS5 proxy (no authentication, CONNECT only) that records where it connected. */
export async function startFakeSocks5(): Promise<{ url: string; targets: string[]; close(): Promise<void> }> {
  const { createServer: createTcpServer } = await import('node:net');
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.once('data', (greeting) => {
      if (greeting[0] !== 5) return client.destroy();
      client.write(Buffer.from([5, 0]));
      client.once('data', (request) => {
        const type = request[3];
        let host = '';
        let offset = 4;
        if (type === 1) {
          host = [...request.subarray(4, 8)].join('.');
          offset = 8;
        } else if (type === 3) {
          const length = request[4] ?? 0;
          host = request.subarray(5, 5 + length).toString();
          offset = 5 + length;
        } else {
          return client.destroy();
        }
        const port = request.readUInt16BE(offset);
        targets.push(`${host}:${port}`);
        const upstream = connect(port, host, () => {
          client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
          upstream.pipe(client);
          client.pipe(upstream);
        });
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `socks5://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
