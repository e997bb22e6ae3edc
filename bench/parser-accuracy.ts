/**
 * Release-name parser accuracy: Sokoul's parseRelease against four public parsers, on a corpus of names whose answers
 * come from public parser test suites (see the corpus README). Part of `npm run bench [seconds] parser`; to iterate
 * without the full bench, bundle and run this file alone (from the repository root):
 *
 *   node_modules/.bin/esbuild bench/parser-accuracy.ts --bundle --platform=node --format=esm \
 *     --outfile=/tmp/parser-accuracy.mjs --log-level=warning \
 *   && node /tmp/parser-accuracy.mjs [all|dev|test|holdout|holdout-dev|holdout-test] [--misses=sokoul:films,guessit] \
 *        [--parsers=sokoul,vfp] [--json]
 *
 * holdout… reads bench/parser-corpus/holdout.json: names from other projects' fixture suites; its test half is never
 * looked at while working on a parser, so that it measures names nobody tuned to.
 *
 * Environment: PARSER_CORPUS (default bench/parser-corpus/corpus.json), PARSER_LIBS_DIR (where the public parsers are
 * installed; default: node_modules up from the repository root), PARSER_SPLIT (the same choices), PARSER_MISSES (same as
 * --misses: PARSER[:category], comma-separated), PARSER_ONLY (same as --parsers), PARSER_TIMING_SECONDS (minimum
 * timed seconds per parser, default 1; 0 skips timing). The output file must be named parser-accuracy.mjs (or .js)
 * for the command-line entry to run.
 *
 * Scoring (every parser through the same adapters and checks, bench/parser-adapters.ts). Numbers are compared as
 * sorted sets; titles after Sokoul's normalizeTitle (lower case, accents and apostrophes removed, & → and, other
 * punctuation → space), the same for every parser.
 * - episodes: names asserting episodes, an air date or absolute numbers. Asserted seasons and episodes must be equal;
 *   absolute numbers may come back as absoluteEpisodes or as episodes with no season, and episodes asserted without a
 *   season may come back as absoluteEpisodes (the suites disagree on anime numbering); air dates must be equal.
 * - packs: names asserting fullSeason; the parser must flag a full season or give seasons without episodes, and
 *   asserted seasons must be equal.
 * - quality: names asserting a resolution or a source; each asserted one must match (res and src are shown apart).
 * - films: kind movie, or a year with no numbering and no series kind, and a title: title and (asserted) year.
 * - titles: every other name with a title (series): the title; a trailing year or season marker the suites keep
 *   ("Series Title (2010)", "Anime S2") may come back in the parser's year or seasons.
 * - group: names asserting a group: equal ignoring case; an asserted null means the parser must find none.
 * Overall pools every check (micro-average; res and src are not counted twice). Titles per second: full passes over
 * the names scored, after the scoring pass as a warm-up, repeated for at least PARSER_TIMING_SECONDS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { normalizeTitle } from '../torrent-node/src/search/release.js';
import {
  type CommonRelease,
  type LoadedAdapters,
  loadAdapters,
  type ParserAdapter,
  RESOLUTIONS,
  SOURCES,
} from './parser-adapters.js';

// ---------------------------------------------------------------------------------------------------------------
// Corpus.

/**
 * The dev and test halves of corpus.json, and of holdout.json: names from other projects' suites, whose test half is
 * never looked at while working on a parser.
 */
type Split = 'dev' | 'test' | 'holdout-dev' | 'holdout-test';
type Choice = Split | 'all' | 'holdout';
type Kind = 'movie' | 'episode' | 'season';

interface Expect {
  title?: string;
  year?: number;
  seasons?: number[];
  episodes?: number[];
  fullSeason?: true;
  absoluteEpisodes?: number[];
  airDate?: string;
  resolution?: CommonRelease['resolution'];
  source?: CommonRelease['source'];
  /** null: the suite asserts there is no group. */
  group?: string | null;
  kind?: Kind;
}

export interface CorpusEntry {
  name: string;
  origin: string;
  split: Split;
  expect: Expect;
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIntList = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => Number.isInteger(n));
const oneOf = <T extends string>(values: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (values as readonly string[]).includes(v);

function parseExpect(raw: unknown, where: string): Expect {
  if (!isDict(raw)) throw new Error(`${where}: expect is not an object`);
  const out: Expect = {};
  const bad = (field: string) => new Error(`${where}: bad expect.${field}`);
  for (const [field, v] of Object.entries(raw)) {
    switch (field) {
      case 'title':
        if (typeof v !== 'string') throw bad(field);
        out.title = v;
        break;
      case 'year':
        if (!Number.isInteger(v)) throw bad(field);
        out.year = v as number;
        break;
      case 'seasons':
      case 'episodes':
      case 'absoluteEpisodes':
        if (!isIntList(v)) throw bad(field);
        out[field] = v;
        break;
      case 'fullSeason':
        if (v !== true) throw bad(field);
        out.fullSeason = true;
        break;
      case 'airDate':
        if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw bad(field);
        out.airDate = v;
        break;
      case 'resolution':
        if (!oneOf(RESOLUTIONS, v)) throw bad(field);
        out.resolution = v;
        break;
      case 'source':
        if (!oneOf(SOURCES, v)) throw bad(field);
        out.source = v;
        break;
      case 'group':
        if (v !== null && typeof v !== 'string') throw bad(field);
        out.group = v;
        break;
      case 'kind':
        if (!oneOf(['movie', 'episode', 'season'] as const, v)) throw bad(field);
        out.kind = v;
        break;
      default:
        throw new Error(`${where}: unknown expect.${field}`);
    }
  }
  return out;
}

export function loadCorpus(path: string): CorpusEntry[] {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(raw)) throw new Error(`${path}: not an array`);
  return raw.map((item, i) => {
    if (
      !isDict(item) ||
      typeof item.name !== 'string' ||
      !oneOf(['dev', 'test', 'holdout-dev', 'holdout-test'] as const, item.split)
    ) {
      throw new Error(`${path}[${i}]: needs name and split`);
    }
    return {
      name: item.name,
      origin: typeof item.origin === 'string' ? item.origin : '?',
      split: item.split,
      expect: parseExpect(item.expect, `${path}[${i}]`),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Checks.

export const CATEGORIES = ['episodes', 'packs', 'quality', 'films', 'titles', 'group'] as const;
export type Category = (typeof CATEGORIES)[number];
/** Informational sub-scores of quality, not pooled into overall. */
export const SUBSCORES = ['res', 'src'] as const;
export type SubScore = (typeof SUBSCORES)[number];
type Column = Category | SubScore;

/**
 * A series title as the *arr suites write it may keep the show's year or season marker ("Series
 * Title (2010)", "Anime S2"), which other parsers report in their own fields: the title matches when
 * it does once that marker is read from the parser's year or seasons. The same rule for every parser.
 */
function sameTitle(expected: string, got: CommonRelease): boolean {
  if (got.title === null) return false;
  const want = normalizeTitle(expected);
  const title = normalizeTitle(got.title);
  if (want === title) return true;
  const marker = /^(.*?)\s+(?:(\d{4})|s(\d{1,2}))$/.exec(want);
  if (!marker || marker[1] !== title) return false;
  return marker[2] !== undefined ? got.year === Number(marker[2]) : got.seasons.includes(Number(marker[3]));
}

const set = (xs: readonly number[]) => [...new Set(xs)].sort((a, b) => a - b).join(',');
const same = (a: readonly number[], b: readonly number[]) => set(a) === set(b);
const list = (xs: readonly number[]) => `[${xs.join(',')}]`;
const q = (s: string | null) => (s === null ? 'null' : JSON.stringify(s));

interface Check {
  column: Column;
  ok: boolean;
  expected: string;
  got: string;
}

/** The checks an entry is scored on, for one parser's answer. */
export function checksFor(expect: Expect, got: CommonRelease): Check[] {
  const checks: Check[] = [];
  const episodes = expect.episodes ?? [];
  const absolute = expect.absoluteEpisodes ?? [];

  if (episodes.length > 0 || absolute.length > 0 || expect.airDate !== undefined) {
    const want: string[] = [];
    let ok = true;
    if (episodes.length > 0) {
      if (expect.seasons) {
        want.push(`S${list(expect.seasons)}`);
        ok &&= same(got.seasons, expect.seasons);
        want.push(`E${list(episodes)}`);
        ok &&= same(got.episodes, episodes);
      } else {
        want.push(`E${list(episodes)} (no season asserted)`);
        ok &&= same(got.episodes, episodes) || same(got.absoluteEpisodes, episodes);
      }
    }
    if (absolute.length > 0) {
      want.push(`abs${list(absolute)}`);
      ok &&=
        same(got.absoluteEpisodes, absolute) || (got.seasons.length === 0 && same(got.episodes, absolute));
    }
    if (expect.airDate !== undefined) {
      want.push(`date ${expect.airDate}`);
      ok &&= got.airDate === expect.airDate;
    }
    const gave = [`S${list(got.seasons)}`, `E${list(got.episodes)}`];
    if (got.absoluteEpisodes.length > 0) gave.push(`abs${list(got.absoluteEpisodes)}`);
    if (got.airDate !== null) gave.push(`date ${got.airDate}`);
    checks.push({ column: 'episodes', ok, expected: want.join(' '), got: gave.join(' ') });
  }

  if (expect.fullSeason) {
    const pack = got.fullSeason || (got.seasons.length > 0 && got.episodes.length === 0);
    const ok = pack && (expect.seasons === undefined || same(got.seasons, expect.seasons));
    checks.push({
      column: 'packs',
      ok,
      expected: `pack S${expect.seasons ? list(expect.seasons) : '(any)'}`,
      got: `${got.fullSeason ? 'full' : 'not flagged'} S${list(got.seasons)} E${list(got.episodes)}`,
    });
  }

  if (expect.resolution !== undefined || expect.source !== undefined) {
    const res = expect.resolution === undefined ? null : got.resolution === expect.resolution;
    const src = expect.source === undefined ? null : got.source === expect.source;
    const want = [expect.resolution, expect.source].filter((x) => x !== undefined).join(' ');
    const gave = `${got.resolution ?? '-'} ${got.source ?? '-'}`;
    checks.push({ column: 'quality', ok: res !== false && src !== false, expected: want, got: gave });
    if (res !== null) checks.push({ column: 'res', ok: res, expected: want, got: gave });
    if (src !== null) checks.push({ column: 'src', ok: src, expected: want, got: gave });
  }

  if (expect.title !== undefined) {
    const numbering =
      expect.seasons !== undefined ||
      episodes.length > 0 ||
      absolute.length > 0 ||
      expect.airDate !== undefined ||
      expect.fullSeason === true;
    const film =
      expect.kind === 'movie' ||
      (expect.year !== undefined && !numbering && expect.kind !== 'episode' && expect.kind !== 'season');
    const titleOk = got.title !== null && sameTitle(expect.title, got);
    if (film) {
      const yearOk = expect.year === undefined || got.year === expect.year;
      checks.push({
        column: 'films',
        ok: titleOk && yearOk,
        expected: `${q(expect.title)}${expect.year === undefined ? '' : ` ${expect.year}`}`,
        got: `${q(got.title)} ${got.year ?? '-'}`,
      });
    } else {
      checks.push({ column: 'titles', ok: titleOk, expected: q(expect.title), got: q(got.title) });
    }
  }

  if (expect.group !== undefined) {
    const ok =
      expect.group === null
        ? got.group === null
        : got.group !== null && got.group.toLowerCase() === expect.group.toLowerCase();
    checks.push({ column: 'group', ok, expected: q(expect.group), got: q(got.group) });
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------------------------
// Running.

const EMPTY: CommonRelease = {
  title: null,
  year: null,
  seasons: [],
  episodes: [],
  fullSeason: false,
  absoluteEpisodes: [],
  airDate: null,
  resolution: null,
  source: null,
  group: null,
};

export interface ParserFigures {
  id: string;
  name: string;
  version: string;
  correct: Record<Column, number>;
  percent: Record<Column, number | null>;
  overall: { correct: number; total: number; percent: number | null };
  /** Names the parser threw on (scored as an empty answer). */
  errors: number;
  titlesPerSecond: number | null;
}

export interface AccuracyFigures {
  corpus: string;
  split: Choice;
  entries: number;
  /** Checks per column (the same for every parser). */
  counts: Record<Column, number>;
  parsers: ParserFigures[];
  unavailable: LoadedAdapters['unavailable'];
}

export interface Miss {
  parser: string;
  column: Column;
  name: string;
  origin: string;
  expected: string;
  got: string;
}

export interface AccuracyOptions {
  /** Repository root: the default corpus and library lookup are relative to it. */
  root?: string;
  corpusPath?: string;
  split?: Choice;
  libsDir?: string;
  /** Parser ids to run (default all). */
  only?: string[];
  timingSeconds?: number;
  /** Which misses to collect: parser id → columns (empty: every column). */
  misses?: Map<string, Set<Column>>;
}

const zero = (): Record<Column, number> => ({
  episodes: 0,
  packs: 0,
  quality: 0,
  films: 0,
  titles: 0,
  group: 0,
  res: 0,
  src: 0,
});

async function answer(adapter: ParserAdapter, name: string): Promise<CommonRelease | null> {
  try {
    const out = adapter.parse(name);
    return out instanceof Promise ? await out : out;
  } catch {
    return null;
  }
}

/** Titles per second over full passes of `names`, for at least `seconds`. */
async function throughput(adapter: ParserAdapter, names: string[], seconds: number): Promise<number> {
  let parsed = 0;
  const started = performance.now();
  do {
    for (const name of names) {
      try {
        const out = adapter.parse(name);
        if (out instanceof Promise) await out;
      } catch {
        // Counted in the scoring pass.
      }
    }
    parsed += names.length;
  } while (performance.now() - started < seconds * 1000);
  return Math.round(parsed / ((performance.now() - started) / 1000));
}

export function parseMissesSpec(spec: string | undefined): Map<string, Set<Column>> {
  const out = new Map<string, Set<Column>>();
  const columns: readonly string[] = [...CATEGORIES, ...SUBSCORES];
  for (const part of (spec ?? '').split(',').map((s) => s.trim())) {
    if (part === '') continue;
    const [parser = '', column] = part.split(':');
    const wanted = out.get(parser) ?? new Set<Column>();
    if (column !== undefined) {
      if (!columns.includes(column)) throw new Error(`unknown category ${column} (${columns.join(', ')})`);
      wanted.add(column as Column);
    }
    out.set(parser, wanted);
  }
  return out;
}

export async function runParserAccuracy(
  options: AccuracyOptions = {},
): Promise<{ figures: AccuracyFigures; misses: Miss[] }> {
  const root = resolve(options.root ?? process.cwd());
  const split = options.split ?? 'all';
  const corpusPath = resolve(options.corpusPath ?? corpusFor(root, split));
  const entries = loadCorpus(corpusPath).filter(
    (e) => split === 'all' || split === 'holdout' || e.split === split,
  );
  const names = entries.map((e) => e.name);
  const loaded = await loadAdapters({ root, libsDir: options.libsDir, only: options.only });
  const adapters = loaded.adapters;
  const timingSeconds = options.timingSeconds ?? 1;

  const counts = zero();
  for (const entry of entries) for (const check of checksFor(entry.expect, EMPTY)) counts[check.column]++;
  const pooled = CATEGORIES.reduce((n, c) => n + counts[c], 0);

  const misses: Miss[] = [];
  const parsers: ParserFigures[] = [];
  for (const adapter of adapters) {
    const correct = zero();
    const wanted = options.misses?.get(adapter.id);
    let errors = 0;
    for (const entry of entries) {
      const got = await answer(adapter, entry.name);
      if (got === null) errors++;
      for (const check of checksFor(entry.expect, got ?? EMPTY)) {
        if (check.ok) correct[check.column]++;
        else if (wanted && (wanted.size === 0 || wanted.has(check.column))) {
          misses.push({
            parser: adapter.id,
            column: check.column,
            name: entry.name,
            origin: entry.origin,
            expected: check.expected,
            got: check.got,
          });
        }
      }
    }
    const percent = {} as Record<Column, number | null>;
    for (const column of [...CATEGORIES, ...SUBSCORES]) {
      percent[column] = counts[column] === 0 ? null : round(correct[column] / counts[column]);
    }
    const overallCorrect = CATEGORIES.reduce((n, c) => n + correct[c], 0);
    parsers.push({
      id: adapter.id,
      name: adapter.name,
      version: adapter.version,
      correct,
      percent,
      overall: {
        correct: overallCorrect,
        total: pooled,
        percent: pooled === 0 ? null : round(overallCorrect / pooled),
      },
      errors,
      titlesPerSecond:
        timingSeconds > 0 && names.length > 0 ? await throughput(adapter, names, timingSeconds) : null,
    });
  }
  return {
    figures: {
      corpus: corpusPath,
      split,
      entries: entries.length,
      counts,
      parsers,
      unavailable: loaded.unavailable,
    },
    misses,
  };
}

const round = (ratio: number) => Math.round(ratio * 1000) / 10;

/** The bench section: figures when the corpus is there, else null (reported, not thrown). */
export async function parserAccuracy(options: AccuracyOptions = {}): Promise<AccuracyFigures | null> {
  const root = resolve(options.root ?? process.cwd());
  const split = options.split ?? splitFrom(process.env.PARSER_SPLIT);
  const corpusPath = resolve(options.corpusPath ?? process.env.PARSER_CORPUS ?? corpusFor(root, split));
  if (!existsSync(corpusPath)) {
    console.log(`\nRelease parser accuracy: no corpus at ${corpusPath} (set PARSER_CORPUS)`);
    return null;
  }
  const misses = options.misses ?? parseMissesSpec(process.env.PARSER_MISSES);
  const only = options.only ?? process.env.PARSER_ONLY?.split(',').map((s) => s.trim());
  const timing = options.timingSeconds ?? Number(process.env.PARSER_TIMING_SECONDS ?? 1);
  const result = await runParserAccuracy({
    ...options,
    root,
    corpusPath,
    split,
    misses,
    timingSeconds: timing,
    ...(only ? { only } : {}),
  });
  printMisses(result.misses);
  return result.figures;
}

const corpusFor = (root: string, split: Choice) =>
  join(root, `bench/parser-corpus/${split.startsWith('holdout') ? 'holdout' : 'corpus'}.json`);

const CHOICES: readonly Choice[] = ['all', 'dev', 'test', 'holdout', 'holdout-dev', 'holdout-test'];
function splitFrom(v: string | undefined): Choice {
  if (v === undefined || v === '') return 'all';
  if (oneOf(CHOICES, v)) return v;
  throw new Error(`split must be one of ${CHOICES.join(', ')}, not ${v}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Printing.

const HEADERS: Record<Column, string> = {
  episodes: 'episodes',
  packs: 'packs',
  quality: 'quality',
  res: '(res)',
  src: '(src)',
  films: 'films',
  titles: 'titles',
  group: 'group',
};
const ORDER: Column[] = ['episodes', 'packs', 'quality', 'res', 'src', 'films', 'titles', 'group'];

export function printParserAccuracy(figures: AccuracyFigures): void {
  console.log(
    `\nRelease parser accuracy (${figures.entries} names, split ${figures.split}; corpus ${figures.corpus})`,
  );
  const pct = (p: number | null) => (p === null ? 'n/a' : `${p.toFixed(1)}%`);
  const width = 9;
  const nameWidth = Math.max(34, ...figures.parsers.map((p) => `${p.name} ${p.version}`.length + 1));
  const pooled = figures.parsers[0]?.overall.total ?? CATEGORIES.reduce((n, c) => n + figures.counts[c], 0);
  const head = ORDER.map((c) => HEADERS[c].padStart(width)).join('');
  const count = ORDER.map((c) => `n=${figures.counts[c]}`.padStart(width)).join('');
  console.log(`${'parser'.padEnd(nameWidth)}${head}${'overall'.padStart(width)}${'titles/s'.padStart(11)}`);
  console.log(`${''.padEnd(nameWidth)}${count}${`n=${pooled}`.padStart(width)}`);
  for (const p of figures.parsers) {
    const cells = ORDER.map((c) => pct(p.percent[c]).padStart(width)).join('');
    const tps = p.titlesPerSecond === null ? '-' : String(p.titlesPerSecond);
    const errors = p.errors > 0 ? `   (${p.errors} names threw)` : '';
    console.log(
      `${`${p.name} ${p.version}`.padEnd(nameWidth)}${cells}${pct(p.overall.percent).padStart(width)}${tps.padStart(11)}${errors}`,
    );
  }
  for (const u of figures.unavailable) console.log(`  (${u.name} not run: ${u.reason})`);
  console.log(
    '  overall pools every check except (res) and (src); titles/s: one core, full passes over the names',
  );
}

export function printMisses(misses: Miss[]): void {
  const parsers = [...new Set(misses.map((m) => m.parser))];
  const sorted = [...misses].sort(
    (a, b) =>
      parsers.indexOf(a.parser) - parsers.indexOf(b.parser) ||
      ORDER.indexOf(a.column) - ORDER.indexOf(b.column),
  );
  let heading = '';
  for (const m of sorted) {
    const h = `${m.parser} ${m.column}`;
    if (h !== heading) {
      heading = h;
      const n = sorted.filter((x) => x.parser === m.parser && x.column === m.column).length;
      console.log(`\nMisses: ${h} (${n})`);
    }
    console.log(
      `  ${JSON.stringify(m.name)}  [${m.origin}]\n      expected ${m.expected}\n      got      ${m.got}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Command line (when bundled on its own as parser-accuracy.mjs).

async function cli(args: string[]): Promise<void> {
  const value = (flag: string) => args.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
  const positional = args.find((a) => !a.startsWith('--'));
  const only = value('parsers') ?? process.env.PARSER_ONLY;
  const figures = await parserAccuracy({
    split: splitFrom(positional ?? process.env.PARSER_SPLIT),
    misses: parseMissesSpec(value('misses') ?? process.env.PARSER_MISSES),
    ...(only ? { only: only.split(',').map((s) => s.trim()) } : {}),
  });
  if (!figures) {
    process.exitCode = 1;
    return;
  }
  printParserAccuracy(figures);
  if (args.includes('--json')) console.log(JSON.stringify({ parserAccuracy: figures }));
}

if (/parser-accuracy\.m?js$/.test(process.argv[1] ?? '')) {
  await cli(process.argv.slice(2));
}
