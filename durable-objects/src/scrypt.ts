import { pbkdf2Sync } from 'node:crypto';

/**
 * scrypt (RFC 7914) that gives the thread back while it works. workerd runs every isolate of a
 * process on one thread, so the native `node:crypto` scrypt (synchronous there) stops every other
 * request for the whole derivation (~200-350 ms at N=2^17). This one computes the same bytes in
 * slices of a few milliseconds and awaits `pause` between them, so requests of other users run in
 * between. The memory (128·r·N bytes) is taken in 1 MiB chunks as the derivation reaches them and
 * wiped slice by slice, so no single allocation or wipe holds the thread either.
 *
 * PBKDF2-HMAC-SHA256 with one iteration (the cheap first and last steps) stays native.
 */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
  dkLen: number;
}

export interface Cooperation {
  /** Resolves when other work had its turn (a zero-delay timer). */
  pause(): Promise<void>;
  /** Longest stretch of work between pauses, in milliseconds. */
  sliceMs: number;
}

/**
 * V (128·r·N bytes) as 1 MiB chunks, kept by a caller that derives one key at a time and passes it
 * to every derivation. Typed arrays' memory lives outside the isolate's heap, and V8 saw no reason
 * to collect a finished derivation's chunks: each sign-in left 128 MiB behind in workerd (ten
 * sign-ins, +835 MB of RSS, never returned). One V per serial caller bounds it.
 */
export type ScryptMemory = Uint32Array[];

/** BlockMix calls between clock reads; on runtimes whose clock stands still, a pause every 4096. */
const CHECK_EVERY = 128;
const MAX_CALLS_PER_SLICE = 4096;
/** Blocks per chunk of V: 1 MiB when r = 8. */
const CHUNK_BLOCKS = 1024;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function swapWords(words: Uint32Array): void {
  if (LITTLE_ENDIAN) return;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as number;
    words[i] = ((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24);
  }
}

const rotl = (a: number, b: number) => (a << b) | (a >>> (32 - b));

/** out[o..o+16) = Salsa20/8(a[ai..ai+16) ^ b[bi..bi+16)); reads everything before writing. */
function salsaXor(a: Uint32Array, ai: number, b: Uint32Array, bi: number, out: Uint32Array, o: number): void {
  const j0 = (a[ai] as number) ^ (b[bi] as number);
  const j1 = (a[ai + 1] as number) ^ (b[bi + 1] as number);
  const j2 = (a[ai + 2] as number) ^ (b[bi + 2] as number);
  const j3 = (a[ai + 3] as number) ^ (b[bi + 3] as number);
  const j4 = (a[ai + 4] as number) ^ (b[bi + 4] as number);
  const j5 = (a[ai + 5] as number) ^ (b[bi + 5] as number);
  const j6 = (a[ai + 6] as number) ^ (b[bi + 6] as number);
  const j7 = (a[ai + 7] as number) ^ (b[bi + 7] as number);
  const j8 = (a[ai + 8] as number) ^ (b[bi + 8] as number);
  const j9 = (a[ai + 9] as number) ^ (b[bi + 9] as number);
  const j10 = (a[ai + 10] as number) ^ (b[bi + 10] as number);
  const j11 = (a[ai + 11] as number) ^ (b[bi + 11] as number);
  const j12 = (a[ai + 12] as number) ^ (b[bi + 12] as number);
  const j13 = (a[ai + 13] as number) ^ (b[bi + 13] as number);
  const j14 = (a[ai + 14] as number) ^ (b[bi + 14] as number);
  const j15 = (a[ai + 15] as number) ^ (b[bi + 15] as number);
  let x0 = j0;
  let x1 = j1;
  let x2 = j2;
  let x3 = j3;
  let x4 = j4;
  let x5 = j5;
  let x6 = j6;
  let x7 = j7;
  let x8 = j8;
  let x9 = j9;
  let x10 = j10;
  let x11 = j11;
  let x12 = j12;
  let x13 = j13;
  let x14 = j14;
  let x15 = j15;
  for (let i = 0; i < 8; i += 2) {
    x4 ^= rotl((x0 + x12) | 0, 7);
    x8 ^= rotl((x4 + x0) | 0, 9);
    x12 ^= rotl((x8 + x4) | 0, 13);
    x0 ^= rotl((x12 + x8) | 0, 18);
    x9 ^= rotl((x5 + x1) | 0, 7);
    x13 ^= rotl((x9 + x5) | 0, 9);
    x1 ^= rotl((x13 + x9) | 0, 13);
    x5 ^= rotl((x1 + x13) | 0, 18);
    x14 ^= rotl((x10 + x6) | 0, 7);
    x2 ^= rotl((x14 + x10) | 0, 9);
    x6 ^= rotl((x2 + x14) | 0, 13);
    x10 ^= rotl((x6 + x2) | 0, 18);
    x3 ^= rotl((x15 + x11) | 0, 7);
    x7 ^= rotl((x3 + x15) | 0, 9);
    x11 ^= rotl((x7 + x3) | 0, 13);
    x15 ^= rotl((x11 + x7) | 0, 18);
    x1 ^= rotl((x0 + x3) | 0, 7);
    x2 ^= rotl((x1 + x0) | 0, 9);
    x3 ^= rotl((x2 + x1) | 0, 13);
    x0 ^= rotl((x3 + x2) | 0, 18);
    x6 ^= rotl((x5 + x4) | 0, 7);
    x7 ^= rotl((x6 + x5) | 0, 9);
    x4 ^= rotl((x7 + x6) | 0, 13);
    x5 ^= rotl((x4 + x7) | 0, 18);
    x11 ^= rotl((x10 + x9) | 0, 7);
    x8 ^= rotl((x11 + x10) | 0, 9);
    x9 ^= rotl((x8 + x11) | 0, 13);
    x10 ^= rotl((x9 + x8) | 0, 18);
    x12 ^= rotl((x15 + x14) | 0, 7);
    x13 ^= rotl((x12 + x15) | 0, 9);
    x14 ^= rotl((x13 + x12) | 0, 13);
    x15 ^= rotl((x14 + x13) | 0, 18);
  }
  out[o] = (x0 + j0) | 0;
  out[o + 1] = (x1 + j1) | 0;
  out[o + 2] = (x2 + j2) | 0;
  out[o + 3] = (x3 + j3) | 0;
  out[o + 4] = (x4 + j4) | 0;
  out[o + 5] = (x5 + j5) | 0;
  out[o + 6] = (x6 + j6) | 0;
  out[o + 7] = (x7 + j7) | 0;
  out[o + 8] = (x8 + j8) | 0;
  out[o + 9] = (x9 + j9) | 0;
  out[o + 10] = (x10 + j10) | 0;
  out[o + 11] = (x11 + j11) | 0;
  out[o + 12] = (x12 + j12) | 0;
  out[o + 13] = (x13 + j13) | 0;
  out[o + 14] = (x14 + j14) | 0;
  out[o + 15] = (x15 + j15) | 0;
}

/**
 * scryptBlockMix: `input[ii..ii+32r)` into `out[oi..oi+32r)` (which must not overlap it), with the
 * even sub-blocks first and the odd ones after, as RFC 7914 orders them.
 */
function blockMix(input: Uint32Array, ii: number, out: Uint32Array, oi: number, r: number): void {
  // X starts as the last 64-byte sub-block of the input; afterwards it is the previous output.
  let xs = input;
  let xi = ii + (2 * r - 1) * 16;
  for (let i = 0; i < 2 * r; i++) {
    const dest = oi + ((i & 1) === 0 ? (i >>> 1) * 16 : (r + (i >>> 1)) * 16);
    salsaXor(input, ii + i * 16, xs, xi, out, dest);
    xs = out;
    xi = dest;
  }
}

/** Says when a slice has lasted `sliceMs` (or 4096 calls) and the work should pause. */
class Slicer {
  private started = Date.now();
  private calls = 0;
  private readonly cooperation: Cooperation;
  constructor(cooperation: Cooperation) {
    this.cooperation = cooperation;
  }

  due(): boolean {
    this.calls++;
    if (this.calls % CHECK_EVERY !== 0) return false;
    return this.calls >= MAX_CALLS_PER_SLICE || Date.now() - this.started >= this.cooperation.sliceMs;
  }

  async pause(): Promise<void> {
    await this.cooperation.pause();
    this.calls = 0;
    this.started = Date.now();
  }
}

export async function scryptCooperative(
  password: Uint8Array,
  salt: Uint8Array,
  { N, r, p, dkLen }: ScryptCost,
  cooperation: Cooperation,
  chunks: ScryptMemory = [],
): Promise<Uint8Array> {
  if (N < 2 || (N & (N - 1)) !== 0) throw new RangeError('N must be a power of 2 greater than 1');
  if (r < 1 || p < 1 || dkLen < 1) throw new RangeError('r, p and dkLen must be positive');
  const words = 32 * r;
  const B = new Uint32Array(
    new Uint8Array(pbkdf2Sync(password, salt, 1, 128 * r * p, 'sha256')).buffer.slice(0),
  );
  swapWords(B);
  const X = new Uint32Array(words);
  const T = new Uint32Array(words);
  const slicer = new Slicer(cooperation);
  try {
    for (let block = 0; block < p; block++) {
      X.set(B.subarray(block * words, (block + 1) * words));
      // V[i] = X; X = BlockMix(X), for i in 0..N-1.
      for (let i = 0; i < N; i++) {
        const c = Math.floor(i / CHUNK_BLOCKS);
        const size = Math.min(CHUNK_BLOCKS, N - c * CHUNK_BLOCKS) * words;
        let chunk = chunks[c];
        if (chunk?.length !== size) {
          chunk = new Uint32Array(size);
          chunks[c] = chunk;
        }
        const at = (i % CHUNK_BLOCKS) * words;
        chunk.set(X, at);
        blockMix(chunk, at, X, 0, r);
        if (slicer.due()) await slicer.pause();
      }
      // X = BlockMix(X ^ V[j]), j = Integerify(X) mod N, N times.
      for (let i = 0; i < N; i++) {
        const j = ((X[(2 * r - 1) * 16] as number) & (N - 1)) >>> 0;
        const chunk = chunks[Math.floor(j / CHUNK_BLOCKS)] as Uint32Array;
        const at = (j % CHUNK_BLOCKS) * words;
        for (let k = 0; k < words; k++) T[k] = (X[k] as number) ^ (chunk[at + k] as number);
        blockMix(T, 0, X, 0, r);
        if (slicer.due()) await slicer.pause();
      }
      B.set(X, block * words);
    }
    swapWords(B);
    return new Uint8Array(pbkdf2Sync(password, new Uint8Array(B.buffer), 1, dkLen, 'sha256'));
  } finally {
    // The working memory holds password-derived state: wipe it, a chunk per slice.
    X.fill(0);
    T.fill(0);
    for (let c = 0; c < chunks.length; c++) {
      chunks[c]?.fill(0);
      if (c % 16 === 15) await cooperation.pause();
    }
    B.fill(0);
  }
}
