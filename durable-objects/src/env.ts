import type { CacheStore } from './cache-store.js';
import type { Database } from './database.js';
import type { NatsBridge } from './nats-bridge.js';
import type { UserSession } from './user-session.js';

/**
 * Bindings of the workerd app. Configuration values arrive as text bindings (all optional at the
 * type level; `ApiConfigSchema` validates them); the namespaces and ASSETS are set by the launcher's
 * generated config (or wrangler.toml).
 */
export interface Env {
  DATABASE: DurableObjectNamespace<Database>;
  CACHE_STORE: DurableObjectNamespace<CacheStore>;
  NATS_BRIDGE: DurableObjectNamespace<NatsBridge>;
  USER_SESSION: DurableObjectNamespace<UserSession>;
  ASSETS?: Fetcher;
  [variable: string]: unknown;
}

/** Text bindings as a plain record, for zod. */
export function textBindings(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

export function databaseStub(env: Env) {
  return env.DATABASE.get(env.DATABASE.idFromName('primary'));
}

export function cacheStoreStub(env: Env) {
  return env.CACHE_STORE.get(env.CACHE_STORE.idFromName('primary'));
}

export function natsBridgeStub(env: Env) {
  return env.NATS_BRIDGE.get(env.NATS_BRIDGE.idFromName('primary'));
}

export function userSessionStub(env: Env, userId: string) {
  return env.USER_SESSION.get(env.USER_SESSION.idFromName(userId));
}
