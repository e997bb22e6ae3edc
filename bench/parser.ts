import { parseRelease } from '../torrent-node/src/search/release.js';

/** Accuracy against public parsers on a fixture corpus: bench/parser-accuracy.ts. */
export { parserAccuracy, printParserAccuracy } from './parser-accuracy.js';

/** Release-parser throughput on one core: titles per second over a mix of real-world shapes. */
const SAMPLE = [
  'The.Matrix.1999.1080p.BluRay.x264-SPARKS',
  'Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.Atmos.DV.HDR10+.H.265-FLUX',
  'Dune.2021.MULTi.VFF.2160p.WEB-DL.HDR.DDP5.1.Atmos.x265-QTZ',
  'Breaking.Bad.S05E14.720p.HDTV.x264-EVOLVE',
  'The.Wire.S01-S05.COMPLETE.720p.BluRay.x264',
  '[SubsPlease] One Piece - 1071 (1080p) [ABCD1234].mkv',
  'Shogun.2024.S01E01.VOSTFR.1080p.WEB.H264-FW',
  'Parasite (2019) [1080p] [BluRay] [5.1] [YTS.MX]',
  'Le.Bureau.des.Legendes.S05.COMPLETE.FRENCH.1080p.WEB.H264-FW',
  'The.Lord.of.the.Rings.The.Fellowship.of.the.Ring.2001.EXTENDED.2160p.UHD.BluRay.x265.10bit.HDR.TrueHD.7.1.Atmos-SWTYBLZ',
];

export function parserBench(seconds: number): { titlesPerSecond: number; samples: number } {
  for (let i = 0; i < 20_000; i++) parseRelease(SAMPLE[i % SAMPLE.length] ?? ''); // warm-up (JIT)
  const deadline = performance.now() + seconds * 1000;
  let parsed = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    for (let i = 0; i < 1000; i++) parseRelease(SAMPLE[(parsed + i) % SAMPLE.length] ?? '');
    parsed += 1000;
  }
  return {
    titlesPerSecond: Math.round(parsed / ((performance.now() - started) / 1000)),
    samples: SAMPLE.length,
  };
}

export function printParser(figures: { titlesPerSecond: number }): void {
  console.log('\nRelease parser (one core)');
  console.log(`Titles per second:                ${figures.titlesPerSecond}   (target > 50,000)`);
}
