import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { pipeline, type Readable, type Transform } from 'node:stream';
import type { Logger } from '@sokoul/contracts';
import { combineRanges, parse } from 'range-parser';

/** HTTP Range for the stream route (RFC 9110 §14), parsing by `range-parser`. */

const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  avi: 'video/x-msvideo',
  mov: 'video/quicktime',
  ts: 'video/mp2t',
  m2ts: 'video/mp2t',
};

export const contentType = (path: string): string =>
  TYPES[extname(path).slice(1).toLowerCase()] ?? 'application/octet-stream';

export type RangePlan = { status: 200 } | { status: 206; start: number; end: number } | { status: 416 };

/** Longer Range values are ignored rather than parsed (a player sends one short range). */
const MAX_RANGE_HEADER = 1024;

/**
 * What to answer for `range` and `ifRange` against a representation of `size` bytes. A Range the
 * server may ignore (RFC 9110 §14.2: another unit, a malformed one, or a failed If-Range) gets the
 * whole file. Several ranges are merged when they touch; if they stay apart the whole file is
 * sent (200): browsers and ffmpeg never ask for several, and multipart/byteranges would be code
 * no player needs.
 */
export function planRange(
  range: string | undefined,
  ifRange: string | undefined,
  size: number,
  etag: string,
  lastModified: Date | null,
): RangePlan {
  if (!range || range.length > MAX_RANGE_HEADER) return { status: 200 };
  if (ifRange !== undefined && !ifRangeMatches(ifRange.trim(), etag, lastModified)) return { status: 200 };
  const parsed = parse(size, range);
  if (parsed.type !== 'bytes' || parsed.code & 1) return { status: 200 };
  if (parsed.ranges.length === 0) return { status: 416 };
  const merged = combineRanges(parsed.ranges);
  const [only] = merged;
  return merged.length === 1 && only ? { status: 206, start: only.start, end: only.end } : { status: 200 };
}

/** If-Range holds an entity tag (compared strongly) or an HTTP date (exactly Last-Modified). */
function ifRangeMatches(ifRange: string, etag: string, lastModified: Date | null): boolean {
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return ifRange === etag;
  const date = Date.parse(ifRange);
  return (
    lastModified !== null &&
    Number.isFinite(date) &&
    Math.floor(date / 1000) === Math.floor(lastModified.getTime() / 1000)
  );
}

export interface ByteSource {
  size: number;
  /** Strong, quoted. */
  etag: string;
  lastModified: Date | null;
  type: string;
  /** The bytes `start`..`end` (inclusive); `meter` sits between them and the response. */
  open(start: number, end: number): { stream: Readable; meter?: Transform };
}

/** Answers a GET or HEAD of `source` with Range, If-Range, ETag and the rest. */
export function sendBytes(req: IncomingMessage, res: ServerResponse, source: ByteSource, log: Logger): void {
  const { size, etag, lastModified } = source;
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const plan = planRange(header('range'), header('if-range'), size, etag, lastModified);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', etag);
  if (lastModified) res.setHeader('Last-Modified', lastModified.toUTCString());
  res.setHeader('Cache-Control', 'private');
  if (plan.status === 416) {
    const body = JSON.stringify({
      error: { code: 'range_not_satisfiable', message: `The file has ${size} bytes` },
    });
    res.writeHead(416, {
      'Content-Range': `bytes */${size}`,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  const start = plan.status === 206 ? plan.start : 0;
  const end = plan.status === 206 ? plan.end : size - 1;
  res.writeHead(plan.status, {
    'Content-Type': source.type,
    'Content-Length': Math.max(0, end - start + 1),
    ...(plan.status === 206 ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  const { stream, meter } = source.open(start, end);
  // pipeline destroys the read stream when the client goes away: no read (and no priority) leaks.
  const done = (error: NodeJS.ErrnoException | null) => {
    if (!error) return;
    if (error.code === 'ERR_STREAM_PREMATURE_CLOSE') log.debug('client closed the stream', { start, end });
    else log.warn('stream read failed', { start, end, error: error.message });
    res.destroy();
  };
  if (meter) pipeline(stream, meter, res, done);
  else pipeline(stream, res, done);
}
