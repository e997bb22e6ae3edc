import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchBrowser } from '../tests/helpers/browser.js';
import { FAKE_V3_KEY } from '../tests/helpers/fake-tmdb.js';
import { type Load, load } from './load.js';

/**
 * Catalog benchmarks: the cached TMDB proxy against the bare route, the latency a cache miss adds
 * over TMDB itself (the fake answering in 50 ms), and the web app's weight and home-page paint.
 */
export interface CatalogFigures {
  cached: Load;
  fakeDirect: Load;
  uncached: Load;
  addedP50Ms: number;
}

export async function catalogBench(opts: {
  stackUrl: string;
  token: string;
  fakeUrl: string;
  seconds: number;
}): Promise<CatalogFigures> {
  const auth = { authorization: `Bearer ${opts.token}` };
  // Warm the film into the cache, then hammer it.
  await fetch(`${opts.stackUrl}/tmdb/movie/550`, { headers: auth });
  const cached = await load(
    'GET /tmdb/movie/:id (cached)',
    `${opts.stackUrl}/tmdb/movie/550`,
    auth,
    opts.seconds,
  );

  // Misses: every request is a search nobody made before, so each one goes to TMDB.
  let n = 0;
  const unique = () => `bench-${process.pid}-${Date.now()}-${n++}`;
  const fakeDirect = await load(
    'fake TMDB /search (direct)',
    `${opts.fakeUrl}/3/search/multi`,
    {},
    opts.seconds,
    {
      connections: 10,
      next: () => ({ path: `/3/search/multi?query=${unique()}&api_key=${FAKE_V3_KEY}&language=fr-FR` }),
    },
  );
  const uncached = await load('GET /tmdb/search (miss)', `${opts.stackUrl}/tmdb/search`, auth, opts.seconds, {
    connections: 10,
    next: () => ({ path: `/tmdb/search?query=${unique()}` }),
  });
  return { cached, fakeDirect, uncached, addedP50Ms: uncached.p50 - fakeDirect.p50 };
}

/** Gzipped size of what index.html loads before anything else: its script and preloaded modules. */
function initialJsGzipKb(root: string): number {
  const dist = join(root, 'web/dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1] as string);
  const bytes = files.reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, file))).length, 0);
  return Math.round(bytes / 102.4) / 10;
}

/** Largest Contentful Paint of the home page in a fresh browser profile, signed in. */
async function homeLcp(stackUrl: string, refreshToken: string): Promise<number> {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    // A signed-in browser: the refresh token in its HttpOnly cookie, and the note that a session exists.
    const { hostname } = new URL(stackUrl);
    await context.addCookies([
      {
        name: 'sokoul_refresh',
        value: refreshToken,
        domain: hostname,
        path: '/auth',
        httpOnly: true,
        sameSite: 'Strict',
      },
    ]);
    await context.addInitScript(() => localStorage.setItem('sokoul.session', '1'));
    const page = await context.newPage();
    await page.goto(`${stackUrl}/`);
    await page.locator('[data-testid="row-trending-films"] img').first().waitFor();
    await page.waitForLoadState('networkidle');
    return await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          new PerformanceObserver((list) => {
            const entries = list.getEntries();
            resolve(entries[entries.length - 1]?.startTime ?? -1);
          }).observe({ type: 'largest-contentful-paint', buffered: true });
        }),
    );
  } finally {
    await browser.close();
  }
}

export interface WebFigures {
  initialJsGzipKb: number;
  lcpColdMs: number;
  lcpWarmMs: number;
}

/** The first visit finds the server's TMDB cache empty; the second finds it warm. */
export async function webBench(
  root: string,
  stackUrl: string,
  session: () => Promise<string>,
): Promise<WebFigures> {
  const lcpColdMs = await homeLcp(stackUrl, await session());
  const lcpWarmMs = await homeLcp(stackUrl, await session());
  return {
    initialJsGzipKb: initialJsGzipKb(root),
    lcpColdMs: Math.round(lcpColdMs),
    lcpWarmMs: Math.round(lcpWarmMs),
  };
}

export function printCatalog(baselineRps: number, catalog: CatalogFigures, web: WebFigures): void {
  const row = (r: Load, ratio: boolean) =>
    `${r.name.padEnd(30)} ${String(r.rps).padStart(7)}   ${String(r.p50).padStart(6)}   ${String(r.p99).padStart(6)}   ${(ratio ? (r.rps / baselineRps).toFixed(2) : '  -  ').padStart(5)}   ${r.non2xx}`;
  console.log('\nCatalog (fake TMDB answering in 50 ms)\n');
  console.log('route                            req/s     p50 ms   p99 ms   ratio   non-2xx');
  console.log(row(catalog.cached, true));
  console.log(row(catalog.fakeDirect, false));
  console.log(row(catalog.uncached, false));
  console.log('(cached target: ratio >= 0.4, p99 < 20 ms; misses at 10 connections)');
  console.log(`Added latency of a miss over TMDB, p50:   ${catalog.addedP50Ms} ms   (target < 10 ms)`);
  console.log('\nWeb app');
  console.log(`Initial JavaScript (gzip):        ${web.initialJsGzipKb} KB   (target < 150 KB)`);
  console.log(`Home LCP, server cache cold:      ${web.lcpColdMs} ms   (target < 1500 ms)`);
  console.log(`Home LCP, server cache warm:      ${web.lcpWarmMs} ms`);
}
