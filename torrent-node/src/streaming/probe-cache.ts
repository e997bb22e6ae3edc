import { execFile } from 'node:child_process';
import type { FileProbe, Logger, TorrentNodeConfig } from '@sokoul/contracts';
import { streamTag } from '@sokoul/db';
import { LRUCache } from 'lru-cache';
import { type FfprobeOutput, type FfprobeStream, findFfprobe, mapProbe } from '../downloads/probe.js';
import { type ServedFile, StreamError } from './types.js';

/**
 * What the API's playback decision reads of a file. Codec names here are ffprobe's `codec_name`,
 * lowercase as it prints them (`h264`, `hevc`, `av1`, `vp9`; `aac`, `ac3`, `eac3`, `dts`,
 * `truehd`, `opus`, `vorbis`, `flac`, `mp3`; `subrip`, `ass`, `hdmv_pgs_subtitle`…): the keys of
 * contracts' PLAYBACK_PROBES are these very names, so the decision compares them as they are
 * (unlike the library's display names of downloads/probe.ts). Containers are ffprobe's format
 * family reduced to `mp4` (all of ISO-BMFF: mp4, m4v, mov), `webm`, `matroska`, `mpegts` (ts and
 * m2ts), else the library's name of it (`avi`, `wmv`, `mpg`, `flv`…). An audio track's `index` is
 * its position among the file's audio streams (PlaybackRequest.audioTrack, ffmpeg's `0:a:N`); a
 * subtitle track's is ffprobe's stream index (`0:N`, the `e-<stream>` ids of subtitles.ts).
 */

/** A file still downloading is probed through waiting reads: its first and last pieces may be far. */
const PROBE_TIMEOUT_MS = 120_000;
const MAX_OUTPUT = 16 * 1024 * 1024;
const CACHED_PROBES = 512;

type Stream = FfprobeStream & { pix_fmt?: string; bits_per_raw_sample?: string; index?: number };

function containerName(library: string | null): string | null {
  switch (library) {
    case 'mp4':
    case 'm4v':
    case 'mov':
    case '3gp':
      return 'mp4';
    case 'mkv':
      return 'matroska';
    case 'ts':
    case 'm2ts':
      return 'mpegts';
    default:
      return library;
  }
}

function bitDepth(stream: Stream | undefined): number | null {
  const raw = Number(stream?.bits_per_raw_sample);
  if (Number.isInteger(raw) && raw > 0) return raw;
  if (!stream?.pix_fmt) return null;
  // yuv420p10le, p010le…: the depth is in the name; plain yuv420p and the like are 8 bits.
  const depth = /(\d{2})(?:le|be)$/.exec(stream.pix_fmt) ?? /^p0(\d{2})/.exec(stream.pix_fmt);
  return depth ? Number(depth[1]) : 8;
}

const floatSeconds = (value: string | undefined): number | null => {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n >= 0 ? n : null;
};

/** ffprobe's JSON to a FileProbe (languages, titles and flags as the library reads them). */
export function fileProbe(output: FfprobeOutput, path: string): FileProbe {
  const streams = (output.streams ?? []) as Stream[];
  const mapped = mapProbe(output, path);
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.filter((s) => s.codec_type === 'audio');
  const subtitles = streams.filter((s) => s.codec_type === 'subtitle');
  return {
    container: containerName(mapped.container),
    videoCodec: video?.codec_name ?? null,
    videoBitDepth: video ? bitDepth(video) : null,
    durationSeconds: floatSeconds(output.format?.duration) ?? floatSeconds(video?.duration),
    audioTracks: mapped.audioTracks.map((track, index) => ({
      ...track,
      codec: audio[index]?.codec_name ?? null,
      index,
    })),
    subtitleTracks: mapped.subtitleTracks.map((track, i) => ({
      ...track,
      codec: subtitles[i]?.codec_name ?? null,
      index: subtitles[i]?.index ?? i,
    })),
  };
}

function ffprobe(binary: string, input: string): Promise<FfprobeOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', input],
      { timeout: PROBE_TIMEOUT_MS, maxBuffer: MAX_OUTPUT, encoding: 'utf8', killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.killed ? `timed out after ${PROBE_TIMEOUT_MS} ms` : stderr.trim().slice(0, 300);
          reject(new StreamError(502, 'upstream_error', `ffprobe cannot read the file: ${why}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as FfprobeOutput);
        } catch {
          reject(new StreamError(502, 'upstream_error', 'ffprobe printed no JSON'));
        }
      },
    );
  });
}

export interface ProbeCache {
  /** The file's probe, run once per file and stream tag (concurrent asks share one ffprobe). */
  get(file: ServedFile): Promise<FileProbe>;
}

export function createProbeCache(deps: { config: TorrentNodeConfig; log: Logger }): ProbeCache {
  const cache = new LRUCache<string, Promise<FileProbe>>({ max: CACHED_PROBES });
  return {
    get(file) {
      const key = `${file.fileId}\0${streamTag(file)}`;
      let probe = cache.get(key);
      if (!probe) {
        probe = (async () => {
          const binary = await findFfprobe(deps.config.FFPROBE_PATH);
          if (!binary) throw new StreamError(503, 'dependency_unavailable', 'ffprobe is not installed');
          // A complete file is read from disk; one still downloading through this server, whose
          // reads wait for the pieces (the file protocol named outright: no name reads as an option).
          const output = await ffprobe(binary, file.complete ? `file:${file.realPath}` : file.internalUrl);
          if (!output.streams?.length)
            throw new StreamError(502, 'upstream_error', 'ffprobe found no stream');
          return fileProbe(output, file.path);
        })();
        const pending = probe;
        cache.set(key, pending);
        pending.catch((error: unknown) => {
          if (cache.get(key) === pending) cache.delete(key);
          deps.log.warn('probe failed', { fileId: file.fileId, error: String(error) });
        });
      }
      return probe;
    },
  };
}
