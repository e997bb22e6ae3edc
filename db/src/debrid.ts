import type { Db } from './db.js';

/**
 * The `debrid_cache` table: info hashes Sokoul added on Real-Debrid and saw `downloaded`, so a
 * search can show them "instantané" (Real-Debrid removed its instant-availability endpoint in
 * November 2024; this is what Sokoul knows first-hand). torrent-node's Real-Debrid engine writes
 * it; search results read it through `INSTANT`.
 */

/** SQL for a stored result `r`: its info hash is known cached and not expired. */
export const INSTANT = `EXISTS (SELECT 1 FROM debrid_cache c WHERE c.info_hash = lower(r.info_hash) AND c.expires_at > now())`;

/** Remembers `infoHash` as cached on Real-Debrid for `hours` from now. */
export async function rememberCached(db: Db, infoHash: string, hours: number): Promise<void> {
  await db.execute(
    `INSERT INTO debrid_cache (info_hash, expires_at) VALUES (lower($1), now() + make_interval(secs => $2))
     ON CONFLICT (info_hash) DO UPDATE SET seen_at = now(), expires_at = excluded.expires_at`,
    [infoHash, Math.round(hours * 3600)],
  );
}

/** Real-Debrid no longer has it (an add that was not instant after all): not shown cached. */
export async function forgetCached(db: Db, infoHash: string): Promise<void> {
  await db.execute('DELETE FROM debrid_cache WHERE info_hash = lower($1)', [infoHash]);
}

/** Whether `infoHash` is known cached now. */
export async function isCached(db: Db, infoHash: string): Promise<boolean> {
  const [row] = await db.query<{ cached: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM debrid_cache WHERE info_hash = lower($1) AND expires_at > now()) AS cached',
    [infoHash],
  );
  return row?.cached ?? false;
}
