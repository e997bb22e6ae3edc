import { boundedCache } from './bounded-cache.js';
import type { Cache } from './cache.js';

/**
 * Per-user answers (lists, history, "continue watching") kept in the isolate while the user's data
 * version is unchanged. Every write to a user's data sets a new version after it commits, here and
 * in the shared cache (Redis or the Durable Object): this instance sees it at once, other instances
 * within CHECK_MS, when they read the shared version again. Titles edited by an admin change
 * answers for everyone; that version is shared the same way.
 */
const MAX_ENTRIES = 5000;
const VERSION_TTL_SECONDS = 30 * 86_400;
const CHECK_MS = 1000;
/**
 * Within an entry count and a size budget (the isolate's heap is shared), in characters of bodies:
 * V8 stores these mostly-ASCII texts at one byte per character.
 */
const entries = boundedCache<string, { version: string; body: string }>({
  max: MAX_ENTRIES,
  maxSize: 32 * 1024 * 1024,
  sizeCalculation: (entry) => Math.max(1, entry.body.length),
});
/** Versions as last read from the shared cache. */
const versions = boundedCache<string, string>({ max: MAX_ENTRIES, ttl: CHECK_MS });

const userKey = (userId: string) => `user-data:${userId}`;
const GLOBAL_KEY = 'user-data:*';

async function sharedVersion(cache: Cache, key: string): Promise<string> {
  const current = await cache.get(key);
  if (current) return current;
  await cache.add(key, crypto.randomUUID(), VERSION_TTL_SECONDS);
  return (await cache.get(key)) ?? 'unknown';
}

async function versionOf(cache: Cache, key: string): Promise<string> {
  const known = versions.get(key);
  if (known !== undefined) return known;
  const version = await sharedVersion(cache, key);
  versions.set(key, version);
  return version;
}

/** `compute` runs only when this user's data (or any title) changed since the answer was kept. */
export async function forUser(
  cache: Cache,
  userId: string,
  key: string,
  compute: () => Promise<string>,
): Promise<string> {
  const [mine, everyone] = await Promise.all([
    versionOf(cache, userKey(userId)),
    versionOf(cache, GLOBAL_KEY),
  ]);
  const version = `${mine}/${everyone}`;
  const entryKey = `${userId}\u0000${key}`;
  const kept = entries.get(entryKey);
  if (kept && kept.version === version) return kept.body;
  const body = await compute();
  entries.set(entryKey, { version, body });
  return body;
}

/** After a write to one user's lists or progress has committed. */
export async function userDataChanged(cache: Cache, userId: string): Promise<void> {
  await changed(cache, userKey(userId));
}

/** After a change to shared titles or files, which appear in every user's answers. */
export async function titlesChanged(cache: Cache): Promise<void> {
  await changed(cache, GLOBAL_KEY);
}

async function changed(cache: Cache, key: string): Promise<void> {
  const version = crypto.randomUUID();
  await cache.set(key, version, VERSION_TTL_SECONDS);
  versions.set(key, version);
}
