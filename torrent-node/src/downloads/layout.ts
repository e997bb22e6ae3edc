import { randomUUID } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { extname, join } from 'node:path';

/*
 * The library layout under LIBRARY_DIR (the one Plex, Jellyfin and Kodi read):
 *   Films/Title (Year)/Title (Year) - 1080p.mkv
 *   Séries/Show (Year)/Saison 01/Show - S01E02 - Episode title - 1080p.mkv
 * Names are safe on every filesystem a library may live on (ext4, NTFS, exFAT, SMB shares):
 * no reserved characters or names, no trailing dots or spaces, at most 255 bytes per component.
 */

const MAX_COMPONENT_BYTES = 255;
const utf8 = new TextEncoder();
const bytes = (s: string) => utf8.encode(s).length;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Cuts at a grapheme boundary (never inside an accent or an emoji) to at most `max` UTF-8 bytes. */
export function truncateUtf8(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = bytes(segment);
    if (used + size > max) break;
    out += segment;
    used += size;
  }
  return out;
}

/** CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without an extension: Windows refuses them all. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?=\.|$)/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function clean(text: string): string {
  return (
    text
      .normalize('NFC')
      .replace(CONTROL, ' ')
      // "Star Wars: Episode IV" reads best as "Star Wars - Episode IV".
      .replace(/\s*:\s*/g, ' - ')
      .replace(/[/\\|]/g, '-')
      .replace(/"/g, "'")
      .replace(/[<>?*]/g, '')
      .replace(/\s+/g, ' ')
      // Leading dots hide a file on Unix; trailing dots and spaces vanish on Windows.
      .replace(/^[\s.]+|[\s.]+$/g, '')
  );
}

/** One safe path component (a folder name), `fallback` when nothing usable is left. */
export function safeComponent(name: string, fallback = '_'): string {
  let out = clean(name);
  out = out.replace(RESERVED, '$1_');
  out = truncateUtf8(out, MAX_COMPONENT_BYTES).replace(/[\s.]+$/, '');
  return out || fallback;
}

/**
 * A safe file name from a base and an extension (`.mkv`). The base gives way to the extension and
 * the suffix when the whole is too long, so they always survive.
 */
export function safeFileName(base: string, extension: string, suffix = ''): string {
  const ext = extension.replace(/[^A-Za-z0-9.]/g, '').toLowerCase();
  const dotted = ext && !ext.startsWith('.') ? `.${ext}` : ext;
  let stem = clean(base).replace(RESERVED, '$1_');
  stem = truncateUtf8(stem, MAX_COMPONENT_BYTES - bytes(dotted) - bytes(suffix)).replace(/[\s.]+$/, '');
  return `${stem || '_'}${suffix}${dotted}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const titled = (title: string, year: number | null) => (year ? `${title} (${year})` : title);

/** Where a library file goes: its folder and its name for each attempt (2, 3… when taken). */
export interface LibraryPlace {
  dir: string;
  name: (attempt: number) => string;
}

const attemptSuffix = (attempt: number) => (attempt > 1 ? ` (${attempt})` : '');

export function filmPlace(
  libraryDir: string,
  film: { title: string; year: number | null },
  file: { resolution: string | null; part: number | null; extension: string },
): LibraryPlace {
  const folder = safeComponent(titled(film.title, film.year));
  const base = [titled(film.title, film.year), file.resolution, file.part ? `pt${file.part}` : null]
    .filter(Boolean)
    .join(' - ');
  return {
    dir: join(libraryDir, 'Films', folder),
    name: (attempt) => safeFileName(base, file.extension, attemptSuffix(attempt)),
  };
}

export function episodePlace(
  libraryDir: string,
  series: { title: string; year: number | null },
  episode: { season: number; episodes: number[]; title: string | null },
  file: { resolution: string | null; extension: string },
): LibraryPlace {
  const width = Math.max(2, ...episode.episodes.map((e) => String(e).length));
  const first = episode.episodes[0] ?? 0;
  const last = episode.episodes[episode.episodes.length - 1] ?? first;
  const code = `S${pad(episode.season)}E${pad(first, width)}${last !== first ? `-E${pad(last, width)}` : ''}`;
  const show = clean(series.title) || '_';
  const tail = file.resolution ? ` - ${file.resolution}` : '';
  const head = `${show} - ${code}`;
  return {
    dir: join(
      libraryDir,
      'Séries',
      safeComponent(titled(series.title, series.year)),
      `Saison ${pad(episode.season)}`,
    ),
    name: (attempt) => {
      const suffix = attemptSuffix(attempt);
      // The episode title is what gives way when the name is too long: the code and quality stay.
      const room =
        MAX_COMPONENT_BYTES - bytes(file.extension) - bytes(suffix) - bytes(head) - bytes(tail) - 3;
      const title = episode.title ? truncateUtf8(clean(episode.title), Math.max(0, room)) : '';
      return safeFileName(title ? `${head} - ${title}${tail}` : `${head}${tail}`, file.extension, suffix);
    },
  };
}

const SAMPLE_BYTES = 64 * 1024;

async function sameBytes(a: string, b: string, size: number): Promise<boolean> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    // Start, middle and end: enough to tell two different releases apart without reading gigabytes.
    for (const at of [
      0,
      Math.max(0, Math.floor(size / 2) - SAMPLE_BYTES / 2),
      Math.max(0, size - SAMPLE_BYTES),
    ]) {
      const length = Math.min(SAMPLE_BYTES, size - at);
      if (length <= 0) continue;
      const [ra, rb] = await Promise.all([
        fa.read(Buffer.alloc(length), 0, length, at),
        fb.read(Buffer.alloc(length), 0, length, at),
      ]);
      if (!ra.buffer.subarray(0, ra.bytesRead).equals(rb.buffer.subarray(0, rb.bytesRead))) return false;
    }
    return true;
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

async function isSameFile(source: string, sourceStats: Stats, target: string, targetStats: Stats) {
  if (!targetStats.isFile()) return false;
  if (sourceStats.dev === targetStats.dev && sourceStats.ino === targetStats.ino) return true;
  return sourceStats.size === targetStats.size && sameBytes(source, target, sourceStats.size);
}

const missing = async (path: string) =>
  lstat(path).then(
    () => false,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return true;
      throw error;
    },
  );

/** Errors of `link` that mean "this filesystem pair cannot share an inode": copy instead. */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);

/**
 * Copies next to the target under a temporary name, then renames: the library never shows a
 * partial file, and a crash leaves only a hidden `.part` behind.
 */
async function copyInto(source: string, dir: string, target: string): Promise<boolean> {
  const temp = join(dir, `.sokoul-${randomUUID()}${extname(target)}.part`);
  try {
    await copyFile(source, temp, constants.COPYFILE_EXCL);
    // torrent-node is the library's only writer, so the gap between this check and the rename
    // is not raced; the check keeps a file someone put there by hand.
    if (!(await missing(target))) return false;
    await rename(temp, target);
    return true;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

export interface Placed {
  path: string;
  how: 'link' | 'copy' | 'existing';
}

/**
 * Puts `source` into the library: a hard link (seeding goes on from the download folder, no space
 * used twice), a copy across filesystems. A different file already at the name is never replaced:
 * the next name (" (2)") is tried; the same file (same inode, or same size and bytes) is reused,
 * which makes a second import of the same download a no-op.
 */
export async function placeInLibrary(
  source: string,
  place: LibraryPlace,
  maxAttempts = 100,
): Promise<Placed> {
  await mkdir(place.dir, { recursive: true });
  const sourceStats = await stat(source);
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const target = join(place.dir, place.name(attempt));
    const existing = await lstat(target).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (existing) {
      if (await isSameFile(source, sourceStats, target, existing)) return { path: target, how: 'existing' };
      continue;
    }
    try {
      await link(source, target);
      return { path: target, how: 'link' };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') {
        // Appeared since the look above: the same file is still reused, another takes the next name.
        const now = await lstat(target);
        if (await isSameFile(source, sourceStats, target, now)) return { path: target, how: 'existing' };
        continue;
      }
      if (!NO_LINK.has(code)) throw error;
    }
    if (await copyInto(source, place.dir, target)) return { path: target, how: 'copy' };
  }
  throw new Error(`no free name for ${source} in ${place.dir} after ${maxAttempts} attempts`);
}
