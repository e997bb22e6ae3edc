import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type {
  FileProbe,
  SubtitleCandidate,
  SubtitleSearchResult,
  TorrentNodeConfig,
} from '@sokoul/contracts';
import { type Db, mediaTitle, streamTag } from '@sokoul/db';
import { LRUCache } from 'lru-cache';
import { episodeOfFile } from '../downloads/import.js';
import { findFfmpeg } from '../downloads/probe.js';
import type { Logger } from '../log.js';
import { moviehash } from './moviehash.js';
import {
  createOpenSubtitlesClient,
  type FoundSubtitle,
  notConfigured,
  type SearchParams,
} from './opensubtitles.js';
import {
  DEMUXERS,
  decodeSubtitle,
  isoLanguage,
  keptName,
  parseSidecar,
  type SidecarFile,
  sidecarFiles,
} from './subtitle-files.js';
import { type ServedFile, StreamError, type SubtitleService, type SubtitleTrackInfo } from './types.js';

/*
 * A file's subtitles: text and picture tracks inside it (from its probe), subtitle files beside it,
 * and OpenSubtitles (searched by the file's moviehash, then by the title's ids; downloads are kept
 * beside the file, so they are sidecars from then on). WebVTT is made by ffmpeg once per track and
 * kept under CACHE_DIR/subtitles.
 */

/** ffprobe's codec names, and the words the probe maps them to (probe.ts), for embedded tracks. */
const TEXT_CODECS: Record<string, string> = {
  subrip: 'subrip',
  srt: 'subrip',
  SRT: 'subrip',
  ass: 'ass',
  ASS: 'ass',
  ssa: 'ssa',
  SSA: 'ssa',
  webvtt: 'webvtt',
  WebVTT: 'webvtt',
  mov_text: 'mov_text',
  TX3G: 'mov_text',
  text: 'text',
};
const PICTURE_CODECS: Record<string, string> = {
  hdmv_pgs_subtitle: 'hdmv_pgs_subtitle',
  PGS: 'hdmv_pgs_subtitle',
  dvd_subtitle: 'dvd_subtitle',
  VobSub: 'dvd_subtitle',
  dvb_subtitle: 'dvb_subtitle',
  DVB: 'dvb_subtitle',
  xsub: 'xsub',
};

/** Extraction reads the whole file: through the stream server it waits for every piece. */
const EXTRACT_TIMEOUT_MS = { complete: 5 * 60_000, downloading: 30 * 60_000 };
const MAX_VTT_BYTES = 32 * 1024 * 1024;
/** Below this many moviehash matches, the title's ids fill the list up. */
const FILL_UP = 10;
const MAX_CANDIDATES = 50;

const HEARING_IMPAIRED_TITLE = /\b(sdh|cc|hearing[ -]impaired|malentendants?)\b/i;

function embeddedTracks(probe: FileProbe | null): SubtitleTrackInfo[] {
  return (probe?.subtitleTracks ?? []).map((t) => {
    const text = t.codec ? TEXT_CODECS[t.codec] : undefined;
    return {
      id: `e-${t.index}`,
      source: 'embedded',
      language: t.language ? isoLanguage(t.language) : null,
      label: t.title,
      format: text ?? (t.codec ? (PICTURE_CODECS[t.codec] ?? t.codec) : 'unknown'),
      forced: t.forced,
      hearingImpaired: HEARING_IMPAIRED_TITLE.test(t.title ?? ''),
      convertible: text !== undefined,
    };
  });
}

/** Runs ffmpeg for WebVTT on stdout; `input` goes to its stdin (read when an input is `pipe:0`). */
function runFfmpeg(ffmpeg: string, args: string[], timeoutMs: number, input?: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(ffmpeg, ['-nostdin', '-v', 'error', ...args], { stdio: 'pipe' });
    const out: Buffer[] = [];
    let size = 0;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_VTT_BYTES) child.kill('SIGKILL');
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString('utf8');
      if (code === 0 && text.startsWith('WEBVTT')) resolvePromise(text);
      else reject(new Error(`ffmpeg ${signal ? `killed (${signal})` : `exited ${code}`}: ${stderr.trim()}`));
    });
    // ffmpeg may stop reading early (a bad file): its exit code tells, not the pipe.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '', 'utf8');
  });
}

const safe = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '_');

export function createSubtitleService(deps: {
  db: Db;
  config: TorrentNodeConfig;
  log: Logger;
  fetch?: typeof fetch;
}): SubtitleService {
  const { db, config } = deps;
  const log = deps.log.child({ part: 'subtitles' });
  // Made again when an admin changes the OpenSubtitles settings at run time (the client keeps its login).
  const credentials = () =>
    [config.OPENSUBTITLES_API_KEY, config.OPENSUBTITLES_USERNAME, config.OPENSUBTITLES_PASSWORD].join(
      '\u0000',
    );
  let client = createOpenSubtitlesClient({ config, log, fetch: deps.fetch });
  let clientFor = credentials();
  const current = () => {
    if (clientFor !== credentials()) {
      client = createOpenSubtitlesClient({ config, log, fetch: deps.fetch });
      clientFor = credentials();
    }
    return client;
  };
  const cacheDir = join(resolve(config.CACHE_DIR), 'subtitles');
  /** One ffmpeg per track at a time; others wait for its answer. */
  const extracting = new Map<string, Promise<string>>();
  const keeping = new Map<string, Promise<SubtitleTrackInfo>>();
  const hashes = new LRUCache<string, string>({ max: 1000 });
  /** What searches said of each candidate, for the name its download is kept under. */
  const seen = new LRUCache<string, FoundSubtitle>({ max: 5000 });
  const defaultLanguages = () => [...new Set([config.TMDB_LANGUAGE.slice(0, 2).toLowerCase(), 'en'])];

  async function ffmpegPath(): Promise<string> {
    const path = await findFfmpeg(config.FFMPEG_PATH);
    if (!path) throw new StreamError(503, 'dependency_unavailable', 'ffmpeg is not installed');
    return path;
  }

  async function sidecars(file: ServedFile): Promise<SidecarFile[]> {
    try {
      return await sidecarFiles(file.realPath);
    } catch (error) {
      log.warn('subtitle files unreadable', { fileId: file.fileId, error: String(error) });
      return [];
    }
  }

  /** The cached WebVTT under `key`, made by `make` the first time. */
  function cached(key: string, make: () => Promise<string>): Promise<string> {
    const path = join(cacheDir, `${key}.vtt`);
    let pending = extracting.get(path);
    if (!pending) {
      pending = (async () => {
        const hit = await readFile(path, 'utf8').catch(() => null);
        if (hit !== null) return hit;
        const vtt = await make();
        await mkdir(cacheDir, { recursive: true });
        const partial = `${path}.${process.pid}.partial`;
        await writeFile(partial, vtt);
        await rename(partial, path);
        return vtt;
      })().finally(() => extracting.delete(path));
      extracting.set(path, pending);
    }
    return pending;
  }

  async function embeddedVtt(file: ServedFile, track: SubtitleTrackInfo): Promise<string> {
    const index = Number(track.id.slice(2));
    const ffmpeg = await ffmpegPath();
    return cached(`${file.fileId}-${safe(streamTag(file))}-${index}`, async () => {
      // A file still downloading is read through the stream server, whose reads wait for pieces.
      const input = file.complete ? `file:${file.realPath}` : file.internalUrl;
      const timeout = file.complete ? EXTRACT_TIMEOUT_MS.complete : EXTRACT_TIMEOUT_MS.downloading;
      return runFfmpeg(
        ffmpeg,
        ['-i', input, '-map', `0:${index}`, '-c:s', 'webvtt', '-f', 'webvtt', 'pipe:1'],
        timeout,
      );
    });
  }

  async function sidecarVtt(file: ServedFile, sidecar: SidecarFile): Promise<string> {
    const demuxer = DEMUXERS[sidecar.track.format];
    if (!demuxer) throw new StreamError(409, 'subtitle_not_convertible', 'This subtitle is a picture format');
    const ffmpeg = await ffmpegPath();
    const { mtimeMs, size } = await stat(sidecar.path);
    const version = `${Math.trunc(mtimeMs).toString(36)}${size.toString(36)}`;
    return cached(`${file.fileId}-${safe(streamTag(file))}-${sidecar.track.id}-${version}`, async () => {
      // Decoded here rather than with ffmpeg's -sub_charenc: UTF-16 goes wrong there, and the
      // static ffmpeg builds may lack iconv. ffmpeg then reads UTF-8 on stdin.
      const text = decodeSubtitle(await readFile(sidecar.path));
      return runFfmpeg(
        ffmpeg,
        ['-f', demuxer, '-i', 'pipe:0', '-c:s', 'webvtt', '-f', 'webvtt', 'pipe:1'],
        EXTRACT_TIMEOUT_MS.complete,
        text,
      );
    });
  }

  /** OpenSubtitles' ids of the file's title: a film's TMDB id, an episode's series, season and number. */
  async function titleParams(file: ServedFile): Promise<SearchParams | null> {
    const target = await mediaTitle(db, file.mediaId);
    if (!target) return null;
    if (target.mediaType === 'movie')
      return target.tmdbId === null ? null : { tmdb_id: target.tmdbId, type: 'movie' };
    let series = target.parent?.tmdbId ?? null;
    let season = target.seasonNumber;
    let episode = target.episodeNumber;
    if (target.mediaType === 'tv' && file.kind === 'download') {
      // A download names the series; the episode is the one asked for, or the one the file's name says.
      series = target.tmdbId;
      season = file.seasonNumber;
      episode = file.episodeNumber;
      if (episode === null) {
        const ref = episodeOfFile(basename(file.path), {
          downloadName: file.name,
          season: file.seasonNumber,
          onlySeason: null,
          aloneInFolder: false,
        });
        season = ref?.season ?? season;
        episode = ref?.episodes.length === 1 ? (ref.episodes[0] ?? null) : null;
      }
    }
    if (series === null || season === null || episode === null) return null;
    return { parent_tmdb_id: series, season_number: season, episode_number: episode, type: 'episode' };
  }

  async function fileHash(file: ServedFile): Promise<string | null> {
    const key = `${file.fileId}:${streamTag(file)}`;
    const known = hashes.get(key);
    if (known) return known;
    try {
      const hash = await moviehash(file);
      hashes.set(key, hash);
      return hash;
    } catch (error) {
      log.warn('moviehash unreadable', { fileId: file.fileId, error: String(error) });
      return null;
    }
  }

  function languageList(languages: string[]): string[] {
    const wanted = languages
      .map((l) => l.trim().toLowerCase())
      .filter((l) => /^[a-z]{2}(-[a-z]{2})?$/.test(l));
    return wanted.length ? [...new Set(wanted)] : defaultLanguages();
  }

  async function search(file: ServedFile, requested: string[]): Promise<SubtitleSearchResult> {
    // Before reading the file for its hash.
    if (!current().configured) throw notConfigured();
    const languages = languageList(requested);
    // OpenSubtitles wants the list sorted; the user's order ranks the answers.
    const query = { languages: [...languages].sort().join(',') };
    const found: FoundSubtitle[] = [];
    const hash = await fileHash(file);
    if (hash) found.push(...(await current().search({ ...query, moviehash: hash })));
    if (found.length < FILL_UP) {
      const params = await titleParams(file);
      if (params) {
        try {
          found.push(...(await current().search({ ...query, ...params })));
        } catch (error) {
          // The moviehash answers are still worth showing.
          if (!found.length || !(error instanceof StreamError)) throw error;
          log.warn('subtitle search by title failed', { fileId: file.fileId, code: error.code });
        }
      }
    }
    const byFile = new Map<number, FoundSubtitle>();
    for (const f of found) {
      const before = byFile.get(f.fileId);
      byFile.set(f.fileId, before ? { ...before, hashMatch: before.hashMatch || f.hashMatch } : f);
    }
    const kept = new Set((await sidecars(file)).map((s) => s.providerFileId).filter((id) => id !== null));
    // The user's order; `pt-br` ranks as `pt` when only that was asked for; others after.
    const rank = (f: FoundSubtitle) => {
      const at = [f.language, f.language?.slice(0, 2)]
        .map((l) => languages.indexOf(l ?? ''))
        .find((i) => i >= 0);
      return at ?? languages.length;
    };
    const candidates: SubtitleCandidate[] = [...byFile.values()]
      .sort(
        (a, b) =>
          Number(b.hashMatch) - Number(a.hashMatch) || rank(a) - rank(b) || b.downloadCount - a.downloadCount,
      )
      .slice(0, MAX_CANDIDATES)
      .map((f) => {
        seen.set(`${file.fileId}:${f.fileId}`, f);
        return {
          providerFileId: f.fileId,
          language: f.language,
          release: f.release,
          hearingImpaired: f.hearingImpaired,
          forced: f.forced,
          downloadCount: f.downloadCount,
          hashMatch: f.hashMatch,
          stored: kept.has(f.fileId),
        };
      });
    return { candidates, quota: current().quota() };
  }

  async function keep(file: ServedFile, providerFileId: number): Promise<SubtitleTrackInfo> {
    const already = (await sidecars(file)).find((s) => s.providerFileId === providerFileId);
    if (already) return already.track;
    let meta = seen.get(`${file.fileId}:${providerFileId}`);
    if (!meta) {
      // Not searched since this process started: search again for its language and flags.
      await search(file, []).catch(() => undefined);
      meta = seen.get(`${file.fileId}:${providerFileId}`);
    }
    const bytes = await current().download(providerFileId);
    if (!decodeSubtitle(bytes).includes('-->'))
      throw new StreamError(
        502,
        'subtitles_unavailable',
        'OpenSubtitles sent something that is not a subtitle',
      );
    const name = keptName(file.realPath, providerFileId, {
      language: meta?.language ?? null,
      forced: meta?.forced ?? false,
      hearingImpaired: meta?.hearingImpaired ?? false,
    });
    const path = join(dirname(file.realPath), name);
    // Hidden while written: a half-written file never lists as a track.
    const partial = join(dirname(file.realPath), `.${name}.${process.pid}.partial`);
    try {
      await writeFile(partial, bytes);
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      log.error('subtitle not kept', { fileId: file.fileId, error: String(error) });
      throw new StreamError(
        503,
        'dependency_unavailable',
        'The subtitle could not be written beside the file',
      );
    }
    log.info('subtitle kept', { fileId: file.fileId, providerFileId, name });
    const sidecar = parseSidecar(file.realPath, name);
    if (!sidecar) throw new Error(`kept subtitle ${name} does not parse`);
    return sidecar.track;
  }

  /** Every failure leaves as a StreamError: anything else is a bug, logged and answered 500. */
  async function guarded<T>(what: string, file: ServedFile, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof StreamError) throw error;
      log.error(`subtitles ${what} failed`, { fileId: file.fileId, error: String(error) });
      throw new StreamError(500, 'internal', `Subtitles: ${what} failed`);
    }
  }

  return {
    list: (file, probe) =>
      guarded('list', file, async () => [
        ...embeddedTracks(probe),
        ...(await sidecars(file)).map((s) => s.track),
      ]),

    vtt: (file, trackId, probe) =>
      guarded('conversion', file, async () => {
        const embedded = embeddedTracks(probe).find((t) => t.id === trackId);
        const sidecar = embedded ? undefined : (await sidecars(file)).find((s) => s.track.id === trackId);
        const track = embedded ?? sidecar?.track;
        if (!track) throw new StreamError(404, 'not_found', 'Subtitle not found');
        if (!track.convertible)
          throw new StreamError(409, 'subtitle_not_convertible', 'This subtitle is a picture format');
        try {
          return sidecar ? await sidecarVtt(file, sidecar) : await embeddedVtt(file, track);
        } catch (error) {
          if (error instanceof StreamError) throw error;
          log.warn('subtitle conversion failed', { fileId: file.fileId, trackId, error: String(error) });
          throw new StreamError(503, 'dependency_unavailable', 'The subtitle could not be converted');
        }
      }),

    search: (file, languages) => guarded('search', file, () => search(file, languages)),

    download: (file, providerFileId) => {
      const key = `${file.fileId}:${providerFileId}`;
      let pending = keeping.get(key);
      if (!pending) {
        pending = guarded('download', file, () => keep(file, providerFileId)).finally(() =>
          keeping.delete(key),
        );
        keeping.set(key, pending);
      }
      return pending;
    },

    quota: () => current().quota(),
  };
}
