import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '@sokoul/contracts';

/**
 * One Real-Debrid file copied to disk over HTTP: several Range connections into one `.part` file
 * (each writes at its own offsets), the bytes already written kept in a sidecar (`.part.json`, the
 * written ranges) so a restarted torrent-node asks only for what is missing, the size checked
 * against the link's, then renamed into place. Real-Debrid gives no checksum of the file (its
 * unrestrict answer's `crc` is a flag), so the size and every range's Content-Range are what is
 * verified.
 */

export interface FileFetchOptions {
  /** The file's final path. */
  path: string;
  size: number;
  /**
   * The direct link to read; `stale` is one that answered 403, 404 or 410 (it expired): a new one
   * then (Real-Debrid's unrestrict again).
   */
  link: (stale: string | null) => Promise<string>;
  connections: number;
  fetch: typeof fetch;
  log: Logger;
}

/** A download of the file failed for good (a link that keeps failing, a size that does not match). */
export class FileFetchError extends Error {}

/** Getting a link failed: the caller of `run` decides whether to try again, not each connection. */
class LinkFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(String(cause));
  }
}

const MiB = 1024 * 1024;
/**
 * Bytes gathered from the network before one positioned write, per connection. `npm run bench
 * debrid` (1 GiB over loopback, 2 cores): 1 to 4 MiB were within the run-to-run noise of each
 * other and of aria2c; 2 MiB keeps four connections' buffers at 8 MiB.
 */
const WRITE_BYTES = 2 * MiB;
/** Largest range one request asks for; smaller for small files so every connection gets some. */
const MAX_CHUNK_BYTES = 32 * MiB;
const MIN_CHUNK_BYTES = MiB;
/** How often the written ranges are saved while bytes arrive. */
const SAVE_EVERY_MS = 1_000;
/** Attempts at one range after network errors, with a growing pause, before the fetch fails. */
const ATTEMPTS = 6;
const RETRY_MS = 1_000;
/** How long the speed is measured over. */
const SPEED_WINDOW_MS = 3_000;
const EXPIRED = new Set([403, 404, 410]);

type Range = [number, number];

/** Inclusive byte ranges, sorted and merged. */
class RangeSet {
  readonly ranges: Range[];

  constructor(ranges: Range[] = []) {
    this.ranges = [];
    for (const [start, end] of ranges) this.add(start, end);
  }

  get bytes(): number {
    return this.ranges.reduce((sum, [start, end]) => sum + end - start + 1, 0);
  }

  add(start: number, end: number): void {
    if (end < start) return;
    const merged: Range[] = [];
    let next: Range = [start, end];
    let placed = false;
    for (const range of this.ranges) {
      if (range[1] + 1 < next[0]) merged.push(range);
      else if (next[1] + 1 < range[0]) {
        if (!placed) merged.push(next);
        placed = true;
        merged.push(range);
      } else next = [Math.min(range[0], next[0]), Math.max(range[1], next[1])];
    }
    if (!placed) merged.push(next);
    this.ranges.splice(0, this.ranges.length, ...merged);
  }

  /** The first byte from `from` on that is not in the set. */
  nextMissing(from: number): number {
    const holding = this.ranges.find(([start, end]) => start <= from && from <= end);
    return holding ? holding[1] + 1 : from;
  }

  /** The ranges of [0, size - 1] not in the set. */
  missing(size: number): Range[] {
    const gaps: Range[] = [];
    let at = 0;
    for (const [start, end] of this.ranges) {
      if (start > at) gaps.push([at, Math.min(start, size) - 1]);
      at = Math.max(at, end + 1);
    }
    if (at < size) gaps.push([at, size - 1]);
    return gaps.filter(([start, end]) => end >= start);
  }
}

interface Sidecar {
  size: number;
  ranges: Range[];
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export class FileFetch {
  readonly #o: FileFetchOptions;
  readonly #part: string;
  readonly #sidecar: string;
  #written = new RangeSet();
  #complete = false;
  #received = 0;
  #samples: { at: number; received: number }[] = [];
  #saved = '';
  #saving: Promise<void> = Promise.resolve();
  #link: string | null = null;
  #pending: Promise<string> | null = null;

  constructor(opts: FileFetchOptions) {
    this.#o = opts;
    this.#part = `${opts.path}.part`;
    this.#sidecar = `${opts.path}.part.json`;
  }

  get path(): string {
    return this.#o.path;
  }

  get size(): number {
    return this.#o.size;
  }

  /** Bytes of the file on disk (verified ones: the file complete, or the ranges written). */
  get bytesDone(): number {
    return this.#complete ? this.#o.size : this.#written.bytes;
  }

  get complete(): boolean {
    return this.#complete;
  }

  /** Bytes received from the network by this fetch. */
  get received(): number {
    return this.#received;
  }

  /** Bytes per second over the last few seconds. */
  get speed(): number {
    const now = Date.now();
    const first = this.#samples.find((s) => s.at >= now - SPEED_WINDOW_MS);
    if (!first || now - first.at < 250) return 0;
    return Math.round(((this.#received - first.received) * 1000) / (now - first.at));
  }

  /**
   * Reads what is on disk already: the complete file (of the right size), or a `.part` and the
   * ranges its sidecar says were written. Anything else starts over.
   */
  async load(): Promise<void> {
    const { path, size } = this.#o;
    const final = await stat(path).catch(() => null);
    if (final?.isFile() && final.size === size) {
      this.#complete = true;
      return;
    }
    const part = await stat(this.#part).catch(() => null);
    const sidecar = await readFile(this.#sidecar, 'utf8')
      .then((text) => JSON.parse(text) as Sidecar)
      .catch(() => null);
    if (part?.isFile() && sidecar?.size === size && Array.isArray(sidecar.ranges) && part.size <= size) {
      const ranges = sidecar.ranges.filter(
        (r): r is Range =>
          Array.isArray(r) && Number.isSafeInteger(r[0]) && Number.isSafeInteger(r[1]) && r[0] >= 0,
      );
      // A range past the end of the .part was never written (the sidecar cannot be ahead of the data).
      this.#written = new RangeSet(ranges.filter(([, end]) => end < part.size));
    } else this.#written = new RangeSet();
  }

  /**
   * Fetches what is missing, then verifies and renames. Rejects with `FileFetchError` when the
   * file cannot be fetched, and with the signal's reason when aborted (the ranges written stay).
   */
  async run(signal: AbortSignal): Promise<void> {
    await this.load();
    if (this.#complete) return;
    const { path, size, log } = this.#o;
    await mkdir(dirname(path), { recursive: true });
    // Nothing written to trust: a fresh .part (a stale one of another size goes).
    const file = await open(this.#part, this.#written.bytes > 0 ? 'r+' : 'w');
    const queue = this.#plan();
    const saver = setInterval(
      () =>
        this.#save(file).catch((error: unknown) =>
          log.warn('cannot save the ranges written', { path, error: String(error) }),
        ),
      SAVE_EVERY_MS,
    );
    const local = new AbortController();
    const stop = () => local.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    try {
      let failure: unknown = null;
      const workers = Array.from({ length: Math.min(this.#o.connections, queue.length) }, () =>
        this.#worker(file, queue, local.signal).catch((error: unknown) => {
          // The first failure stops the other connections.
          if (!local.signal.aborted) {
            failure = error;
            local.abort(error);
          }
        }),
      );
      await Promise.all(workers);
      if (signal.aborted) throw signal.reason;
      if (failure) throw failure;
      if (this.#written.bytes !== size || this.#written.missing(size).length > 0)
        throw new FileFetchError(`the file has ${this.#written.bytes} of its ${size} bytes`);
      const written = (await file.stat()).size;
      if (written !== size) throw new FileFetchError(`the file is ${written} bytes, not ${size}`);
    } finally {
      clearInterval(saver);
      signal.removeEventListener('abort', stop);
      await this.#save(file).catch((error: unknown) =>
        log.warn('cannot save the ranges written', { path, error: String(error) }),
      );
      await file.close();
    }
    await rename(this.#part, path);
    await rm(this.#sidecar, { force: true });
    this.#complete = true;
    log.info('file fetched from Real-Debrid', { path, size, received: this.#received });
  }

  /** The missing bytes as ranges of at most one chunk, in file order. */
  #plan(): Range[] {
    const { size, connections } = this.#o;
    const chunk = Math.max(MIN_CHUNK_BYTES, Math.min(MAX_CHUNK_BYTES, Math.ceil(size / (connections * 4))));
    const queue: Range[] = [];
    for (const [start, end] of this.#written.missing(size))
      for (let at = start; at <= end; at += chunk) queue.push([at, Math.min(end, at + chunk - 1)]);
    return queue;
  }

  async #worker(file: FileHandle, queue: Range[], signal: AbortSignal): Promise<void> {
    const buffer = Buffer.allocUnsafe(WRITE_BYTES);
    for (let range = queue.shift(); range; range = queue.shift()) {
      let [start] = range;
      const end = range[1];
      for (let attempt = 1; start <= end; attempt++) {
        try {
          start = await this.#fetchRange(file, buffer, start, end, signal);
          attempt = 0;
        } catch (error) {
          if (error instanceof LinkFailure) throw error.cause;
          if (signal.aborted || error instanceof FileFetchError || attempt >= ATTEMPTS) throw error;
          this.#o.log.warn('a range of a Real-Debrid file failed: retrying', {
            path: this.#o.path,
            start,
            attempt,
            error: String(error),
          });
          await sleep(RETRY_MS * 2 ** (attempt - 1), signal);
          // What arrived before the failure is on disk: ask from there.
          start = this.#written.nextMissing(start);
        }
      }
    }
  }

  /** Reads bytes `start`..`end` into the file; returns where it stopped (end + 1 when all arrived). */
  async #fetchRange(
    file: FileHandle,
    buffer: Buffer,
    start: number,
    end: number,
    signal: AbortSignal,
  ): Promise<number> {
    const response = await this.#request(start, end, signal);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('the link answered without a body');
    let at = start;
    let filled = 0;
    const flush = async () => {
      if (filled === 0) return;
      if (at + filled - 1 > end) throw new FileFetchError('the link sent more bytes than asked');
      await file.write(buffer, 0, filled, at);
      this.#written.add(at, at + filled - 1);
      at += filled;
      filled = 0;
    };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.#count(value.byteLength);
        let offset = 0;
        while (offset < value.byteLength) {
          const take = Math.min(value.byteLength - offset, buffer.length - filled);
          buffer.set(value.subarray(offset, offset + take), filled);
          filled += take;
          offset += take;
          if (filled === buffer.length) await flush();
        }
      }
      await flush();
    } catch (error) {
      // What arrived before the failure is kept: the retry asks from there.
      await flush().catch(() => undefined);
      await reader.cancel().catch(() => undefined);
      throw error;
    }
    if (at <= end) throw new Error(`the link stopped at byte ${at} of ${start}-${end}`);
    return at;
  }

  /**
   * A 206 for exactly `start`..`end` of a file of the expected size. A link that answers 403, 404
   * or 410 expired: it is unrestricted again (once for every connection that saw it) and the range
   * asked again; a fresh link that fails the same way is an error.
   */
  async #request(start: number, end: number, signal: AbortSignal): Promise<Response> {
    const { size } = this.#o;
    for (let refreshed = false; ; refreshed = true) {
      const url = await this.#currentLink().catch((error: unknown) => {
        throw new LinkFailure(error);
      });
      const response = await this.#o.fetch(url, { headers: { range: `bytes=${start}-${end}` }, signal });
      if (EXPIRED.has(response.status)) {
        await response.body?.cancel();
        if (refreshed) throw new FileFetchError(`a fresh link still answers HTTP ${response.status}`);
        await this.#refresh(url).catch((error: unknown) => {
          throw new LinkFailure(error);
        });
        continue;
      }
      if (response.status === 416) {
        await response.body?.cancel();
        throw new FileFetchError(`the link refused bytes ${start}-${end}: the file is not ${size} bytes`);
      }
      if (response.status !== 206) {
        await response.body?.cancel();
        const error = `the link answered HTTP ${response.status} to a range request`;
        // A 200 is the whole file from byte 0: the host ignores ranges, nothing can be resumed.
        if (response.status === 200) throw new FileFetchError(error);
        throw new Error(error);
      }
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
      if (!range || Number(range[1]) !== start || Number(range[2]) !== end || Number(range[3]) !== size) {
        await response.body?.cancel();
        throw new FileFetchError(
          `the link answered ${response.headers.get('content-range') ?? 'no Content-Range'} for bytes ${start}-${end}/${size}`,
        );
      }
      return response;
    }
  }

  #currentLink(): Promise<string> {
    if (this.#pending) return this.#pending;
    if (this.#link) return Promise.resolve(this.#link);
    return this.#askLink(null);
  }

  #askLink(stale: string | null): Promise<string> {
    const pending = this.#o.link(stale).then((link) => {
      this.#link = link;
      return link;
    });
    this.#pending = pending;
    const clear = () => {
      if (this.#pending === pending) this.#pending = null;
    };
    pending.then(clear, clear);
    return pending;
  }

  /** A new link, unless another connection already replaced `stale`. */
  async #refresh(stale: string): Promise<void> {
    if (this.#pending) await this.#pending;
    else if (this.#link === stale) await this.#askLink(stale);
  }

  #count(bytes: number): void {
    this.#received += bytes;
    const now = Date.now();
    const last = this.#samples[this.#samples.length - 1];
    if (!last || now - last.at >= 250) {
      this.#samples.push({ at: now, received: this.#received - bytes });
      while (this.#samples.length > 0 && (this.#samples[0]?.at ?? now) < now - SPEED_WINDOW_MS * 2)
        this.#samples.shift();
    }
  }

  /**
   * Saves the written ranges, after the data itself reached the disk: the sidecar never claims
   * bytes a power cut could lose. Saves run one after another.
   */
  #save(file: FileHandle): Promise<void> {
    // One failed save does not stop the next ones.
    this.#saving = this.#saving
      .catch(() => undefined)
      .then(async () => {
        const text = JSON.stringify({ size: this.#o.size, ranges: this.#written.ranges } satisfies Sidecar);
        if (text === this.#saved) return;
        await file.datasync();
        await writeFile(`${this.#sidecar}.tmp`, text);
        await rename(`${this.#sidecar}.tmp`, this.#sidecar);
        this.#saved = text;
      });
    return this.#saving;
  }
}
