import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, dirname, extname, join } from 'node:path';
import type { MediaTrack } from '@sokoul/contracts';

/*
 * What ffprobe says about a downloaded file, in the words Sokoul shows.
 *
 * Naming convention: video and audio codecs use the release parser's names (`H.264`, `H.265`,
 * `AV1`, `VP9`, `XviD`, `MPEG-2`; `AAC`, `AC3`, `EAC3`, `DTS`, `DTS-HD MA`, `DTS-X`, `TrueHD`,
 * `FLAC`, `Opus`, `MP3`, `PCM`), so a file's codec reads the same as its release's tag; subtitles
 * use their common names (`SRT`, `ASS`, `PGS`, `VobSub`, `WebVTT`). Anything else keeps ffprobe's
 * `codec_name` as is. HDR values are the `MediaFile.hdr` ones: `HDR10`, `HDR10+`, `HLG`,
 * `Dolby Vision`.
 */

export interface ProbeResult {
  container: string | null;
  videoCodec: string | null;
  audioCodec: string | null;
  resolution: string | null;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  hdr: string | null;
  audioTracks: MediaTrack[];
  subtitleTracks: MediaTrack[];
}

/** The part of ffprobe's JSON read here. */
export interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  profile?: string;
  width?: number;
  height?: number;
  channels?: number;
  duration?: string;
  color_transfer?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string }[];
}
export interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; tags?: Record<string, string> };
}

export class ProbeError extends Error {
  override readonly name = 'ProbeError';
}

const PROBE_TIMEOUT_MS = 60_000;
/** ffprobe's JSON for a file with hundreds of streams stays well under this. */
const MAX_OUTPUT = 16 * 1024 * 1024;

const located = new Map<string, Promise<string | null>>();

/**
 * The ffprobe to run: FFPROBE_PATH when set, else one on PATH, else the binary the
 * @ffprobe-installer package ships (so a fresh install needs nothing more). Null when none exists.
 */
export const findFfprobe = (configured: string | undefined) => findTool('ffprobe', configured);
/** The same for ffmpeg (FFMPEG_PATH, PATH, @ffmpeg-installer): remux, transcode, subtitles. */
export const findFfmpeg = (configured: string | undefined) => findTool('ffmpeg', configured);

function findTool(name: 'ffprobe' | 'ffmpeg', configured: string | undefined): Promise<string | null> {
  const key = `${name}\0${configured ?? ''}`;
  let path = located.get(key);
  if (!path) {
    path = locate(name, configured);
    located.set(key, path);
  }
  return path;
}

const executable = (path: string) =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );

async function locate(name: 'ffprobe' | 'ffmpeg', configured: string | undefined): Promise<string | null> {
  if (configured) return (await executable(configured)) ? configured : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await executable(candidate)) return candidate;
  }
  try {
    const require = createRequire(import.meta.url);
    const candidate = join(dirname(require.resolve(`@${name}-installer/linux-x64/package.json`)), name);
    if (await executable(candidate)) return candidate;
  } catch {
    // Not installed (another platform): none at all.
  }
  return null;
}

function run(ffprobe: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      ffprobe,
      args,
      { timeout: timeoutMs, maxBuffer: MAX_OUTPUT, encoding: 'utf8', killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.killed ? `timed out after ${timeoutMs} ms` : stderr.trim().slice(0, 500);
          reject(new ProbeError(`ffprobe failed: ${why || error.message}`));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

function parseJson(text: string): FfprobeOutput {
  try {
    return JSON.parse(text) as FfprobeOutput;
  } catch {
    throw new ProbeError('ffprobe printed no JSON');
  }
}

/** Probes one file. Throws `ProbeError` when ffprobe cannot read it (or times out). */
export async function probeFile(
  ffprobe: string,
  path: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<ProbeResult> {
  // The file protocol named outright: a name never reads as an option or another protocol.
  const input = `file:${path}`;
  const output = parseJson(
    await run(
      ffprobe,
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', input],
      timeoutMs,
    ),
  );
  if (!output.streams?.length) throw new ProbeError('ffprobe found no stream');
  const result = mapProbe(output, path);
  // HDR10+ metadata travels in the frames, not the stream header: only PQ files are worth the look.
  if (result.hdr === 'HDR10') {
    try {
      const frames = parseJson(
        await run(
          ffprobe,
          [
            '-v',
            'error',
            '-print_format',
            'json',
            '-select_streams',
            'v:0',
            '-read_intervals',
            '%+#3',
            '-show_entries',
            'frame=side_data_list',
            input,
          ],
          timeoutMs,
        ),
      ) as { frames?: { side_data_list?: { side_data_type?: string }[] }[] };
      if (
        frames.frames?.some((f) =>
          f.side_data_list?.some((s) => /HDR10\+|2094-40/i.test(s.side_data_type ?? '')),
        )
      )
        result.hdr = 'HDR10+';
    } catch {
      // Plain HDR10 is still right.
    }
  }
  return result;
}

const CONTAINER_BY_EXTENSION: Record<string, string> = {
  mkv: 'mkv',
  mk3d: 'mkv',
  webm: 'webm',
  mp4: 'mp4',
  m4v: 'm4v',
  mov: 'mov',
  avi: 'avi',
  divx: 'avi',
  ts: 'ts',
  m2ts: 'm2ts',
  mts: 'm2ts',
  wmv: 'wmv',
  asf: 'wmv',
  mpg: 'mpg',
  mpeg: 'mpg',
  vob: 'vob',
  flv: 'flv',
  ogv: 'ogg',
  ogm: 'ogg',
  '3gp': '3gp',
};

/** The container an extension names, for files ffprobe cannot read. */
export function containerFromExtension(path: string): string | null {
  return CONTAINER_BY_EXTENSION[extname(path).slice(1).toLowerCase()] ?? null;
}

/**
 * ffprobe's format family, narrowed by the extension where the family covers several (Matroska
 * and WebM, the ISO-BMFF ones, MPEG-TS and Blu-ray's M2TS).
 */
function container(formatName: string | undefined, path: string): string | null {
  const fromExtension = containerFromExtension(path);
  if (!formatName) return fromExtension;
  const family = formatName.split(',');
  const pick = (allowed: string[], fallback: string) =>
    fromExtension && allowed.includes(fromExtension) ? fromExtension : fallback;
  if (family.includes('matroska')) return pick(['mkv', 'webm'], 'mkv');
  if (family.includes('mp4') || family.includes('mov')) return pick(['mp4', 'm4v', 'mov', '3gp'], 'mp4');
  if (family.includes('mpegts')) return pick(['ts', 'm2ts'], 'ts');
  if (family.includes('avi')) return 'avi';
  if (family.includes('asf')) return 'wmv';
  if (family.includes('mpeg') || family.includes('mpegvideo')) return pick(['mpg', 'vob'], 'mpg');
  if (family.includes('flv')) return 'flv';
  if (family.includes('ogg')) return 'ogg';
  return family[0] ?? fromExtension;
}

const VIDEO_CODECS: Record<string, string> = {
  h264: 'H.264',
  hevc: 'H.265',
  av1: 'AV1',
  vp9: 'VP9',
  mpeg2video: 'MPEG-2',
  vc1: 'VC-1',
  vp8: 'VP8',
};

function videoCodec(stream: FfprobeStream): string | null {
  const name = stream.codec_name;
  if (!name) return null;
  if (name === 'mpeg4') return /xvid|divx|dx50/i.test(stream.codec_tag_string ?? '') ? 'XviD' : 'MPEG-4';
  return VIDEO_CODECS[name] ?? name;
}

const AUDIO_CODECS: Record<string, string> = {
  aac: 'AAC',
  ac3: 'AC3',
  eac3: 'EAC3',
  truehd: 'TrueHD',
  flac: 'FLAC',
  opus: 'Opus',
  mp3: 'MP3',
  mp2: 'MP2',
  vorbis: 'Vorbis',
};

function audioCodec(stream: FfprobeStream): string | null {
  const name = stream.codec_name;
  if (!name) return null;
  if (name === 'dts') {
    const profile = stream.profile ?? '';
    if (/dts:x/i.test(profile)) return 'DTS-X';
    if (/hd ma|hd-ma/i.test(profile)) return 'DTS-HD MA';
    return 'DTS';
  }
  if (name.startsWith('pcm_')) return 'PCM';
  return AUDIO_CODECS[name] ?? name;
}

const SUBTITLE_CODECS: Record<string, string> = {
  subrip: 'SRT',
  srt: 'SRT',
  ass: 'ASS',
  ssa: 'SSA',
  hdmv_pgs_subtitle: 'PGS',
  dvd_subtitle: 'VobSub',
  webvtt: 'WebVTT',
  mov_text: 'TX3G',
  dvb_subtitle: 'DVB',
};

/**
 * The usual label of a picture size. Width decides for cropped widescreen (1920x800 is 1080p),
 * height for pillarboxed 4:3 (1440x1080 is 1080p).
 */
export function resolutionLabel(width: number | null, height: number | null): string | null {
  if (!width && !height) return null;
  const w = width ?? 0;
  const h = height ?? 0;
  if (w >= 3200 || h >= 1600) return '2160p';
  if (w >= 1700 || h >= 900) return '1080p';
  if (w >= 1100 || h >= 650) return '720p';
  if (h >= 540) return '576p';
  return '480p';
}

function tag(tags: Record<string, string> | undefined, name: string): string | null {
  if (!tags) return null;
  for (const [key, value] of Object.entries(tags)) {
    if (key.toLowerCase() === name && value.trim()) return value.trim();
  }
  return null;
}

function track(stream: FfprobeStream, codec: string | null): MediaTrack {
  const language = tag(stream.tags, 'language');
  return {
    codec,
    // `und` is what muxers write when nobody said: the same as no tag.
    language: language && language.toLowerCase() !== 'und' ? language.toLowerCase() : null,
    title: tag(stream.tags, 'title'),
    channels:
      stream.codec_type === 'audio' && Number.isInteger(stream.channels) ? (stream.channels ?? null) : null,
    default: stream.disposition?.default === 1,
    forced: stream.disposition?.forced === 1,
  };
}

function hdrFormat(stream: FfprobeStream): string | null {
  if (stream.side_data_list?.some((s) => /dovi|dolby vision/i.test(s.side_data_type ?? '')))
    return 'Dolby Vision';
  if (stream.side_data_list?.some((s) => /HDR10\+|2094-40/i.test(s.side_data_type ?? ''))) return 'HDR10+';
  if (stream.color_transfer === 'smpte2084') return 'HDR10';
  if (stream.color_transfer === 'arib-std-b67') return 'HLG';
  return null;
}

function seconds(value: string | undefined): number | null {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n >= 0 ? Math.round(n) : null;
}

/** ffprobe's JSON to Sokoul's words (pure: the unit tests feed it made-up outputs). */
export function mapProbe(output: FfprobeOutput, path: string): ProbeResult {
  const streams = output.streams ?? [];
  // Cover art is a "video" stream too; the picture is the first real one.
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.filter((s) => s.codec_type === 'audio');
  const subtitles = streams.filter((s) => s.codec_type === 'subtitle');
  const mainAudio = audio.find((s) => s.disposition?.default === 1) ?? audio[0];
  const width = video?.width ?? null;
  const height = video?.height ?? null;
  return {
    container: container(output.format?.format_name, path),
    videoCodec: video ? videoCodec(video) : null,
    audioCodec: mainAudio ? audioCodec(mainAudio) : null,
    resolution: resolutionLabel(width, height),
    width,
    height,
    durationSeconds: seconds(output.format?.duration) ?? seconds(video?.duration),
    hdr: video ? hdrFormat(video) : null,
    audioTracks: audio.map((s) => track(s, audioCodec(s))),
    subtitleTracks: subtitles.map((s) =>
      track(s, s.codec_name ? (SUBTITLE_CODECS[s.codec_name] ?? s.codec_name) : null),
    ),
  };
}
