import type { IndexerResult } from '@sokoul/contracts';

const GB = 1024 ** 3;
let n = 0;

/** An indexer's result for ranking tests: a fresh guid and info hash each time. */
export const indexerResult = (
  title: string,
  seeders: number,
  sizeGb: number,
  extra: Partial<IndexerResult> = {},
): IndexerResult => ({
  title,
  guid: `guid-${++n}`,
  indexer: 'Fake',
  downloadUrl: null,
  magnetUrl: `magnet:?xt=urn:btih:${String(n).padStart(40, '0')}`,
  infoHash: String(n).padStart(40, '0'),
  size: sizeGb * GB,
  seeders,
  peers: seeders + 3,
  publishedAt: null,
  categories: [2000],
  downloadVolumeFactor: 1,
  uploadVolumeFactor: 1,
  imdbId: null,
  tmdbId: null,
  tvdbId: null,
  ...extra,
});
