import { LRUCache } from 'lru-cache';

/**
 * The API's per-isolate caches: least recently used out first, within `max` entries (and `maxSize`
 * when entries are sized), each living `ttl` ms. lru-cache reuses one reading of the clock for
 * `ttlResolution` ms and forgets it from a timer; workerd does not run the timers of a request that
 * has finished, which would freeze that clock and keep entries forever. Its clock only moves on I/O
 * anyway, so reading it every time costs nothing.
 */
export function boundedCache<K extends {}, V extends {}>(options: LRUCache.Options<K, V, unknown>) {
  return new LRUCache<K, V>({ ...options, ttlResolution: 0 });
}
