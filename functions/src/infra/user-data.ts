import type { Cache } from './cache.js';

/**
 * Per-user answers (lists, history, "continue watching") kept in the isolate while the user's data
 * version in the shared cache is unchanged. Every write to a user's data sets a new version after
 * it commits, in Redis or the Durable Object, so every instance sees it on its next read: a read
 * costs one cache lookup instead of a database query. Titles edited by an admin change answers for
 * everyone; that global version is re-read at most every GLOBAL_CHECK_MS.
 */
const MAX_ENTRIES = 5000;
const VERSION_TTL_SECONDS = 30 * 86_400;
const GLOBAL_CHECK_MS = 2000;
const entries = new Map<string, { version: string; body: string }>();
let global: { version: string; checkedAt: number } | null = null;

const userKey = (userId: string) => `user-data:${userId}`;
const GLOBAL_KEY = 'user-data:*';

async function versionOf(cache: Cache, key: string): Promise<string> {
  const current = await cache.get(key);
  if (current) return current;
  await cache.add(key, crypto.randomUUID(), VERSION_TTL_SECONDS);
  return (await cache.get(key)) ?? 'unknown';
}

async function globalVersion(cache: Cache): Promise<string> {
  if (!global || Date.now() - global.checkedAt > GLOBAL_CHECK_MS) {
    global = { version: await versionOf(cache, GLOBAL_KEY), checkedAt: Date.now() };
  }
  return global.version;
}

/** `compute` runs only when this user's data (or any title) changed since the answer was kept. */
export async function forUser(
  cache: Cache,
  userId: string,
  key: string,
  compute: () => Promise<string>,
): Promise<string> {
  const [mine, everyone] = await Promise.all([versionOf(cache, userKey(userId)), globalVersion(cache)]);
  const version = `${mine}/${everyone}`;
  const entryKey = `${userId}\u0000${key}`;
  const kept = entries.get(entryKey);
  if (kept && kept.version === version) return kept.body;
  const body = await compute();
  if (entries.size >= MAX_ENTRIES) {
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) entries.delete(oldest);
  }
  entries.set(entryKey, { version, body });
  return body;
}

/** After a write to one user's lists or progress has committed. */
export async function userDataChanged(cache: Cache, userId: string): Promise<void> {
  await cache.set(userKey(userId), crypto.randomUUID(), VERSION_TTL_SECONDS);
}

/** After a change to shared titles or files, which appear in every user's answers. */
export async function titlesChanged(cache: Cache): Promise<void> {
  const version = crypto.randomUUID();
  await cache.set(GLOBAL_KEY, version, VERSION_TTL_SECONDS);
  global = { version, checkedAt: Date.now() };
}
