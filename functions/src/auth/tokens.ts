import { timingSafeEqual } from 'node:crypto';
import type { Role } from '@sokoul/contracts';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { boundedCache } from '../infra/bounded-cache.js';

const ISSUER = 'sokoul';
/**
 * Imported once per isolate: importing an HMAC key on every request costs more than verifying. A
 * plain map, bounded by design: its keys are the configured secrets (JWT_SECRET), not client input.
 */
const keys = new Map<string, CryptoKey>();
async function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    keys.set(secret, key);
  }
  return key;
}

export interface AccessClaims {
  sub: string;
  role: Role;
  /** The user's token_version when issued: bumping it invalidates every outstanding token. */
  tv: number;
  /**
   * The session (refresh-token family) the token was issued for: once it is revoked (logout, reuse
   * detected) the token stops working. Tokens from before sessions were named have none.
   */
  sid?: string;
}

export async function signAccessToken(
  secret: string,
  claims: AccessClaims,
  ttlSeconds: number,
): Promise<string> {
  return new SignJWT({
    role: claims.role,
    tv: claims.tv,
    typ: 'access',
    ...(claims.sid ? { sid: claims.sid } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(await keyFor(secret));
}

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; expired: boolean };

/**
 * Clients reuse one access token for its whole life, so a verified token is remembered (per isolate,
 * bounded) and only its expiry is checked again: signature checks were a third of /auth/me's cost.
 */
const verified = boundedCache<string, AccessClaims>({ max: 10_000 });

export async function verifyAccessToken(secret: string, token: string): Promise<VerifyResult> {
  const known = verified.get(token);
  if (known) return { ok: true, claims: known };
  // An expired token has left the cache: the signature check says it expired.
  const result = await verifySignature(secret, token);
  const ttl = result.ok && result.expiresAt ? result.expiresAt - Date.now() : 0;
  if (result.ok && ttl > 0) verified.set(token, result.claims, { ttl });
  return result;
}

async function verifySignature(
  secret: string,
  token: string,
): Promise<
  (VerifyResult & { ok: false }) | { ok: true; claims: AccessClaims; expiresAt: number | undefined }
> {
  try {
    const { payload } = await jwtVerify(token, await keyFor(secret), {
      issuer: ISSUER,
      algorithms: ['HS256'],
    });
    if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.tv !== 'number') {
      return { ok: false, expired: false };
    }
    const role = payload.role === 'admin' ? 'admin' : 'member';
    return {
      ok: true,
      claims: {
        sub: payload.sub,
        role,
        tv: payload.tv,
        ...(typeof payload.sid === 'string' ? { sid: payload.sid } : {}),
      },
      expiresAt: payload.exp ? payload.exp * 1000 : undefined,
    };
  } catch (error) {
    return { ok: false, expired: error instanceof joseErrors.JWTExpired };
  }
}

export function randomToken(bytes = 32): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64url');
}

/** Tokens and keys are high-entropy random values: a fast hash is enough at rest. */
export async function sha256(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  return Buffer.from(digest).toString('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Refresh tokens are `<row id>.<secret>`; only the secret's hash is stored. */
export function splitRefreshToken(token: string): { id: string; secret: string } | null {
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const id = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!/^[0-9a-f-]{36}$/.test(id) || secret.length < 20) return null;
  return { id, secret };
}

export const API_KEY_PREFIX = 'sk_';

async function hmac(secret: string, text: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await keyFor(secret), new TextEncoder().encode(text));
  return Buffer.from(mac).toString('base64url');
}

/**
 * A device token: `<user id>.<device id>.<MAC>`, given to a device after it signed in to that account
 * (kept in the `sokoul_device` cookie). It proves the device signed in before, nothing more.
 */
export async function signDevice(
  secret: string,
  userId: string,
  deviceId = randomToken(16),
): Promise<string> {
  return `${userId}.${deviceId}.${await hmac(secret, `sokoul-device:${userId}:${deviceId}`)}`;
}

/** The device id when `token` is a device token of `userId`, else null. */
export async function verifyDevice(
  secret: string,
  token: string | undefined,
  userId: string,
): Promise<string | null> {
  const [owner, deviceId, mac, extra] = token?.split('.') ?? [];
  if (!owner || !deviceId || !mac || extra !== undefined || owner !== userId || deviceId.length > 64)
    return null;
  return safeEqual(mac, await hmac(secret, `sokoul-device:${userId}:${deviceId}`)) ? deviceId : null;
}
