import { Transform, type Writable } from 'node:stream';
import type { Logger } from '@sokoul/contracts';
import type { EngineReads } from '../downloads/engine.js';

/**
 * Sokoul's readahead for files still downloading. webtorrent's own stream read fetches the range
 * asked for, marking at most 2 pieces critical at the read position; a player needs more: each
 * active reader gets the bytes at its playhead made critical, a window of STREAM_READAHEAD_MB ahead
 * of it at high priority, and the file's first and last bytes (container indexes: Matroska cues,
 * a trailing MP4 moov) early. The rest of the torrent keeps its normal order. Every reader holds
 * its own windows (the engine shares the bandwidth between windows), so one reader cannot take the
 * priority of another. A reader the client stopped reading (its response backpressured) or one
 * whose range was fully sent gives its priority back after STREAM_IDLE_SECONDS; one the client
 * aborted gives it back at once.
 */

const MiB = 1024 * 1024;
/** Bytes at the playhead made critical. */
const PLAYHEAD_BYTES = MiB;
/** Bytes at each end of the file fetched early for the container's index. */
const INDEX_BYTES = MiB;

export interface ReadFile {
  downloadId: string;
  fileIndex: number;
  sizeBytes: number;
}

interface Reader extends ReadFile {
  position: number;
  /** The whole range was read (it lingers for a follow-up read until idle). */
  ended: boolean;
  sink: Writable;
  /** Where the windows were placed; null while it holds none. */
  placedAt: number | null;
  /** The windows that follow the playhead, and the index ones (kept while it holds any). */
  releases: (() => void)[];
  indexReleases: (() => void)[];
  idleSince: number | null;
}

export interface ReadaheadOptions {
  engine: EngineReads;
  windowBytes: number;
  idleMs: number;
  log: Logger;
}

export class Readahead {
  readonly #o: ReadaheadOptions;
  readonly #readers = new Set<Reader>();
  readonly #sweep: NodeJS.Timeout;

  constructor(opts: ReadaheadOptions) {
    this.#o = opts;
    // Often enough that a release lands within a quarter of the idle time.
    this.#sweep = setInterval(() => this.#release(), Math.min(1000, Math.max(50, opts.idleMs / 4)));
    this.#sweep.unref();
  }

  /**
   * Follows one read of `file` from byte `start` to the client behind `sink`: the answer passes
   * the bytes through and moves the windows as they flow.
   */
  follow(file: ReadFile, start: number, sink: Writable): Transform {
    const reader: Reader = {
      downloadId: file.downloadId,
      fileIndex: file.fileIndex,
      sizeBytes: file.sizeBytes,
      position: start,
      ended: false,
      sink,
      placedAt: null,
      releases: [],
      indexReleases: [],
      idleSince: null,
    };
    this.#place(reader);
    // A read that goes on where a finished one stopped takes over from it (players that read in
    // bounded ranges), after its own windows are in place so no piece loses its priority between.
    for (const other of this.#readers) {
      if (
        other.ended &&
        other.downloadId === file.downloadId &&
        other.fileIndex === file.fileIndex &&
        Math.abs(other.position - start) <= this.#o.windowBytes
      )
        this.#drop(other);
    }
    this.#readers.add(reader);
    const step = Math.max(MiB, Math.floor(this.#o.windowBytes / 8));
    const meter = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        reader.position += chunk.length;
        reader.idleSince = null;
        if (reader.placedAt === null || reader.position - reader.placedAt >= step) this.#place(reader);
        callback(null, chunk);
      },
      flush: (callback) => {
        reader.ended = true;
        callback();
      },
    });
    sink.once('close', () => {
      if (!reader.ended) this.#drop(reader);
    });
    return meter;
  }

  /** Gives every window back (the server is closing). */
  close(): void {
    clearInterval(this.#sweep);
    for (const reader of [...this.#readers]) this.#drop(reader);
  }

  #place(reader: Reader): void {
    const { engine, windowBytes, log } = this.#o;
    const { downloadId: id, fileIndex, sizeBytes: size, position } = reader;
    const old = reader.releases;
    const last = size - 1;
    reader.releases = [
      engine.prioritize(id, fileIndex, {
        start: position,
        end: Math.min(last, position + PLAYHEAD_BYTES - 1),
        level: 'critical',
      }),
      engine.prioritize(id, fileIndex, {
        start: position,
        end: Math.min(last, position + windowBytes - 1),
        level: 'high',
      }),
    ];
    for (const release of old) release();
    if (reader.placedAt === null) {
      reader.indexReleases = [
        engine.prioritize(id, fileIndex, { start: 0, end: Math.min(last, INDEX_BYTES - 1), level: 'high' }),
        engine.prioritize(id, fileIndex, {
          start: Math.max(0, size - INDEX_BYTES),
          end: last,
          level: 'high',
        }),
      ];
      log.debug('readahead window taken', { downloadId: id, fileIndex, position });
    }
    reader.placedAt = position;
  }

  #unplace(reader: Reader): void {
    for (const release of [...reader.releases, ...reader.indexReleases]) release();
    reader.releases = [];
    reader.indexReleases = [];
    if (reader.placedAt !== null)
      this.#o.log.debug('readahead window given back', {
        downloadId: reader.downloadId,
        fileIndex: reader.fileIndex,
        position: reader.position,
      });
    reader.placedAt = null;
  }

  #drop(reader: Reader): void {
    this.#unplace(reader);
    this.#readers.delete(reader);
  }

  /** Readers idle for STREAM_IDLE_SECONDS give their windows back; finished ones go. */
  #release(): void {
    const now = Date.now();
    for (const reader of this.#readers) {
      const idle = reader.ended || reader.sink.writableNeedDrain;
      if (!idle) {
        reader.idleSince = null;
        continue;
      }
      reader.idleSince ??= now;
      if (now - reader.idleSince < this.#o.idleMs) continue;
      if (reader.ended) this.#drop(reader);
      else this.#unplace(reader);
    }
  }
}
