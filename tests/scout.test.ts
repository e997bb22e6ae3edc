import { IndexerHealth, type IndexerReport, MergedResult } from '@sokoul/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexerPool, scout } from '../torrent-node/src/search/scout.js';
import { type FakeIndexer, type FakeRelease, startFakeIndexer } from './helpers/fake-indexer.js';

/** Scout's fan-out against local indexers that are fast, slow, hung or broken. */
const RELEASES: FakeRelease[] = [
  { title: 'The.Matrix.1999.1080p.BluRay.x264-SPARKS', seeders: 150, size: 8_589_934_592, imdb: 'tt0133093' },
  {
    title: 'The.Matrix.1999.MULTi.2160p.UHD.BluRay.x265-QTZ',
    seeders: 40,
    size: 32_212_254_720,
    imdb: 'tt0133093',
  },
];
const fakes: Record<string, FakeIndexer> = {};

beforeAll(async () => {
  for (const name of ['fast', 'slow', 'hung', 'broken', 'flaky', 'limited']) {
    fakes[name] = await startFakeIndexer({ name: `Tracker-${name}`, releases: RELEASES });
  }
});
afterAll(async () => {
  await Promise.all(Object.values(fakes).map((f) => f.close()));
});

const endpoint = (name: string, timeoutMs = 800) => {
  const fake = fakes[name];
  if (!fake) throw new Error(`no fake ${name}`);
  return { name, url: fake.url, timeoutMs };
};
const request = { mode: 'movie' as const, query: 'The Matrix', imdbId: 'tt0133093' };

describe('fan-out', () => {
  it('answers as each indexer does, cuts the hung one at its timeout, reports each one', async () => {
    fakes.slow?.setBehaviour({ kind: 'ok', delayMs: 150 });
    fakes.hung?.setBehaviour({ kind: 'hang' });
    fakes.broken?.setBehaviour({ kind: 'html' });
    const pool = new IndexerPool();
    const answers: { indexer: string; at: number; merged: number }[] = [];
    const started = Date.now();
    const { results, reports } = await scout(
      pool,
      [endpoint('fast'), endpoint('slow'), endpoint('hung', 600), endpoint('broken')],
      request,
      (report, merged) =>
        answers.push({ indexer: report.indexer, at: Date.now() - started, merged: merged.length }),
    );
    const elapsed = Date.now() - started;

    expect(answers[0]?.indexer).toMatch(/fast|broken/);
    expect(answers.find((a) => a.indexer === 'fast')?.merged).toBe(2);
    expect(answers.at(-1)?.indexer).toBe('hung');
    expect(answers.find((a) => a.indexer === 'fast')?.at).toBeLessThan(
      answers.find((a) => a.indexer === 'slow')?.at ?? 0,
    );
    // The hung indexer costs its timeout, not more.
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(1500);

    const byName = Object.fromEntries(reports.map((r: IndexerReport) => [r.indexer, r]));
    expect(byName.fast).toMatchObject({ status: 'ok', results: 2, error: null });
    expect(byName.slow).toMatchObject({ status: 'ok', results: 2 });
    // Cut at its timeout, answered badly, answered: three outcomes a user can tell apart.
    expect(byName.hung).toMatchObject({
      status: 'timeout',
      results: 0,
      error: 'hung did not answer within 600 ms',
    });
    expect(byName.broken).toMatchObject({ status: 'failed', results: 0 });
    expect(byName.broken?.error).toContain('HTML page');

    // The same releases from two indexers are one result each, with both sources and the best counts.
    expect(results.map((r) => MergedResult.parse(r))).toHaveLength(2);
    expect(results[0]?.sources.sort()).toEqual(['Tracker-fast', 'Tracker-slow']);
    expect(results.find((r) => r.title.includes('SPARKS'))?.seeders).toBe(150);
  });
});

describe('indexer outcomes', () => {
  it('counts a timeout as a failure for the breaker, then skips the indexer with the reason', async () => {
    const pool = new IndexerPool({ failureThreshold: 2, openMs: 60_000 });
    fakes.hung?.setBehaviour({ kind: 'hang' });
    const once = async () => (await scout(pool, [endpoint('hung', 200)], request)).reports[0];
    expect(await once()).toMatchObject({ status: 'timeout' });
    expect(await once()).toMatchObject({ status: 'timeout' });
    expect(await once()).toMatchObject({
      status: 'skipped',
      latencyMs: 0,
      error: expect.stringContaining('left alone after 2 failures'),
    });
    expect(pool.health()[0]).toMatchObject({ state: 'open', lastError: 'hung did not answer within 200 ms' });
  });
});

describe('indexer health', () => {
  it('leaves a failing indexer alone, then tries it again and recovers', async () => {
    const pool = new IndexerPool({ failureThreshold: 2, openMs: 300 });
    fakes.flaky?.setBehaviour({ kind: 'status', status: 502 });
    const once = async () => (await scout(pool, [endpoint('flaky')], request)).reports[0];
    expect(await once()).toMatchObject({ status: 'failed', error: 'flaky answered with HTTP 502' });
    expect((await once())?.status).toBe('failed');
    const skipped = await once();
    expect(skipped).toMatchObject({
      status: 'skipped',
      error: expect.stringContaining('left alone after 2 failures'),
    });
    const callsWhileOpen = fakes.flaky?.calls.length;
    await once();
    expect(fakes.flaky?.calls.length).toBe(callsWhileOpen);
    expect(IndexerHealth.parse(pool.health()[0])).toMatchObject({
      indexer: 'flaky',
      state: 'open',
      failures: 2,
    });

    await new Promise((r) => setTimeout(r, 350));
    fakes.flaky?.setBehaviour({ kind: 'ok' });
    expect((await once())?.status).toBe('ok');
    expect(pool.health()[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0, successes: 1 });
  });

  it('honours Retry-After and limits bursts per indexer', async () => {
    const pool = new IndexerPool({ ratePerMinute: 6 });
    const first = await scout(pool, [endpoint('limited')], request);
    expect(first.reports[0]?.status).toBe('ok');
    const burst = await scout(pool, [endpoint('limited')], request);
    expect(burst.reports[0]).toMatchObject({ status: 'skipped', error: 'over 6 requests a minute' });

    const polite = new IndexerPool();
    fakes.limited?.setBehaviour({ kind: 'status', status: 429, retryAfter: 120 });
    expect((await scout(polite, [endpoint('limited')], request)).reports[0]?.status).toBe('failed');
    const waiting = (await scout(polite, [endpoint('limited')], request)).reports[0];
    expect(waiting).toMatchObject({
      status: 'skipped',
      error: expect.stringMatching(/retried in 1[12]\d s/),
    });
    fakes.limited?.setBehaviour({ kind: 'ok' });
  });
});
