import { DEVICE_COOKIE, REFRESH_COOKIE, type SessionTransport, type TokenPair } from '@sokoul/contracts';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../context.js';

/**
 * The browser's session cookies. The refresh token lives in an HttpOnly cookie that page scripts
 * cannot read, sent only to /auth (refresh, logout), SameSite=Strict so no other site can make the
 * browser send it, and Secure whenever the app is served over HTTPS (directly or behind a proxy
 * that says so in X-Forwarded-Proto).
 */
const DEVICE_MAX_AGE = 365 * 86_400;

const secure = (c: Context<AppEnv>) =>
  new URL(c.req.url).protocol === 'https:' ||
  c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';

const options = (c: Context<AppEnv>, maxAge: number) =>
  ({ path: '/auth', httpOnly: true, sameSite: 'Strict', secure: secure(c), maxAge }) as const;

export const refreshCookie = (c: Context<AppEnv>): string | undefined =>
  getCookie(c, REFRESH_COOKIE) || undefined;
export const deviceCookie = (c: Context<AppEnv>): string | undefined =>
  getCookie(c, DEVICE_COOKIE) || undefined;

/**
 * Hands a new session to the client the way it asked: in the JSON (`body`), or with the refresh token
 * in the cookie and left out of the JSON (`cookie`). Token answers are never stored by caches.
 */
export function deliverSession(
  c: Context<AppEnv>,
  tokens: TokenPair,
  transport: SessionTransport,
): TokenPair {
  c.header('Cache-Control', 'no-store');
  if (transport === 'body') return tokens;
  const { refreshToken, ...rest } = tokens;
  if (refreshToken) setCookie(c, REFRESH_COOKIE, refreshToken, options(c, c.var.config.REFRESH_TOKEN_TTL));
  return rest;
}

export function rememberDevice(c: Context<AppEnv>, deviceToken: string): void {
  setCookie(c, DEVICE_COOKIE, deviceToken, options(c, DEVICE_MAX_AGE));
}

export function forgetRefreshCookie(c: Context<AppEnv>): void {
  deleteCookie(c, REFRESH_COOKIE, { path: '/auth', secure: secure(c), httpOnly: true, sameSite: 'Strict' });
}
