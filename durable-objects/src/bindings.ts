import type { SokoulEvent } from '@sokoul/contracts';

/**
 * The bindings as the Durable Object classes see them. The classes call each other (the bridge
 * delivers to sessions, a session registers with the bridge), so the methods they call are declared
 * here rather than taken from the classes: this module imports no class, and `Env` (env.ts), which
 * names every class, is imported by none of them.
 */
export interface UserSessionPeer extends Rpc.DurableObjectBranded {
  deliver(event: SokoulEvent): Promise<boolean>;
}

export interface NatsBridgePeer extends Rpc.DurableObjectBranded {
  register(userId: string): Promise<void>;
}

/**
 * The part of a namespace used here. Unlike `DurableObjectNamespace`, which TypeScript treats as
 * invariant, it is covariant in T, so `Env` (full classes) is also a `Bindings` (peer methods).
 */
interface Namespace<T extends Rpc.DurableObjectBranded> {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): DurableObjectStub<T>;
}

export interface Bindings {
  NATS_BRIDGE: Namespace<NatsBridgePeer>;
  USER_SESSION: Namespace<UserSessionPeer>;
  [variable: string]: unknown;
}

/**
 * PostgreSQL's address: DATABASE_URL when set, else the connection string of a Hyperdrive binding
 * named HYPERDRIVE (the edge deployment, wrangler.edge.toml), which is an object, not a text.
 */
export function databaseUrl(env: Record<string, unknown>): string | undefined {
  if (typeof env.DATABASE_URL === 'string' && env.DATABASE_URL.trim() !== '') return env.DATABASE_URL;
  const hyperdrive = env.HYPERDRIVE as { connectionString?: unknown } | null | undefined;
  return typeof hyperdrive?.connectionString === 'string' ? hyperdrive.connectionString : undefined;
}

/** Text bindings as a plain record, for zod (DATABASE_URL included when Hyperdrive provides it). */
export function textBindings(env: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value === 'string') out[key] = value;
  }
  const url = databaseUrl(env);
  if (url !== undefined) out.DATABASE_URL = url;
  return out;
}

// Generic over the namespace's class, so a worker holding `Env` gets the full RPC type of each
// object and a class holding `Bindings` only the peer methods above.
export function databaseStub<T extends Rpc.DurableObjectBranded>(env: { DATABASE: Namespace<T> }) {
  return env.DATABASE.get(env.DATABASE.idFromName('primary'));
}

export function cacheStoreStub<T extends Rpc.DurableObjectBranded>(env: { CACHE_STORE: Namespace<T> }) {
  return env.CACHE_STORE.get(env.CACHE_STORE.idFromName('primary'));
}

export function natsBridgeStub<T extends Rpc.DurableObjectBranded>(env: { NATS_BRIDGE: Namespace<T> }) {
  return env.NATS_BRIDGE.get(env.NATS_BRIDGE.idFromName('primary'));
}

export function userSessionStub<T extends Rpc.DurableObjectBranded>(
  env: { USER_SESSION: Namespace<T> },
  userId: string,
) {
  return env.USER_SESSION.get(env.USER_SESSION.idFromName(userId));
}
