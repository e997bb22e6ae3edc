import { type ChildProcess, spawn } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { FileProbe, Logger, TorrentNodeConfig } from '@sokoul/contracts';
import { findFfmpeg } from '../downloads/probe.js';
import { type ServedFile, StreamError } from './types.js';

/**
 * Remux and transcode into fragmented MP4 on ffmpeg's stdout, spawned directly (fluent-ffmpeg is
 * archived, and the arguments are few). Seeking restarts ffmpeg at `start` (input seeking): the
 * output's clock is 0 at `start` and the player offsets it.
 */

export interface RemuxRequest {
  start: number;
  /** Index among the file's audio tracks; the default track when absent. */
  audio: number | undefined;
  mode: 'remux' | 'transcode';
  /** `copy` when the browser plays the track's codec (the API's decision says), else AAC. */
  acodec: 'copy' | 'aac';
}

export interface Remuxer {
  serve(res: ServerResponse, file: ServedFile, request: RemuxRequest, probe: FileProbe | null): Promise<void>;
  /** Kills every ffmpeg (the server is closing). */
  close(): void;
}

/** Progress lines are logged at most this often. */
const PROGRESS_LOG_MS = 10_000;
/** Of ffmpeg's error output, what the stop log keeps. */
const STDERR_KEPT = 2_000;

export function ffmpegArgs(input: string, request: RemuxRequest, probe: FileProbe | null): string[] {
  const audio =
    request.audio ?? probe?.audioTracks.find((t) => t.default)?.index ?? probe?.audioTracks[0]?.index ?? 0;
  const video =
    request.mode === 'transcode'
      ? [
          // Browsers decode 8-bit 4:2:0 H.264 only (10-bit sources are why some files transcode).
          ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'],
          // A fragment per keyframe: one every 2 s, not libx264's 10 s, for the first bytes' sake.
          ...['-force_key_frames', 'expr:gte(t,n_forced*2)'],
        ]
      : ['-c:v', 'copy', ...(probe?.videoCodec === 'hevc' ? ['-tag:v', 'hvc1'] : [])];
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:2',
    ...(request.start > 0 ? ['-ss', String(request.start)] : []),
    '-i',
    input,
    '-map',
    '0:v:0?',
    '-map',
    `0:a:${audio}?`,
    '-sn',
    '-dn',
    ...video,
    ...(request.acodec === 'copy' ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '192k', '-ac', '2']),
    // delay_moov: the moov waits for the first fragment (which a player needs before anything
    // plays anyway). It lets AC3/E-AC3 be copied (their track header needs a first packet), and
    // its edit list keeps the clock's 0 at `start` when copied video leads in from the keyframe
    // before it; without it ffmpeg moves 0 to that keyframe, up to a GOP early.
    '-movflags',
    'frag_keyframe+empty_moov+default_base_moof+delay_moov',
    '-f',
    'mp4',
    'pipe:1',
  ];
}

export function createRemuxer(deps: { config: TorrentNodeConfig; log: Logger }): Remuxer {
  const running = new Set<ChildProcess>();
  let transcodes = 0;

  async function serve(
    res: ServerResponse,
    file: ServedFile,
    request: RemuxRequest,
    probe: FileProbe | null,
  ): Promise<void> {
    const { config } = deps;
    if (request.mode === 'transcode') {
      if (config.TRANSCODE_CONCURRENCY === 0)
        throw new StreamError(503, 'not_configured', 'Transcoding is turned off (TRANSCODE_CONCURRENCY=0)');
      if (transcodes >= config.TRANSCODE_CONCURRENCY)
        throw new StreamError(429, 'transcode_busy', 'Every transcoding slot is taken', {
          'Retry-After': '10',
        });
    }
    const ffmpeg = await findFfmpeg(config.FFMPEG_PATH);
    if (!ffmpeg) throw new StreamError(503, 'dependency_unavailable', 'ffmpeg is not installed');
    // From disk when complete; else through this server, whose reads wait for the pieces.
    const input = file.complete ? `file:${file.realPath}` : file.internalUrl;
    const child = spawn(ffmpeg, ffmpegArgs(input, request, probe), { stdio: ['ignore', 'pipe', 'pipe'] });
    const transcoding = request.mode === 'transcode';
    if (transcoding) transcodes += 1;
    running.add(child);
    const log = deps.log.child({ fileId: file.fileId, mode: request.mode, start: request.start });
    log.info('remux started', {
      audio: request.audio ?? null,
      acodec: request.acodec,
      complete: file.complete,
    });
    const startedAt = Date.now();
    let outTimeSeconds = 0;
    let bytes = 0;
    let lastLog = startedAt;
    let errors = '';
    let clientGone = false;

    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [key, value] = line.split('=', 2);
        if (key === 'out_time_us' && value && /^\d+$/.test(value)) outTimeSeconds = Number(value) / 1e6;
        else if (key === 'progress') {
          if (Date.now() - lastLog >= PROGRESS_LOG_MS) {
            lastLog = Date.now();
            log.debug('remux progress', { outTimeSeconds, bytes });
          }
        } else if (value === undefined && line.trim()) errors = `${errors}${line}\n`.slice(-STDERR_KEPT);
      }
    });

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('close', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => {
        errors += String(error);
        resolve({ code: null, signal: null });
      });
    });
    void exited.then(({ code, signal }) => {
      running.delete(child);
      if (transcoding) transcodes -= 1;
      log.info('remux stopped', {
        code,
        signal,
        reason: clientGone ? 'client closed' : code === 0 ? 'end of file' : 'ffmpeg failed',
        outTimeSeconds: Math.round(outTimeSeconds * 10) / 10,
        bytes,
        seconds: Math.round((Date.now() - startedAt) / 100) / 10,
        ...(code !== 0 && !clientGone && errors ? { stderr: errors.trim() } : {}),
      });
    });
    res.once('close', () => {
      if (child.exitCode === null && child.signalCode === null) {
        clientGone = !res.writableFinished;
        child.kill('SIGKILL');
      }
    });

    // The status waits for ffmpeg's first bytes, so a file it cannot read is an error answer
    // rather than an empty 200.
    const first = await Promise.race([
      new Promise<'data'>((resolve) => child.stdout.once('readable', () => resolve('data'))),
      exited.then(() => 'exit' as const),
    ]);
    if (first === 'exit' && child.stdout.readableLength === 0) {
      if (res.destroyed) return;
      throw new StreamError(502, 'upstream_error', 'ffmpeg could not read the file');
    }
    res.writeHead(200, { 'Content-Type': 'video/mp4', 'Cache-Control': 'private' });
    pipeline(child.stdout, res, (error) => {
      if (error) res.destroy();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    const { code } = await exited;
    // A failure after the first bytes can only cut the stream short: the client sees it end.
    if (code !== 0 && !res.writableFinished) res.destroy();
  }

  return {
    serve,
    close() {
      for (const child of running) child.kill('SIGKILL');
    },
  };
}
