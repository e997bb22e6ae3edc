import type { ApiConfig } from '@sokoul/contracts';
import type { Env } from '@sokoul/durable-objects';
import { type Bus, createBus } from './bus.js';
import { type Cache, createDurableObjectCache, createRedisCache } from './cache.js';
import { createDb, type Db } from './db.js';

export interface Infra {
  db: Db;
  cache: Cache;
  bus: Bus;
}

/** Built per request: workerd I/O objects cannot outlive the request that created them. */
export function createInfra(env: Env, config: ApiConfig): Infra {
  const cache =
    config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN
      ? createRedisCache(
          config.UPSTASH_REDIS_REST_URL,
          config.UPSTASH_REDIS_REST_TOKEN,
          config.CACHE_NAMESPACE,
        )
      : createDurableObjectCache(env);
  return { db: createDb(env), cache, bus: createBus(env) };
}
