import { stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, relative, sep } from 'node:path';
import type { DownloadErrorCode, DownloadFile, TorrentNodeConfig } from '@sokoul/contracts';
import {
  type Db,
  type EngineRow,
  type ImportTarget,
  importTarget,
  insertFile,
  type ProbedFile,
  setFileRole,
} from '@sokoul/db';
import type { Logger } from '../log.js';
import { normalizeTitle, parseRelease } from '../search/release.js';
import { episodePlace, filmPlace, type LibraryPlace, placeInLibrary } from './layout.js';
import { containerFromExtension, findFfprobe, type ProbeResult, probeFile } from './probe.js';

/*
 * The import step of a completed download: which files are the film or the episodes, what they
 * are (ffprobe), where they go (LIBRARY_DIR), recorded as `media_files` and as each download
 * file's role. Running it again on the same download changes nothing (rows are upserted by path,
 * library files already in place are reused).
 *
 * Multi-episode files (S01E01E02, S01E01-E03): a file is one `media_files` row (paths are unique),
 * so it is attached to one episode: the one the download was for when the file covers it, else the
 * first of its episodes the series has. Its library name still says the whole range (S01E01-E02).
 */

/** A failure the engine records on the download (`download.failed` carries the code). */
export class DownloadImportError extends Error {
  override readonly name = 'DownloadImportError';
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ImportDeps {
  db: Db;
  config: TorrentNodeConfig;
  log: Logger;
}

export interface ImportFile {
  index: number;
  /** Absolute. */
  path: string;
  sizeBytes: number;
}

type Role = NonNullable<DownloadFile['role']>;

export const VIDEO_EXTENSIONS = new Set([
  'mkv',
  'mk3d',
  'mp4',
  'm4v',
  'avi',
  'divx',
  'mov',
  'webm',
  'ts',
  'm2ts',
  'mts',
  'wmv',
  'asf',
  'mpg',
  'mpeg',
  'flv',
  'ogv',
  'ogm',
  '3gp',
]);

export const isVideo = (path: string) => VIDEO_EXTENSIONS.has(extname(path).slice(1).toLowerCase());

/** Folders that hold a release's bonus material (Plex's extras folder names and the scene's). */
const EXTRA_FOLDERS =
  /^(?:extras?|featurettes?|bonus(?:es| features)?|behind the scenes|deleted scenes|interviews?|trailers?|shorts|scenes|others?|making of|bloopers)$/;
const SAMPLE_FOLDERS = /^(?:samples?|proof)$/;
/** Words in a file name (its title words removed) that make it a sample or an extra. */
const SAMPLE_WORD = /(?:^| )sample(?: |$)/;
const EXTRA_WORDS =
  /(?:^| )(?:trailers?|teasers?|featurettes?|behind ?the ?scenes|making ?of|deleted ?scenes?|deleted|interviews?|bloopers?|gag ?reel|extras?|bonus)(?: |$)/;

/** Under this share of the biggest video, a video is a sample (films and series alike). */
export const SAMPLE_FRACTION = 0.1;
/** A film's second video under this share of the main one is bonus material, not a part. */
export const PART_FRACTION = 0.4;

/** The path inside the download (folders of the torrent, then the file), `/`-separated. */
function innerPath(file: ImportFile, roots: (string | null)[]): string {
  for (const root of roots) {
    if (!root) continue;
    const rel = relative(root, file.path);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
  }
  return `${basename(dirname(file.path))}/${basename(file.path)}`;
}

const stem = (name: string) => name.slice(0, name.length - extname(name).length);

/**
 * A name's words without the title's (normalised), so "Trailer Park Boys S01E01" or the film
 * "Sample" are not set aside for their own title.
 */
function wordsBeyondTitle(name: string, title: string): string {
  const words = normalizeTitle(name);
  const t = normalizeTitle(title);
  return t ? ` ${words} `.replace(` ${t} `, ' ').trim() : words;
}

/** Sample, extra, or a candidate video, by name and folder alone. */
export function roleByName(inner: string, title: string): 'sample' | 'extra' | 'video' | 'other' {
  if (!isVideo(inner)) return 'other';
  const parts = inner.split('/');
  const folders = parts.slice(0, -1).map((f) => normalizeTitle(f));
  if (folders.some((f) => SAMPLE_FOLDERS.test(f))) return 'sample';
  if (folders.some((f) => EXTRA_FOLDERS.test(f))) return 'extra';
  const words = wordsBeyondTitle(stem(parts[parts.length - 1] ?? ''), title);
  if (SAMPLE_WORD.test(words)) return 'sample';
  if (EXTRA_WORDS.test(words)) return 'extra';
  return 'video';
}

export interface EpisodeRef {
  season: number;
  episodes: number[];
}

const EPISODE_ALONE = /(?:^|[\s._-])(?:e|ep|episode|épisode)[\s._-]?(\d{1,3})(?=$|[\s._-])/i;
const LEADING_NUMBER = /^(\d{1,2})(?=$|[\s._-])/;

/**
 * The season and episodes a file's name says, with its folders and the download as context:
 * "Show.S01E02.mkv", "1x02", "S01E01E02"; "Saison 1/E02.mkv" or "Show.S01/02 - Title.mkv" take the
 * season from the folder (or the download's season, or the series' only season).
 */
export function episodeOfFile(
  inner: string,
  context: { downloadName: string; season: number | null; onlySeason: number | null; aloneInFolder: boolean },
): EpisodeRef | null {
  const parts = inner.split('/');
  const name = stem(parts[parts.length - 1] ?? '');
  const own = parseRelease(name);
  const ownSeason = own.seasons.length === 1 ? (own.seasons[0] ?? null) : null;
  if (ownSeason !== null && own.episodes.length > 0) return { season: ownSeason, episodes: own.episodes };

  const folders = parts.slice(0, -1).reverse();
  let season = ownSeason;
  for (const folder of folders) {
    const parsed = parseRelease(folder);
    if (parsed.seasons.length !== 1) continue;
    // "Show.S01E02.1080p/video.mkv": the folder names the episode, when it holds only this video.
    if (parsed.episodes.length > 0 && context.aloneInFolder && own.episodes.length === 0)
      return { season: parsed.seasons[0] ?? 0, episodes: parsed.episodes };
    season ??= parsed.seasons[0] ?? null;
    break;
  }
  if (season === null) {
    const fromDownload = parseRelease(context.downloadName);
    if (fromDownload.seasons.length === 1) season = fromDownload.seasons[0] ?? null;
  }
  season ??= context.season ?? context.onlySeason;
  if (season === null) return null;

  if (own.episodes.length > 0) return { season, episodes: own.episodes };
  const alone = EPISODE_ALONE.exec(name) ?? LEADING_NUMBER.exec(name);
  if (alone) return { season, episodes: [Number(alone[1])] };
  if (own.absoluteEpisodes.length > 0) return { season, episodes: own.absoluteEpisodes };
  return null;
}

/** "1080p BluRay" from the file's name, else its folders', else the download's. */
function qualityOf(inner: string, downloadName: string, probed: string | null) {
  const names = [
    ...inner
      .split('/')
      .reverse()
      .map((p, i) => (i === 0 ? stem(p) : p)),
    downloadName,
  ];
  const parsed = names.map((n) => parseRelease(n));
  const resolution = parsed.find((p) => p.resolution)?.resolution ?? probed;
  const source = parsed.find((p) => p.source)?.source ?? null;
  const edition = parsed.find((p) => p.edition)?.edition ?? null;
  return {
    resolution,
    quality: [resolution, source, edition].filter(Boolean).join(' ').slice(0, 64) || null,
  };
}

const PART = /(?:^|[\s._\-[(])(?:cd|part|pt|disc|disk)[\s._-]?(\d{1,2})(?=$|[\s._\-\])])/i;

interface Plan {
  file: ImportFile;
  inner: string;
  role: Role;
  /** For 'video': the film or episode it belongs to. */
  mediaId?: string;
  episode?: { season: number; episodes: number[]; title: string };
}

/** Decides every file's role and title, before touching anything. */
function plan(
  download: EngineRow,
  target: ImportTarget,
  files: ImportFile[],
  roots: (string | null)[],
): Plan[] {
  const series = target.type !== 'movie' || (download.season !== null && target.episodes.length > 0);
  const title = series ? (target.series?.title ?? target.title) : target.title;
  const plans: Plan[] = files.map((file) => {
    const inner = innerPath(file, roots);
    return { file, inner, role: roleByName(inner, title) };
  });
  const videos = plans.filter((p) => p.role === 'video');
  const biggest = Math.max(0, ...videos.map((p) => p.file.sizeBytes));

  if (!series) {
    for (const p of videos) {
      if (p.file.sizeBytes < biggest * SAMPLE_FRACTION) p.role = 'sample';
      else if (p.file.sizeBytes < biggest * PART_FRACTION) p.role = 'extra';
      else p.mediaId = target.mediaId;
    }
    return plans;
  }

  const seasons = new Set(target.episodes.map((e) => e.season));
  const onlySeason = seasons.size === 1 ? ([...seasons][0] ?? null) : null;
  const perFolder = new Map<string, number>();
  for (const p of videos) perFolder.set(dirname(p.inner), (perFolder.get(dirname(p.inner)) ?? 0) + 1);
  const wanted = target.type === 'episode' ? target.mediaId : null;
  const matches = new Map<Plan, { ref: EpisodeRef; id: string; title: string }>();
  for (const p of videos) {
    const ref = episodeOfFile(p.inner, {
      downloadName: download.name,
      season: download.season,
      onlySeason,
      aloneInFolder: perFolder.get(dirname(p.inner)) === 1,
    });
    if (!ref) continue;
    const found = ref.episodes
      .map((n) => target.episodes.find((e) => e.season === ref.season && e.episode === n))
      .filter((e) => e !== undefined);
    const chosen = found.find((e) => e.id === wanted) ?? found[0];
    if (chosen) matches.set(p, { ref, id: chosen.id, title: chosen.title });
  }
  // One video for one wanted episode: that is the episode, whatever the file is called.
  const wantedEpisode = wanted ? target.episodes.find((e) => e.id === wanted) : undefined;
  const main = videos.filter((p) => p.file.sizeBytes >= biggest * SAMPLE_FRACTION);
  if (wantedEpisode && main.length === 1 && main[0] && !matches.has(main[0])) {
    matches.set(main[0], {
      ref: { season: wantedEpisode.season, episodes: [wantedEpisode.episode] },
      id: wantedEpisode.id,
      title: wantedEpisode.title,
    });
  }
  for (const p of videos) {
    const match = matches.get(p);
    const small = p.file.sizeBytes < biggest * SAMPLE_FRACTION;
    // A small file is still an episode when no bigger file claims it (a short special).
    const claimedByBigger =
      match !== undefined &&
      videos.some((o) => o !== p && o.file.sizeBytes > p.file.sizeBytes && matches.get(o)?.id === match.id);
    if (small && (!match || claimedByBigger)) p.role = 'sample';
    else if (!match) p.role = 'unmatched';
    else {
      p.mediaId = match.id;
      p.episode = { season: match.ref.season, episodes: match.ref.episodes, title: match.title };
    }
  }
  return plans;
}

/**
 * The files to fetch when an engine can choose (Real-Debrid must; a client may): the film's video,
 * or the episode asked for out of a pack, without samples and extras. Every video when the one
 * asked for cannot be told apart by name, and every file when there is no video (the import then
 * says so), so a choice here never loses what the import would have taken.
 */
export function wantedFiles(
  files: { index: number; path: string; sizeBytes: number }[],
  download: { name: string; season: number | null; episode: number | null },
): number[] {
  const videos = files.filter((f) => roleByName(f.path, download.name) === 'video');
  if (videos.length === 0) return files.map((f) => f.index);
  const biggest = Math.max(...videos.map((f) => f.sizeBytes));
  const main = videos.filter((f) => f.sizeBytes >= biggest * SAMPLE_FRACTION);
  if (download.episode === null) return main.map((f) => f.index);
  const perFolder = new Map<string, number>();
  for (const f of main) perFolder.set(dirname(f.path), (perFolder.get(dirname(f.path)) ?? 0) + 1);
  const episode = main.filter((f) => {
    const ref = episodeOfFile(f.path, {
      downloadName: download.name,
      season: download.season,
      onlySeason: download.season,
      aloneInFolder: perFolder.get(dirname(f.path)) === 1,
    });
    return (
      ref !== null &&
      (download.season === null || ref.season === download.season) &&
      ref.episodes.includes(download.episode ?? -1)
    );
  });
  return (episode.length > 0 ? episode : main).map((f) => f.index);
}

function libraryPlace(
  libraryDir: string,
  target: ImportTarget,
  p: Plan,
  resolution: string | null,
): LibraryPlace {
  const extension = extname(p.file.path).toLowerCase();
  if (p.episode) {
    const series = target.series ?? { title: target.title, year: target.year };
    return episodePlace(libraryDir, series, p.episode, { resolution, extension });
  }
  const part = PART.exec(stem(basename(p.inner)));
  return filmPlace(libraryDir, target, { resolution, part: part ? Number(part[1]) : null, extension });
}

/**
 * Imports a completed download's files (absolute paths, as the engine wrote them). Returns how
 * many files were recorded as the title's. Throws `DownloadImportError`: `no_video_file` when the
 * download holds no video to import, `import_failed` when the title is gone, no video matches an
 * episode, or a file cannot be read or placed.
 */
export async function importDownload(
  deps: ImportDeps,
  download: EngineRow,
  files: ImportFile[],
): Promise<{ imported: number }> {
  const { db, config, log } = deps;
  const target = await importTarget(db, download.mediaId);
  if (!target) throw new DownloadImportError('import_failed', 'the title of this download no longer exists');
  const plans = plan(download, target, files, [download.savePath, config.DOWNLOAD_DIR]);
  const toImport = plans.filter((p) => p.role === 'video' && p.mediaId);

  // Roles of what is set aside first, so a failure below still shows why each file was.
  for (const p of plans) {
    if (p.role !== 'video') await setFileRole(db, download.id, p.file.index, p.role, null);
  }
  const unmatched = plans.filter((p) => p.role === 'unmatched');
  if (unmatched.length > 0) {
    log.warn('download files match no episode of the series: kept, not attached', {
      downloadId: download.id,
      files: unmatched.map((p) => p.inner),
    });
  }
  if (toImport.length === 0) {
    // The files stay (role 'unmatched'); the download says why nothing reached the title.
    if (unmatched.length > 0) {
      throw new DownloadImportError(
        'import_failed',
        `none of the ${unmatched.length} video file(s) matches an episode of ${target.series?.title ?? target.title}`,
      );
    }
    throw new DownloadImportError(
      'no_video_file',
      `no video file among the ${files.length} file(s) of the download (samples and extras set aside)`,
    );
  }

  const ffprobe = await findFfprobe(config.FFPROBE_PATH);
  if (!ffprobe) log.warn('no ffprobe found: files are recorded without their codecs', {});
  let imported = 0;
  for (const p of toImport) {
    const mediaId = p.mediaId as string;
    const sizeBytes = await stat(p.file.path).then(
      (s) => s.size,
      (error: NodeJS.ErrnoException) => {
        throw new DownloadImportError(
          'import_failed',
          `${p.inner} cannot be read (${error.code ?? error.message})`,
        );
      },
    );
    let probed: ProbeResult | null = null;
    if (ffprobe) {
      try {
        probed = await probeFile(ffprobe, p.file.path);
      } catch (error) {
        log.warn('ffprobe could not read a file: recorded with what is known', {
          downloadId: download.id,
          file: p.inner,
          error: (error as Error).message,
        });
      }
    }
    const { resolution, quality } = qualityOf(p.inner, download.name, probed?.resolution ?? null);
    let path = p.file.path;
    if (config.LIBRARY_DIR) {
      try {
        const placed = await placeInLibrary(
          p.file.path,
          libraryPlace(config.LIBRARY_DIR, target, p, probed?.resolution ?? resolution),
        );
        path = placed.path;
        log.info('file placed in the library', {
          downloadId: download.id,
          file: p.inner,
          path,
          how: placed.how,
        });
      } catch (error) {
        throw new DownloadImportError(
          'import_failed',
          `${p.inner} could not be placed in the library: ${(error as Error).message}`,
        );
      }
    }
    const row: ProbedFile = {
      path,
      sizeBytes,
      container: probed?.container ?? containerFromExtension(p.file.path) ?? undefined,
      videoCodec: probed?.videoCodec ?? undefined,
      audioCodec: probed?.audioCodec ?? undefined,
      resolution: probed?.resolution ?? resolution ?? undefined,
      durationSeconds: probed?.durationSeconds ?? undefined,
      quality: quality ?? undefined,
      hdr: probed?.hdr ?? null,
      audioTracks: probed?.audioTracks ?? [],
      subtitleTracks: probed?.subtitleTracks ?? [],
      origin: 'download',
      downloadId: download.id,
    };
    const file = await insertFile(db, mediaId, row);
    await setFileRole(db, download.id, p.file.index, 'video', file.id);
    imported++;
  }
  log.info('download imported', {
    downloadId: download.id,
    imported,
    setAside: plans.filter((p) => p.role === 'sample' || p.role === 'extra' || p.role === 'other').length,
    unmatched: unmatched.length,
  });
  return { imported };
}
