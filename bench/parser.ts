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

export interface ParserFigures {
  /** Median over windows, by the process's CPU time: what one core does while this process runs. */
  titlesPerSecond: number;
  /** The best window: the figure least disturbed by other processes on a shared machine. */
  bestWindow: number;
  /** Over the whole run, by the wall clock. */
  wallClock: number;
  windows: number;
  samples: number;
}

const WINDOW_MS = 250;

/**
 * Titles per second on one core, measured by CPU time in quarter-second windows: on a shared
 * machine the wall clock also counts the time other processes held the core.
 */
export function parserBench(seconds: number): ParserFigures {
  for (let i = 0; i < 20_000; i++) parseRelease(SAMPLE[i % SAMPLE.length] ?? ''); // warm-up (JIT)
  const rates: number[] = [];
  let parsed = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    const cpu = process.cpuUsage();
    const windowEnd = performance.now() + WINDOW_MS;
    let inWindow = 0;
    while (performance.now() < windowEnd) {
      for (let i = 0; i < 1000; i++) parseRelease(SAMPLE[(parsed + inWindow + i) % SAMPLE.length] ?? '');
      inWindow += 1000;
    }
    const used = process.cpuUsage(cpu);
    rates.push(inWindow / ((used.user + used.system) / 1e6));
    parsed += inWindow;
  }
  const sorted = [...rates].sort((x, y) => x - y);
  return {
    titlesPerSecond: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    bestWindow: Math.round(sorted[sorted.length - 1] ?? 0),
    wallClock: Math.round(parsed / ((performance.now() - started) / 1000)),
    windows: rates.length,
    samples: SAMPLE.length,
  };
}

export function printParser(figures: ParserFigures): void {
  console.log('\nRelease parser (one core)');
  console.log(
    `Titles per CPU-second:            ${figures.titlesPerSecond}   (target > 50,000; median of ${figures.windows} windows of ${WINDOW_MS} ms)`,
  );
  console.log(`  best window:                    ${figures.bestWindow}`);
  console.log(
    `  by the wall clock:              ${figures.wallClock}   (counts the time other processes held the core)`,
  );
}
