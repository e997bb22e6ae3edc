import { cacheStoreStub, type Env } from '@sokoul/durable-objects';
import { Redis } from '@upstash/redis';

/** Key/value cache with expiry and counters. Redis (Upstash REST) when configured, else a Durable Object. */
export interface Cache {
  readonly kind: 'redis' | 'durable-object';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Sets the value only if the key is absent; true when this call set it (a lock). */
  add(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Get and delete in one step (single-use values). */
  take(key: string): Promise<string | null>;
  /** Fixed-window counter; the window starts with the first increment. */
  increment(key: string, windowSeconds: number): Promise<{ count: number; ttlSeconds: number }>;
  ttl(key: string): Promise<number>;
  ping(): Promise<void>;
}

export function createRedisCache(url: string, token: string, namespace: string): Cache {
  // Per request: the client is only a fetch wrapper, and auto-pipelining would batch across requests.
  const redis = new Redis({ url, token, automaticDeserialization: false, enableAutoPipelining: false });
  const k = (key: string) => `${namespace}:${key}`;
  return {
    kind: 'redis',
    get: (key) => redis.get<string>(k(key)),
    set: async (key, value, ttlSeconds) => {
      await redis.set(k(key), value, { ex: ttlSeconds });
    },
    add: async (key, value, ttlSeconds) =>
      (await redis.set(k(key), value, { nx: true, ex: ttlSeconds })) !== null,
    delete: async (key) => {
      await redis.del(k(key));
    },
    take: (key) => redis.getdel<string>(k(key)),
    increment: async (key, windowSeconds) => {
      const [count, , ttl] = await redis
        .multi()
        .incr(k(key))
        .expire(k(key), windowSeconds, 'NX')
        .ttl(k(key))
        .exec<[number, number, number]>();
      return { count, ttlSeconds: Math.max(1, ttl) };
    },
    ttl: async (key) => Math.max(0, await redis.ttl(k(key))),
    ping: async () => {
      await redis.ping();
    },
  };
}

export function createDurableObjectCache(env: Env): Cache {
  const stub = () => cacheStoreStub(env);
  return {
    kind: 'durable-object',
    get: (key) => stub().get(key),
    set: (key, value, ttlSeconds) => stub().set(key, value, ttlSeconds),
    add: (key, value, ttlSeconds) => stub().add(key, value, ttlSeconds),
    delete: (key) => stub().delete(key),
    take: (key) => stub().take(key),
    increment: (key, windowSeconds) => stub().increment(key, windowSeconds),
    ttl: (key) => stub().ttl(key),
    ping: async () => {
      await stub().ping();
    },
  };
}
