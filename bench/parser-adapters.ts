import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReleaseSource, Resolution } from '@sokoul/contracts';
import { parseRelease } from '../torrent-node/src/search/release.js';

/**
 * Adapters for the release-name accuracy bench (bench/parser-accuracy.ts): Sokoul's parser and four public ones, each
 * mapped to one common shape with the same rules. The libraries are loaded at run time from `PARSER_LIBS_DIR` (a
 * directory holding node_modules, or a node_modules directory), else from the node_modules found walking up from the
 * project root, so the bench runs both against a scratch install and once they are devDependencies. Their output is
 * `unknown` here and narrowed field by field: nothing typed `any` crosses into the bench.
 */

/** The answers compared are the contracts' own values. */
export const RESOLUTIONS = Resolution.options;
export type CommonResolution = Resolution;
export const SOURCES = ReleaseSource.options;
export type CommonSource = ReleaseSource;

export interface CommonRelease {
  title: string | null;
  year: number | null;
  seasons: number[];
  episodes: number[];
  fullSeason: boolean;
  absoluteEpisodes: number[];
  /** YYYY-MM-DD. */
  airDate: string | null;
  resolution: CommonResolution | null;
  source: CommonSource | null;
  group: string | null;
}

export interface ParserAdapter {
  /** Short id used on the command line (`PARSER_MISSES=guessit:films`). */
  id: string;
  /** npm package name, or "sokoul". */
  name: string;
  version: string;
  parse(release: string): CommonRelease | Promise<CommonRelease>;
}

// ---------------------------------------------------------------------------------------------------------------
// Narrowing helpers for library output.

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const asList = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

function str(v: unknown): string | null {
  const first = asList(v)[0];
  if (typeof first !== 'string') return null;
  const trimmed = first.trim();
  return trimmed === '' ? null : trimmed;
}

function strings(v: unknown): string[] {
  return asList(v).filter((x): x is string => typeof x === 'string');
}

function int(v: unknown): number | null {
  const first = asList(v)[0];
  if (typeof first === 'number' && Number.isInteger(first)) return first;
  if (typeof first === 'string' && /^\d+$/.test(first.trim())) return Number(first);
  return null;
}

function ints(v: unknown): number[] {
  const out: number[] = [];
  for (const x of asList(v)) {
    if (typeof x === 'number' && Number.isInteger(x)) out.push(x);
    else if (typeof x === 'string' && /^\d+$/.test(x.trim())) out.push(Number(x));
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A Date, or a "YYYY-MM-DD" string, to YYYY-MM-DD. Dates built at UTC midnight read in UTC, others in local time. */
function isoDate(v: unknown): string | null {
  const first = asList(v)[0];
  if (first instanceof Date && !Number.isNaN(first.getTime())) {
    const utc = first.getUTCHours() === 0 && first.getUTCMinutes() === 0 && first.getUTCSeconds() === 0;
    return utc
      ? `${first.getUTCFullYear()}-${pad(first.getUTCMonth() + 1)}-${pad(first.getUTCDate())}`
      : `${first.getFullYear()}-${pad(first.getMonth() + 1)}-${pad(first.getDate())}`;
  }
  if (typeof first === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(first)) return first;
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// The mapping rules, shared by every adapter.

const key = (label: string) => label.toLowerCase().replace(/[^a-z0-9]/g, '');

const HEIGHTS: Record<string, CommonResolution> = {
  '2160': '2160p',
  '1080': '1080p',
  '720': '720p',
  '576': '576p',
  '480': '480p',
  '360': '480p',
  '240': '480p',
};

/**
 * Resolution labels: 2160/1080/720/576/480 with p or i; 360p, 240p and SD are 480p; 4K and UHD are 2160p; FHD is
 * 1080p; WxH by its height. Anything else (540p, 1440p, 8K) is no answer.
 */
export function mapResolution(label: string | null): CommonResolution | null {
  if (label === null) return null;
  const k = key(label);
  if (k === '4k' || k === 'uhd' || k === '2160') return '2160p';
  if (k === 'fhd') return '1080p';
  if (k === 'sd') return '480p';
  const progressive = /^(\d{3,4})[pi]$/.exec(k);
  if (progressive) return HEIGHTS[progressive[1] ?? ''] ?? null;
  const wxh = /^\d{3,4}x(\d{3,4})$/.exec(k);
  if (wxh) return HEIGHTS[wxh[1] ?? ''] ?? null;
  return null;
}

const SOURCE_LABELS: Record<string, CommonSource> = {};
const labels = (source: CommonSource, ...names: string[]) => {
  for (const n of names) SOURCE_LABELS[n] = source;
};
labels('CAM', 'cam', 'hdcam', 'camrip', 'camera', 'hdcamera');
labels('TS', 'ts', 'hdts', 'telesync', 'hdtelesync', 'tsrip');
labels('TC', 'tc', 'hdtc', 'telecine', 'hdtelecine');
labels('SCR', 'scr', 'screener', 'dvdscr', 'bdscr', 'vhsscr');
labels('DVD', 'dvd', 'dvdrip', 'dvdr');
// TV family: how Sonarr and Radarr file PDTV, DSR, SDTV, satellite and pay-per-view.
labels(
  'HDTV',
  'hdtv',
  'hdtvrip',
  'pdtv',
  'sdtv',
  'tv',
  'tvrip',
  'dsr',
  'dsrip',
  'satrip',
  'satellite',
  'digitalsatellite',
  'digitaltv',
  'ultrahdtv',
  'analoghdtv',
  'payperview',
  'ppv',
  'ppvrip',
);
labels('WEB-DL', 'web', 'webdl', 'webhd');
labels('WEBRip', 'webrip', 'webcap', 'webdlrip');
labels('BluRay', 'bluray', 'bdrip', 'brrip', 'ultrahdbluray', 'bd', 'blurayremux');
labels('Remux', 'remux');

export interface SourceHints {
  /** The parser flags a remux (guessit other: Remux, PTT "BluRay REMUX"/remux, VFP modifier REMUX). */
  remux?: boolean;
  /** The parser flags a rip (guessit other: Rip): a web source becomes WEBRip. */
  rip?: boolean;
  /** The parser flags a screener (guessit other: Screener, VFP SCREENER): SCR whatever the source. */
  screener?: boolean;
}

/**
 * Source labels, compared lower-case without punctuation ("Blu-ray", "WEB-DL", "HD Camera"). Unmapped labels (HDRip,
 * UHDRip, WEBMux, XviD, R5, VHS, HD-DVD, workprint, NTSC/PAL…) are no answer. A remux flag turns a Blu-ray (or
 * missing) source into Remux; a rip flag turns a web source into WEBRip; a screener flag wins over everything.
 */
export function mapSource(label: string | null, hints: SourceHints = {}): CommonSource | null {
  if (hints.screener) return 'SCR';
  let source = label === null ? null : (SOURCE_LABELS[key(label)] ?? null);
  if (label !== null && /remux/i.test(label) && (source === 'BluRay' || source === null)) source = 'Remux';
  if (hints.remux && (source === 'BluRay' || source === null)) source = 'Remux';
  if (hints.rip && source === 'WEB-DL') source = 'WEBRip';
  return source;
}

/** A full-season flag, or a "complete" flag on a release that names seasons and no episodes. */
const fullSeasonOf = (flag: boolean, complete: boolean, seasons: number[], episodes: number[]) =>
  flag || (complete && seasons.length > 0 && episodes.length === 0);

// ---------------------------------------------------------------------------------------------------------------
// Adapters.

export function sokoulAdapter(): ParserAdapter {
  return {
    id: 'sokoul',
    name: 'sokoul',
    version: '(this checkout)',
    parse(release) {
      const p = parseRelease(release);
      return {
        title: p.title.trim() === '' ? null : p.title,
        year: p.year,
        seasons: p.seasons,
        episodes: p.episodes,
        fullSeason: p.fullSeason,
        absoluteEpisodes: p.absoluteEpisodes,
        airDate: p.airDate,
        resolution: mapResolution(p.resolution),
        source: mapSource(p.source),
        group: p.group === null || p.group.trim() === '' ? null : p.group,
      };
    },
  };
}

type Fn = (...args: unknown[]) => unknown;
const fn = (v: unknown): Fn | null => (typeof v === 'function' ? (v as Fn) : null);

/** An export of the module, or of its CommonJS `default`. */
function exported(mod: unknown, name: string): Fn | null {
  if (!isDict(mod)) return null;
  return fn(mod[name]) ?? (isDict(mod.default) ? fn(mod.default[name]) : null);
}

function need(mod: unknown, pkg: string, name: string): Fn {
  const f = exported(mod, name);
  if (!f) throw new Error(`${pkg} exports no function ${name}`);
  return f;
}

function guessitAdapter(mod: unknown, version: string): ParserAdapter {
  const guessit = need(mod, 'guessit-js', 'guessit');
  return {
    id: 'guessit',
    name: 'guessit-js',
    version,
    parse(release) {
      const r = guessit(release);
      const g: Dict = isDict(r) ? r : {};
      const other = strings(g.other).map(key);
      const seasons = ints(g.season);
      const episodes = ints(g.episode);
      return {
        title: str(g.title),
        year: int(g.year),
        seasons,
        episodes,
        fullSeason: fullSeasonOf(false, other.includes('complete'), seasons, episodes),
        absoluteEpisodes: ints(g.absolute_episode),
        airDate: isoDate(g.date),
        resolution: mapResolution(str(g.screen_size)),
        source: mapSource(str(g.source), {
          remux: other.includes('remux'),
          rip: other.includes('rip'),
          screener: other.includes('screener'),
        }),
        group: str(g.release_group),
      };
    },
  };
}

function vfpAdapter(mod: unknown, version: string): ParserAdapter {
  const pkg = '@ctrl/video-filename-parser';
  const filenameParse = need(mod, pkg, 'filenameParse');
  const parseQuality = need(mod, pkg, 'parseQuality');
  return {
    id: 'vfp',
    name: pkg,
    version,
    parse(release) {
      // filenameParse needs to be told whether the name is TV. TV mode is tried first; it is kept when it finds
      // TV numbering, unless that numbering is just the movie-mode year read as SSEE ("Movie.1999…" → S19E99).
      const tvRaw = filenameParse(release, true);
      let r: Dict = isDict(tvRaw) ? tvRaw : {};
      if (r.isTv === true) {
        const movieRaw = filenameParse(release, false);
        const movie: Dict = isDict(movieRaw) ? movieRaw : {};
        const s = ints(r.seasons);
        const e = ints(r.episodeNumbers);
        const year = str(movie.year);
        if (year !== null && s.length === 1 && e.length === 1 && `${s[0]}${pad(e[0] ?? 0)}` === year)
          r = movie;
      } else {
        const movieRaw = filenameParse(release, false);
        r = isDict(movieRaw) ? movieRaw : {};
      }
      const quality = parseQuality(release);
      const modifier = isDict(quality) ? str(quality.modifier) : null;
      const sources = strings(r.sources);
      const seasons = ints(r.seasons);
      const episodes = ints(r.episodeNumbers);
      return {
        title: str(r.title),
        year: int(r.year),
        seasons,
        episodes,
        fullSeason: fullSeasonOf(r.fullSeason === true, r.complete === true, seasons, episodes),
        absoluteEpisodes: [], // VFP puts absolute numbers in episodeNumbers, with no season.
        airDate: isoDate(r.airDate),
        resolution: mapResolution(str(r.resolution)),
        source: mapSource(sources.find((s) => key(s) !== 'screener') ?? null, {
          remux: modifier === 'REMUX',
          screener: sources.some((s) => key(s) === 'screener'),
        }),
        group: str(r.group),
      };
    },
  };
}

/** @viren070/parse-torrent-title (a port of go-ptt) and parse-torrent-title share a family of labels. */
function virenAdapter(mod: unknown, version: string): ParserAdapter {
  const parse = need(mod, '@viren070/parse-torrent-title', 'parseTorrentTitle');
  return {
    id: 'viren-ptt',
    name: '@viren070/parse-torrent-title',
    version,
    parse(release) {
      const raw = parse(release);
      const r: Dict = isDict(raw) ? raw : {};
      const seasons = ints(r.seasons);
      const episodes = ints(r.episodes);
      return {
        title: str(r.title),
        year: int(r.year),
        seasons,
        episodes,
        fullSeason: fullSeasonOf(false, r.complete === true, seasons, episodes),
        absoluteEpisodes: [],
        airDate: isoDate(r.date),
        resolution: mapResolution(str(r.resolution)),
        source: mapSource(str(r.quality)),
        group: str(r.group),
      };
    },
  };
}

function pttAdapter(mod: unknown, version: string): ParserAdapter {
  const parse = need(mod, 'parse-torrent-title', 'parse');
  return {
    id: 'ptt',
    name: 'parse-torrent-title',
    version,
    parse(release) {
      const raw = parse(release);
      const r: Dict = isDict(raw) ? raw : {};
      // One season and one episode at most (season/episode); its *list fields hold rival matches, not ranges.
      const seasons = ints(r.season);
      const episodes = ints(r.episode);
      return {
        title: str(r.title),
        year: int(r.year),
        seasons,
        episodes,
        fullSeason: false,
        absoluteEpisodes: [],
        airDate: null,
        resolution: mapResolution(str(r.resolution)),
        source: mapSource(str(r.source), { remux: r.remux === true }),
        group: str(r.group),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Loading.

const LIBRARIES: { id: string; pkg: string; make: (mod: unknown, version: string) => ParserAdapter }[] = [
  { id: 'guessit', pkg: 'guessit-js', make: guessitAdapter },
  { id: 'vfp', pkg: '@ctrl/video-filename-parser', make: vfpAdapter },
  { id: 'viren-ptt', pkg: '@viren070/parse-torrent-title', make: virenAdapter },
  { id: 'ptt', pkg: 'parse-torrent-title', make: pttAdapter },
];

/** The node_modules directories to look in: PARSER_LIBS_DIR, else Node's walk up from the project root. */
function moduleDirs(root: string, libsDir: string | undefined): string[] {
  if (libsDir) {
    const dir = resolve(libsDir);
    return [existsSync(join(dir, 'node_modules')) ? join(dir, 'node_modules') : dir];
  }
  const dirs: string[] = [];
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    dirs.push(join(dir, 'node_modules'));
    if (dirname(dir) === dir) return dirs;
  }
}

/** The ESM entry of an installed package: exports["."] (import, then default), then module, then main. */
function entryOf(pkgDir: string, manifest: Dict): string {
  const pick = (v: unknown): string | null => {
    if (typeof v === 'string') return v;
    if (!isDict(v)) return null;
    return pick(v['.']) ?? pick(v.import) ?? pick(v.node) ?? pick(v.default);
  };
  const rel = pick(manifest.exports) ?? str(manifest.module) ?? str(manifest.main) ?? 'index.js';
  return join(pkgDir, rel);
}

export interface LoadedAdapters {
  adapters: ParserAdapter[];
  unavailable: { name: string; reason: string }[];
}

/** Sokoul's adapter and each installed library's; `only` (adapter ids) skips the others without loading them. */
export async function loadAdapters(
  options: { root?: string; libsDir?: string | undefined; only?: string[] | undefined } = {},
): Promise<LoadedAdapters> {
  const dirs = moduleDirs(options.root ?? process.cwd(), options.libsDir ?? process.env.PARSER_LIBS_DIR);
  const wanted = (id: string) => !options.only || options.only.includes(id);
  const adapters: ParserAdapter[] = wanted('sokoul') ? [sokoulAdapter()] : [];
  const unavailable: LoadedAdapters['unavailable'] = [];
  for (const { id, pkg, make } of LIBRARIES) {
    if (!wanted(id)) continue;
    const pkgDir = dirs.map((d) => join(d, pkg)).find((d) => existsSync(join(d, 'package.json')));
    if (!pkgDir) {
      unavailable.push({ name: pkg, reason: `not installed under ${dirs[0] ?? '?'}` });
      continue;
    }
    try {
      const parsed: unknown = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
      const manifest: Dict = isDict(parsed) ? parsed : {};
      // A computed specifier: esbuild leaves the import to Node, so the libraries need not be bundled or listed.
      const mod: unknown = await import(pathToFileURL(entryOf(pkgDir, manifest)).href);
      adapters.push(make(mod, str(manifest.version) ?? '?'));
    } catch (error) {
      unavailable.push({ name: pkg, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { adapters, unavailable };
}
