import type { Bindings } from './bindings.js';
import type { CacheStore } from './cache-store.js';
import type { Database } from './database.js';
import type { NatsBridge } from './nats-bridge.js';
import type { PasswordHasher } from './password-hasher.js';
import type { UserSession } from './user-session.js';

/**
 * Bindings of the workerd app. Configuration values arrive as text bindings (all optional at the
 * type level; `ApiConfigSchema` validates them); the namespaces and ASSETS are set by the launcher's
 * generated config (or wrangler.toml).
 */
export interface Env extends Bindings {
  DATABASE: DurableObjectNamespace<Database>;
  CACHE_STORE: DurableObjectNamespace<CacheStore>;
  NATS_BRIDGE: DurableObjectNamespace<NatsBridge>;
  USER_SESSION: DurableObjectNamespace<UserSession>;
  /** Runs in a worker of its own (launcher/src/workerd.ts), so hashing never shares the API's isolate. */
  PASSWORD_HASHER: DurableObjectNamespace<PasswordHasher>;
  ASSETS?: Fetcher;
  /** The edge deployment's PostgreSQL (wrangler.edge.toml); `databaseUrl` reads it. */
  HYPERDRIVE?: Hyperdrive;
}
