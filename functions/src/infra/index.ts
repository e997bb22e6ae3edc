import type { ApiConfig } from '@sokoul/contracts';
import type { Env } from '@sokoul/durable-objects';
import { type Bus, createBus } from './bus.js';
import { type Cache, createDurableObjectCache, createRedisCache } from './cache.js';
import { createDb, type Db } from './db.js';
import { createPasswords, type Passwords } from './passwords.js';
import { createSockets, type Sockets } from './sockets.js';

export interface Infra {
  db: Db;
  cache: Cache;
  bus: Bus;
  /** Password hashing, on the PasswordHasher objects. */
  passwords: Passwords;
  sockets: Sockets;
}

/** Built per request: workerd I/O objects cannot outlive the request that created them. */
export function createInfra(env: Env, config: ApiConfig): Infra {
  return {
    db: createDb(env),
    cache: createCache(env, config),
    bus: createBus(env),
    passwords: createPasswords(env),
    sockets: createSockets(env),
  };
}

/** The configured cache: Redis when UPSTASH_REDIS_REST_URL is set, else the CacheStore object. */
export function createCache(env: Env, config: ApiConfig): Cache {
  return config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN
    ? createRedisCache(config.UPSTASH_REDIS_REST_URL, config.UPSTASH_REDIS_REST_TOKEN, config.CACHE_NAMESPACE)
    : createDurableObjectCache(env);
}
