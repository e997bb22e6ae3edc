import type { ApiConfig } from '@sokoul/contracts';
import { ApiError } from '../errors.js';
import type { Cache } from '../infra/cache.js';

/**
 * Failed logins are counted per account and per client address over a fixed window. Only failures
 * count, so a household behind one address is not locked out by its own successful logins; the
 * per-address limit is wider because several accounts share an address.
 */
const ADDRESS_FACTOR = 5;

const keys = (email: string, address: string) => ({
  account: `rl:login:account:${email}`,
  address: `rl:login:address:${address}`,
});

export async function assertLoginAllowed(cache: Cache, config: ApiConfig, email: string, address: string) {
  const k = keys(email, address);
  const [account, byAddress] = await Promise.all([cache.get(k.account), cache.get(k.address)]);
  const accountBlocked = Number(account ?? 0) >= config.LOGIN_RATE_LIMIT;
  const addressBlocked = Number(byAddress ?? 0) >= config.LOGIN_RATE_LIMIT * ADDRESS_FACTOR;
  if (!accountBlocked && !addressBlocked) return;
  const retryAfter = Math.max(
    accountBlocked ? await cache.ttl(k.account) : 0,
    addressBlocked ? await cache.ttl(k.address) : 0,
    1,
  );
  throw new ApiError(429, 'rate_limited', `Too many failed sign-in attempts, try again in ${retryAfter} s`, {
    'Retry-After': String(retryAfter),
  });
}

export async function recordLoginFailure(cache: Cache, config: ApiConfig, email: string, address: string) {
  const k = keys(email, address);
  await Promise.all([
    cache.increment(k.account, config.LOGIN_RATE_WINDOW),
    cache.increment(k.address, config.LOGIN_RATE_WINDOW),
  ]);
}

export async function clearLoginFailures(cache: Cache, email: string, address: string) {
  await cache.delete(keys(email, address).account);
}
