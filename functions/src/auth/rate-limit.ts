import type { ApiConfig } from '@sokoul/contracts';
import { ApiError } from '../errors.js';
import type { Cache } from '../infra/cache.js';

/**
 * Sign-in throttling that slows an attacker without locking the real user out.
 *
 * - Each password check needs a slot, reserved with an atomic increment *before* the check, so
 *   concurrent attempts can never make more checks than the limit.
 * - Per account and address: LOGIN_RATE_LIMIT checks per window. After 3 failures each further
 *   attempt waits twice as long as the one before (2 s, 4 s, 8 s...), up to the window.
 * - Per account from every address: a ceiling ten times higher over four windows, for attacks spread
 *   over many addresses. Per address across accounts (spraying): five times the limit in attempts
 *   that did not succeed, reserved the same way.
 * - A device that signed in to the account before (its device token) bypasses all of those: it has
 *   its own allowance, so someone else's failures, from anywhere, never keep it out.
 */
const ACCOUNT_FACTOR = 10;
const ACCOUNT_WINDOWS = 4;
const ADDRESS_FACTOR = 5;
const FREE_FAILURES = 2;

export const rateLimited = (seconds: number, what = 'Too many failed sign-in attempts') => {
  const retryAfter = Math.max(1, Math.ceil(seconds));
  return new ApiError(429, 'rate_limited', `${what}, try again in ${retryAfter} s`, {
    'Retry-After': String(retryAfter),
  });
};

const keys = (email: string, address: string) => ({
  pair: `rl:login:pair:${email}|${address}`,
  wait: `rl:login:wait:${email}|${address}`,
  account: `rl:login:account:${email}`,
  address: `rl:login:address:${address}`,
  addressOk: `rl:login:address-ok:${address}`,
});

/** A reserved password check: what to record once its outcome is known. */
export type LoginAttempt =
  | { via: 'device'; key: string }
  | { via: 'address'; email: string; address: string; failures: number };

/** Reserves one password check for this sign-in, or throws 429 with Retry-After. */
export async function reserveLoginAttempt(
  cache: Cache,
  config: ApiConfig,
  input: { email: string; address: string; deviceId: string | null },
): Promise<LoginAttempt> {
  const limit = config.LOGIN_RATE_LIMIT;
  const window = config.LOGIN_RATE_WINDOW;
  if (input.deviceId) {
    const key = `rl:login:device:${input.deviceId}|${input.email}`;
    const slot = await cache.increment(key, window);
    if (slot.count > limit) throw rateLimited(slot.ttlSeconds);
    return { via: 'device', key };
  }
  const k = keys(input.email, input.address);
  const wait = await cache.ttl(k.wait);
  if (wait > 0) throw rateLimited(wait);
  // Attempts from the address not (yet) known to have succeeded: failures, and checks under way.
  const [attempts, succeeded] = await Promise.all([
    cache.increment(k.address, window),
    cache.get(k.addressOk),
  ]);
  if (attempts.count - Number(succeeded ?? 0) > limit * ADDRESS_FACTOR)
    throw rateLimited(attempts.ttlSeconds);
  const pair = await cache.increment(k.pair, window);
  if (pair.count > limit) throw rateLimited(pair.ttlSeconds);
  const account = await cache.increment(k.account, window * ACCOUNT_WINDOWS);
  if (account.count > limit * ACCOUNT_FACTOR) throw rateLimited(account.ttlSeconds);
  return { via: 'address', email: input.email, address: input.address, failures: pair.count };
}

/** The reserved check failed: count it for the address and make the next attempt wait. */
export async function loginFailed(cache: Cache, config: ApiConfig, attempt: LoginAttempt): Promise<void> {
  if (attempt.via === 'device') return;
  if (attempt.failures <= FREE_FAILURES) return;
  const delay = Math.min(2 ** (attempt.failures - FREE_FAILURES), config.LOGIN_RATE_WINDOW);
  await cache.set(keys(attempt.email, attempt.address).wait, '1', delay);
}

/** The right password: this account and address (or device) start afresh. */
export async function loginSucceeded(cache: Cache, config: ApiConfig, attempt: LoginAttempt): Promise<void> {
  if (attempt.via === 'device') {
    await cache.delete(attempt.key);
    return;
  }
  const k = keys(attempt.email, attempt.address);
  await Promise.all([
    cache.delete(k.pair),
    cache.delete(k.wait),
    cache.increment(k.addressOk, config.LOGIN_RATE_WINDOW),
  ]);
}

/**
 * A fixed-window allowance for an operation (sign-ups per address, current-password checks per
 * account): reserves one use before the work, or throws 429.
 */
export async function reserve(
  cache: Cache,
  key: string,
  limit: number,
  windowSeconds: number,
  what: string,
): Promise<void> {
  const slot = await cache.increment(key, windowSeconds);
  if (slot.count > limit) throw rateLimited(slot.ttlSeconds, what);
}
