import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { SubtitleTrackInfo } from './types.js';

/*
 * Subtitle files beside a video: which ones belong to it, what their names say (language, forced,
 * hearing impaired, kept OpenSubtitles download) and how their bytes are encoded.
 */

/** Extensions of subtitle files, and the format each is (the names ffprobe gives embedded ones). */
const FORMATS: Record<string, { format: string; convertible: boolean }> = {
  srt: { format: 'subrip', convertible: true },
  vtt: { format: 'webvtt', convertible: true },
  ass: { format: 'ass', convertible: true },
  ssa: { format: 'ssa', convertible: true },
  // VobSub pictures: `.idx` holds the timings of its `.sub`, the pair is one track.
  idx: { format: 'dvd_subtitle', convertible: false },
  // A `.sub` alone is MicroDVD or another frame-based format: listed, not guessed at.
  sub: { format: 'sub', convertible: false },
};

/** ffmpeg's demuxer for each convertible format. */
export const DEMUXERS: Record<string, string> = { subrip: 'srt', webvtt: 'webvtt', ass: 'ass', ssa: 'ass' };

const FORCED = new Set(['forced', 'force', 'foreign']);
const HEARING_IMPAIRED = new Set(['sdh', 'hi', 'cc']);
/** A kept OpenSubtitles download: `.os<file_id>.` in the name. */
const OPENSUBTITLES = /^os(\d{1,10})$/;

const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

let names: Map<string, string> | undefined;

/**
 * Language names in English and French ("french", "anglais", "Français" folded) to ISO 639-1,
 * from the ICU data Node ships (Intl.DisplayNames), so no table of our own goes stale.
 */
function languageNames(): Map<string, string> {
  if (names) return names;
  names = new Map();
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const displays = ['en', 'fr'].map(
    (locale) => new Intl.DisplayNames([locale], { type: 'language', fallback: 'none' }),
  );
  for (const a of letters) {
    for (const b of letters) {
      const code = a + b;
      for (const display of displays) {
        const name = display.of(code);
        if (name && !names.has(fold(name))) names.set(fold(name), code);
      }
    }
  }
  for (const code of new Set(names.values())) {
    const own = new Intl.DisplayNames([code], { type: 'language', fallback: 'none' }).of(code);
    if (own && !names.has(fold(own))) names.set(fold(own), code);
  }
  return names;
}

const english = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/**
 * ISO 639-1 of a language code (639-1, 639-2/B or /T: `fr`, `fre`, `fra`, `pt-BR` → `pt`) or of a
 * language's name in English, French or itself; null when it names none. ICU's alias data maps the
 * three-letter codes.
 */
export function isoLanguage(token: string): string | null {
  const text = token.trim();
  if (/^[A-Za-z]{2,3}([-_][A-Za-z]{2})?$/.test(text)) {
    try {
      const [canonical] = Intl.getCanonicalLocales(text.replace('_', '-'));
      const code = canonical ? new Intl.Locale(canonical).language : '';
      if (code.length === 2 && english.of(code)) return code;
    } catch {
      // Not a language tag: maybe a name.
    }
  }
  return languageNames().get(fold(text)) ?? null;
}

export interface SidecarFile {
  /** The file's name in the video's folder. */
  name: string;
  path: string;
  track: SubtitleTrackInfo;
  /** OpenSubtitles' file id when it is a kept download. */
  providerFileId: number | null;
}

/** A track id from a file's name: stable, and never a path. */
export const sidecarId = (name: string) =>
  `s-${createHash('sha256').update(name).digest('base64url').slice(0, 16)}`;

const stem = (path: string) => basename(path, extname(path));

/** What a subtitle file's name says, when it belongs to `video` (null otherwise). */
export function parseSidecar(videoPath: string, name: string): SidecarFile | null {
  const base = stem(videoPath);
  const extension = extname(name).slice(1).toLowerCase();
  const kind = FORMATS[extension];
  if (!kind) return null;
  const middle = name.slice(0, name.length - extension.length - 1);
  if (middle !== base && !middle.startsWith(`${base}.`)) return null;
  let language: string | null = null;
  let forced = false;
  let hearingImpaired = false;
  let providerFileId: number | null = null;
  const label: string[] = [];
  for (const token of middle.slice(base.length + 1).split('.')) {
    if (!token) continue;
    const lower = token.toLowerCase();
    const kept = OPENSUBTITLES.exec(lower);
    const named: string | null = language === null ? isoLanguage(token) : null;
    if (FORCED.has(lower)) forced = true;
    else if (HEARING_IMPAIRED.has(lower)) hearingImpaired = true;
    else if (kept) providerFileId = Number(kept[1]);
    else if (named) language = named;
    else label.push(token);
  }
  return {
    name,
    path: join(dirname(videoPath), name),
    providerFileId,
    track: {
      id: sidecarId(name),
      source: providerFileId === null ? 'sidecar' : 'opensubtitles',
      language,
      label: label.length ? label.join(' ') : null,
      format: kind.format,
      forced,
      hearingImpaired,
      convertible: kind.convertible,
    },
  };
}

/** The subtitle files beside a video, by name. A `.sub` with its `.idx` counts once (as the `.idx`). */
export async function sidecarFiles(videoPath: string): Promise<SidecarFile[]> {
  const entries = await readdir(dirname(videoPath), { withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => e.name);
  const indexes = new Set(files.filter((n) => /\.idx$/i.test(n)).map((n) => n.slice(0, -4)));
  return files
    .filter((n) => !(/\.sub$/i.test(n) && indexes.has(n.slice(0, -4))))
    .sort()
    .map((n) => parseSidecar(videoPath, n))
    .filter((f): f is SidecarFile => f !== null);
}

/** The name a kept OpenSubtitles download gets beside its video. */
export function keptName(
  videoPath: string,
  providerFileId: number,
  meta: { language: string | null; forced: boolean; hearingImpaired: boolean },
): string {
  const language = meta.language ? isoLanguage(meta.language) : null;
  const parts = [
    stem(videoPath),
    language,
    meta.forced ? 'forced' : null,
    meta.hearingImpaired ? 'sdh' : null,
    `os${providerFileId}`,
  ];
  return `${parts.filter((p) => p !== null).join('.')}.srt`;
}

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/**
 * The encoding of a subtitle file: a byte order mark, else UTF-8 when the bytes are valid UTF-8,
 * else Windows-1252 (old French and other Western files; a superset of Latin-1). Hand-written: these
 * are the encodings subtitle files come in here, and a statistical detector guesses wrong on the
 * few lines of a short file, where strict UTF-8 validity does not.
 */
export function detectEncoding(bytes: Uint8Array): TextEncoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/** A subtitle file's text (byte order mark dropped). */
export const decodeSubtitle = (bytes: Uint8Array): string =>
  new TextDecoder(detectEncoding(bytes)).decode(bytes);
