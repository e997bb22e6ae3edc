import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { IndexerPool, scout } from '../torrent-node/src/search/scout.js';

/**
 * Scout's fan-out: five indexers answering in 50-400 ms and one that hangs (cut at 1 s). Reports
 * the time to the first results, to the last answering indexer, to completion, and CPU per search.
 */
export interface ScoutFigures {
  searches: number;
  firstResultMs: number;
  lastAnswerMs: number;
  slowestIndexerMs: number;
  completeMs: number;
  timeoutMs: number;
  cpuMsPerSearch: number;
  withBreakerMs: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function startIndexers(
  root: string,
  dir: string,
): Promise<{ child: ChildProcess; indexers: { name: string; url: string; delayMs: number }[] }> {
  const outfile = join(dir, 'fake-indexers.mjs');
  await build({
    entryPoints: [join(root, 'bench/fake-indexers.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
  const child = spawn(process.execPath, [outfile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
  });
  return { child, indexers: JSON.parse(line) };
}

export async function scoutBench(root: string, dir: string, searches = 10): Promise<ScoutFigures> {
  const { child, indexers } = await startIndexers(root, dir);
  const timeoutMs = 1000;
  try {
    const endpoints = indexers.map((i) => ({ name: i.name, url: i.url, timeoutMs }));
    const request = { mode: 'movie' as const, query: 'The Matrix', imdbId: 'tt0133093' };
    // Capabilities known, as in steady state; the breaker never opens, so every search waits for the hung one.
    const warm = new IndexerPool({ failureThreshold: Number.MAX_SAFE_INTEGER, ratePerMinute: 6000 });
    await scout(warm, endpoints, request);
    const first: number[] = [];
    const last: number[] = [];
    const complete: number[] = [];
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < searches; i++) {
      const started = performance.now();
      let firstAt = 0;
      let lastAnswerAt = 0;
      await scout(warm, endpoints, request, (report, merged) => {
        const at = performance.now() - started;
        if (!firstAt && merged.length > 0) firstAt = at;
        if (report.status === 'ok') lastAnswerAt = at;
      });
      first.push(firstAt);
      last.push(lastAnswerAt);
      complete.push(performance.now() - started);
    }
    const cpu = process.cpuUsage(cpuStart);
    // With the default breaker the hung indexer is left alone after three timeouts.
    const guarded = new IndexerPool({ ratePerMinute: 6000 });
    for (let i = 0; i < 3; i++) await scout(guarded, endpoints, request);
    const guardedStart = performance.now();
    await scout(guarded, endpoints, request);
    const withBreakerMs = Math.round(performance.now() - guardedStart);
    return {
      withBreakerMs,
      searches,
      firstResultMs: Math.round(median(first)),
      lastAnswerMs: Math.round(median(last)),
      slowestIndexerMs: Math.max(...indexers.map((i) => i.delayMs)),
      completeMs: Math.round(median(complete)),
      timeoutMs,
      cpuMsPerSearch: Math.round(((cpu.user + cpu.system) / 1000 / searches) * 10) / 10,
    };
  } finally {
    child.kill('SIGTERM');
  }
}

export function printScout(f: ScoutFigures): void {
  console.log(
    '\nScout fan-out (5 indexers answering in 50-400 ms, 1 hanging; median of %d searches)',
    f.searches,
  );
  console.log(`First results:                    ${f.firstResultMs} ms`);
  console.log(
    `Last answering indexer merged:    ${f.lastAnswerMs} ms   (slowest indexer ${f.slowestIndexerMs} ms; target: under ${f.slowestIndexerMs + 50} ms)`,
  );
  console.log(
    `Search complete:                  ${f.completeMs} ms   (the hung indexer is cut at ${f.timeoutMs} ms)`,
  );
  console.log(`Once the hung one is left alone:  ${f.withBreakerMs} ms   (circuit breaker after 3 timeouts)`);
  console.log(`CPU per search (Scout only):      ${f.cpuMsPerSearch} ms`);
}
