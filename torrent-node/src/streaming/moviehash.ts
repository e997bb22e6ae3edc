import { open, stat } from 'node:fs/promises';
import type { ServedFile } from './types.js';

/** OpenSubtitles hashes the first and the last 64 KiB of a file. */
export const MOVIEHASH_CHUNK = 64 * 1024;
const MASK = (1n << 64n) - 1n;

/**
 * The OpenSubtitles "moviehash": the file size plus every 64-bit little-endian word of its first and
 * last 64 KiB, modulo 2^64, as 16 hex digits. Hand-written: it is these few lines, and the packages
 * that do it also read the file their own way (here the tail may come over HTTP while downloading).
 * A chunk shorter than a whole number of words (a file under 64 KiB) ends with a zero-padded word.
 */
export function moviehashOf(size: number, head: Uint8Array, tail: Uint8Array): string {
  let sum = BigInt(size);
  for (const chunk of [head, tail]) {
    const padded = new Uint8Array(Math.ceil(chunk.length / 8) * 8);
    padded.set(chunk);
    const view = new DataView(padded.buffer);
    for (let at = 0; at < padded.length; at += 8) sum += view.getBigUint64(at, true);
  }
  return (sum & MASK).toString(16).padStart(16, '0');
}

const chunkBounds = (size: number) => ({
  headLength: Math.min(MOVIEHASH_CHUNK, size),
  tailStart: Math.max(0, size - MOVIEHASH_CHUNK),
});

async function fromDisk(path: string, size: number): Promise<string> {
  const { headLength, tailStart } = chunkBounds(size);
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(headLength);
    const tail = Buffer.alloc(size - tailStart);
    await handle.read(head, 0, head.length, 0);
    await handle.read(tail, 0, tail.length, tailStart);
    return moviehashOf(size, head, tail);
  } finally {
    await handle.close();
  }
}

async function range(url: string, start: number, end: number, signal: AbortSignal): Promise<Uint8Array> {
  const answer = await fetch(url, { headers: { range: `bytes=${start}-${end}` }, signal });
  const bytes = new Uint8Array(await answer.arrayBuffer());
  if (answer.status !== 206 || bytes.length !== end - start + 1)
    throw new Error(`range ${start}-${end} answered ${answer.status} with ${bytes.length} bytes`);
  return bytes;
}

/**
 * The moviehash of a file being served. A file still downloading is read through the server's own
 * URL: those two chunks are among the pieces fetched first (container indexes), and reads of
 * missing pieces wait for them, up to `timeoutMs`.
 */
export async function moviehash(file: ServedFile, timeoutMs = 60_000): Promise<string> {
  if (file.complete) {
    const { size } = await stat(file.realPath);
    return fromDisk(file.realPath, size);
  }
  const size = file.sizeBytes;
  if (size === 0) return moviehashOf(0, new Uint8Array(), new Uint8Array());
  const { headLength, tailStart } = chunkBounds(size);
  const signal = AbortSignal.timeout(timeoutMs);
  const [head, tail] = await Promise.all([
    range(file.internalUrl, 0, headLength - 1, signal),
    range(file.internalUrl, tailStart, size - 1, signal),
  ]);
  return moviehashOf(size, head, tail);
}
