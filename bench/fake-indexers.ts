import { startFakeIndexer } from '../tests/helpers/fake-indexer.js';

/**
 * Runs the benchmark's indexers in their own process, so the search's CPU time is measured
 * without theirs: five answering in 50 to 400 ms and one that never answers.
 */
const releases = Array.from({ length: 40 }, (_, i) => ({
  title: `The.Matrix.1999.${['1080p', '2160p', '720p'][i % 3]}.${['BluRay', 'WEB-DL', 'WEBRip'][i % 3]}.x264-GRP${i}`,
  seeders: 10 + i,
  size: (2 + (i % 5)) * 1024 ** 3,
  infoHash: (i + 1).toString(16).padStart(40, '0'),
  imdb: 'tt0133093',
}));
const delays = [50, 100, 200, 300, 400];
const indexers = await Promise.all(
  [...delays, -1].map(async (delay, i) => {
    const fake = await startFakeIndexer({ name: `Indexer${i}`, releases: releases.slice(i * 5, i * 5 + 20) });
    // Caps answer at once; searches take their time.
    fake.setBehaviour(delay < 0 ? { kind: 'hang' } : { kind: 'ok', delayMs: delay });
    return { name: delay < 0 ? 'hung' : `${delay}ms`, url: fake.url, delayMs: delay };
  }),
);
process.stdout.write(`${JSON.stringify(indexers)}\n`);
