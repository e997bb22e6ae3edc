import type { Cache } from './cache.js';

/**
 * Per-user answers (lists, history, "continue watching") kept in the isolate while the user's data
 * version is unchanged. Every write to a user's data sets a new version after it commits, here and
 * in the shared cache (Redis or the Durable Object): this instance sees it at once, other instances
 * within CHECK_MS, when they read the shared version again. Titles edited by an admin change
 * answers for everyone; that version is shared the same way.
 */
const MAX_ENTRIES = 5000;
/** Characters of bodies kept (V8 stores these mostly-ASCII texts at one byte per character). */
const MAX_CHARS = 32 * 1024 * 1024;
let keptChars = 0;
const VERSION_TTL_SECONDS = 30 * 86_400;
const CHECK_MS = 1000;
const entries = new Map<string, { version: string; body: string }>();
/** Versions as last read from the shared cache (bounded like the entries). */
const versions = new Map<string, { version: string; checkedAt: number }>();

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
  if (known && Date.now() - known.checkedAt < CHECK_MS) return known.version;
  return remember(key, await sharedVersion(cache, key));
}

function remember(key: string, version: string): string {
  if (versions.size >= MAX_ENTRIES) {
    const oldest = versions.keys().next().value;
    if (oldest !== undefined) versions.delete(oldest);
  }
  versions.set(key, { version, checkedAt: Date.now() });
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
  if (kept) keptChars -= kept.body.length;
  entries.delete(entryKey);
  // Oldest first out, within both an entry count and a size budget (the isolate's heap is shared).
  while (entries.size > 0 && (entries.size >= MAX_ENTRIES || keptChars + body.length > MAX_CHARS)) {
    const [oldestKey, oldest] = entries.entries().next().value ?? [];
    if (oldestKey === undefined || oldest === undefined) break;
    entries.delete(oldestKey);
    keptChars -= oldest.body.length;
  }
  entries.set(entryKey, { version, body });
  keptChars += body.length;
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
  remember(key, version);
}
