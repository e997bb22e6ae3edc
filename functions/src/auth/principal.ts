import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, Principal } from '../context.js';
import { ApiError, forbidden, unauthorized } from '../http/errors.js';
import type { Infra } from '../infra/index.js';
import { API_KEY_PREFIX, safeEqual, sha256, verifyAccessToken } from './tokens.js';
import { cachedUser } from './users.js';

const API_KEY_CACHE_MS = 5_000;
const apiKeyCache = new Map<string, { userId: string; until: number }>();

export function forgetApiKey(hash: string): void {
  apiKeyCache.delete(hash);
}

async function userIdForApiKey(infra: Infra, key: string): Promise<string | null> {
  const hash = await sha256(key);
  const hit = apiKeyCache.get(hash);
  if (hit && hit.until > Date.now()) return hit.userId;
  const [row] = await infra.db.query<{ user_id: string }>(
    `UPDATE api_keys SET last_used_at = now()
     WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
     RETURNING user_id`,
    [hash],
  );
  if (!row) return null;
  if (apiKeyCache.size > 10_000) apiKeyCache.clear();
  apiKeyCache.set(hash, { userId: row.user_id, until: Date.now() + API_KEY_CACHE_MS });
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

/** Resolves a bearer token, personal API key or the static API key to an active user. */
export async function resolvePrincipal(c: Context<AppEnv>, credential: string): Promise<Principal> {
  const { infra, config } = c.var;
  let userId: string | null;
  let via: Principal['via'];
  let tokenVersion: number | null = null;
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
    via = 'token';
  }
  const user = await cachedUser(infra.db, userId);
  if (!user || (tokenVersion !== null && user.token_version !== tokenVersion)) {
    throw unauthorized('This session is no longer valid; sign in again');
  }
  if (user.disabled) throw new ApiError(403, 'account_disabled', 'This account is disabled');
  return { userId: user.id, role: user.role, via };
}

export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const credential = credentialFrom(c);
  if (!credential) throw unauthorized();
  c.set('principal', await resolvePrincipal(c, credential));
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
