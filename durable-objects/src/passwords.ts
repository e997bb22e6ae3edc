import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type Cooperation, type ScryptMemory, scryptCooperative } from './scrypt.js';

/**
 * Password hashes: scrypt at OWASP's first recommended setting (N=2^17, r=8, p=1), stored as
 * `scrypt$<log2 N>$<r>$<p>$<salt>$<key>` (base64url) so the cost can be raised later. The same bytes
 * as `node:crypto` scrypt, which the launcher uses in Node (`sokoul user create`).
 */
export const PASSWORD_COST = { logN: 17, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
/** Stored costs past these are refused rather than run (a hash is never larger than 256 MiB of work). */
const MAX_LOG_N = 20;
const MAX_R = 16;
const MAX_P = 4;

export interface StoredPassword {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

export const passwordBytes = (password: string) => new TextEncoder().encode(password.normalize('NFKC'));

export function encodePasswordHash(
  cost: { logN: number; r: number; p: number },
  salt: Uint8Array,
  key: Uint8Array,
) {
  return `scrypt$${cost.logN}$${cost.r}$${cost.p}$${Buffer.from(salt).toString('base64url')}$${Buffer.from(key).toString('base64url')}`;
}

export function parsePasswordHash(stored: string): StoredPassword | null {
  const [scheme, logN, r, p, salt, key, extra] = stored.split('$');
  if (scheme !== 'scrypt' || !logN || !r || !p || !salt || !key || extra !== undefined) return null;
  const cost = { logN: Number(logN), r: Number(r), p: Number(p) };
  if (!Number.isInteger(cost.logN) || cost.logN < 1 || cost.logN > MAX_LOG_N) return null;
  if (!Number.isInteger(cost.r) || cost.r < 1 || cost.r > MAX_R) return null;
  if (!Number.isInteger(cost.p) || cost.p < 1 || cost.p > MAX_P) return null;
  return { ...cost, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

export function needsRehash(stored: string): boolean {
  const { logN, r, p } = PASSWORD_COST;
  return !stored.startsWith(`scrypt$${logN}$${r}$${p}$`);
}

/** A new hash of `password`, computed in slices (see scrypt.ts). */
export async function hashCooperatively(
  password: string,
  cooperation: Cooperation,
  memory?: ScryptMemory,
): Promise<string> {
  const salt = randomBytes(16);
  const { logN, r, p } = PASSWORD_COST;
  const key = await scryptCooperative(
    passwordBytes(password),
    salt,
    { N: 2 ** logN, r, p, dkLen: KEY_LENGTH },
    cooperation,
    memory,
  );
  return encodePasswordHash(PASSWORD_COST, salt, key);
}

/**
 * Whether `password` matches `stored`. Without a stored hash (no such account) the same work is
 * done against a random salt and the answer is false, so the time taken does not tell.
 */
export async function verifyCooperatively(
  password: string,
  stored: string | null,
  cooperation: Cooperation,
  memory?: ScryptMemory,
): Promise<boolean> {
  const parsed = stored === null ? null : parsePasswordHash(stored);
  const { logN, r, p } = parsed ?? PASSWORD_COST;
  const salt = parsed?.salt ?? randomBytes(16);
  const expected = parsed?.key ?? Buffer.alloc(KEY_LENGTH);
  const actual = Buffer.from(
    await scryptCooperative(
      passwordBytes(password),
      salt,
      { N: 2 ** logN, r, p, dkLen: expected.length || KEY_LENGTH },
      cooperation,
      memory,
    ),
  );
  return parsed !== null && actual.length === expected.length && timingSafeEqual(actual, expected);
}
