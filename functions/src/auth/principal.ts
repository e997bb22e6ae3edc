import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, Deps, Principal } from '../context.js';
import { ApiError, forbidden, unauthorized } from '../errors.js';
import { boundedCache } from '../infra/bounded-cache.js';
import type { Infra } from '../infra/index.js';
import { sessionLive } from './sessions.js';
import { API_KEY_PREFIX, safeEqual, sha256, verifyAccessToken } from './tokens.js';
import { cachedUser } from './users.js';

/** Key hash -> user id, for 5 s: a key revoked elsewhere stops working within that time. */
const apiKeyCache = boundedCache<string, string>({ max: 10_000, ttl: 5_000 });

export function forgetApiKey(hash: string): void {
  apiKeyCache.delete(hash);
}

async function userIdForApiKey(infra: Infra, key: string): Promise<string | null> {
  const hash = await sha256(key);
  const hit = apiKeyCache.get(hash);
  if (hit) return hit;
  const [row] = await infra.db.query<{ user_id: string }>(
    `UPDATE api_keys SET last_used_at = now()
     WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
     RETURNING user_id`,
    [hash],
  );
  if (!row) return null;
  apiKeyCache.set(hash, row.user_id);
  return row.user_id;
}

/** The static `API_KEY` acts as the instance owner: the oldest active admin. */
async function ownerId(infra: Infra): Promise<string | null> {
  const [row] = await infra.db.query<{ id: string }>(
    "SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY created_at LIMIT 1",
  );
  return row?.id ?? null;
}

export function credentialFrom(c: Context<AppEnv>): string | null {
  const header = c.req.header('authorization');
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim() || null;
  return c.req.header('x-api-key')?.trim() || null;
}

/**
 * Resolves a bearer token, personal API key or the static API key to an active user. Takes no
 * request, so credentials that do not come in a header (the /ws subprotocol) resolve the same way.
 */
export async function resolvePrincipal(
  deps: Pick<Deps, 'infra' | 'config'>,
  credential: string,
): Promise<Principal> {
  const { infra, config } = deps;
  let userId: string | null;
  let via: Principal['via'];
  let tokenVersion: number | null = null;
  let session: string | undefined;
  if (credential.startsWith(API_KEY_PREFIX)) {
    userId = await userIdForApiKey(infra, credential);
    via = 'api_key';
    if (!userId) throw unauthorized('This API key is invalid, revoked or expired');
  } else if (config.API_KEY && safeEqual(credential, config.API_KEY)) {
    userId = await ownerId(infra);
    via = 'static_key';
    if (!userId) throw unauthorized('No administrator account exists yet');
  } else {
    const verified = await verifyAccessToken(config.JWT_SECRET, credential);
    if (!verified.ok) {
      throw verified.expired
        ? new ApiError(401, 'token_expired', 'The access token has expired; refresh it')
        : unauthorized('The access token is invalid');
    }
    userId = verified.claims.sub;
    tokenVersion = verified.claims.tv;
    session = verified.claims.sid;
    via = 'token';
  }
  const [user, live] = await Promise.all([
    cachedUser(infra.db, userId),
    session ? sessionLive(infra.db, session) : true,
  ]);
  if (!user || (tokenVersion !== null && user.token_version !== tokenVersion) || !live) {
    throw unauthorized('This session is no longer valid; sign in again');
  }
  if (user.disabled) throw new ApiError(403, 'account_disabled', 'This account is disabled');
  return { userId: user.id, role: user.role, via };
}

export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const credential = credentialFrom(c);
  if (!credential) throw unauthorized();
  c.set('principal', await resolvePrincipal(c.var, credential));
  c.var.log.debug('authenticated', { userId: c.var.principal.userId, via: c.var.principal.via });
  await next();
};

export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.var.principal.role !== 'admin') throw forbidden('This needs an administrator account');
  await next();
};

/** workerd reports the peer as `cf.clientIp` ("addr:port"). */
export function clientAddress(c: Context<AppEnv>): string {
  const cf = (c.req.raw as { cf?: { clientIp?: unknown } }).cf;
  const peer = typeof cf?.clientIp === 'string' ? cf.clientIp : 'unknown';
  return peer.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
}
