import type { IndexerReport, RankedResult, SearchKey, SearchResults, StoredResult } from '@sokoul/contracts';
import { type Db, isoOrNull, type Timestamp } from './db.js';
import { INSTANT } from './debrid.js';

/**
 * The `searches` table and the `search_results` rows that belong to each search. The API creates a
 * search (its owner, title, key and profile) with the task that fills it; torrent-node fills it
 * (per-indexer reports, ranked results, completion) or answers it from a recent identical search.
 * Each search keeps its own results, so two searches of one title never read each other's.
 */

interface SearchRow {
  id: string;
  media_id: string;
  profile: string | null;
  reports: IndexerReport[] | null;
  cached: boolean;
  completed_at: Timestamp | null;
  results: StoredResult[] | null;
}

/** A search and its results, best first (rejected ones last), in one round trip. */
const READ = `SELECT s.id, s.media_id, s.profile, s.reports, s.cached, s.completed_at,
    (SELECT jsonb_agg(r.result || jsonb_build_object('id', r.id, 'instant', ${INSTANT}) ORDER BY r.rejected, r.score DESC, r.id)
       FROM search_results r WHERE r.search_id = s.id) AS results
  FROM searches s`;

const toResults = (row: SearchRow): SearchResults => ({
  searchId: row.id,
  mediaId: row.media_id,
  profile: row.profile,
  results: row.results ?? [],
  reports: row.reports ?? [],
  cached: row.cached,
  searchedAt: isoOrNull(row.completed_at),
});

export interface NewSearch {
  id: string;
  userId: string;
  mediaId: string;
  key: SearchKey;
  /** The quality profile's name. */
  profile: string;
}

/** Records a search before its task is queued; it stays empty until torrent-node completes it. */
export async function createSearch(db: Db, search: NewSearch): Promise<void> {
  await db.execute(
    `INSERT INTO searches (id, user_id, media_id, query_key, profile) VALUES ($1, $2, $3, $4, $5)`,
    [search.id, search.userId, search.mediaId, search.key, search.profile],
  );
}

/** Removes a search whose task could not be queued. */
export async function deleteSearch(db: Db, id: string): Promise<void> {
  await db.execute('DELETE FROM searches WHERE id = $1', [id]);
}

/** One of the user's searches; another user's is as absent as a missing or expired one. */
export async function userSearch(db: Db, userId: string, id: string): Promise<SearchResults | undefined> {
  const [row] = await db.query<SearchRow>(
    `${READ} WHERE s.id = $1 AND s.user_id = $2 AND s.expires_at > now()`,
    [id, userId],
  );
  return row && toResults(row);
}

/**
 * The title's latest completed search, whoever ran it and with whichever profile; only among the
 * searches whose key starts with `keyPrefix` when given (one season or episode, `searchKeyPrefix`).
 */
export async function latestSearch(
  db: Db,
  mediaId: string,
  keyPrefix: string | null,
): Promise<SearchResults | undefined> {
  const [row] = await db.query<SearchRow>(
    `${READ}
     WHERE s.media_id = $1 AND s.completed_at IS NOT NULL AND s.expires_at > now()
       AND ($2::text IS NULL OR starts_with(s.query_key, $2::text))
     ORDER BY s.completed_at DESC, s.id DESC LIMIT 1`,
    [mediaId, keyPrefix],
  );
  return row && toResults(row);
}

/** Who a search belongs to and what it is, for the task that fills it. */
export async function searchToFill(
  db: Db,
  id: string,
): Promise<{ userId: string | null; mediaId: string; key: string } | undefined> {
  const [row] = await db.query<{ user_id: string | null; media_id: string; query_key: string }>(
    'SELECT user_id, media_id, query_key FROM searches WHERE id = $1',
    [id],
  );
  return row && { userId: row.user_id, mediaId: row.media_id, key: row.query_key };
}

export interface SearchFill {
  results: number;
  accepted: number;
  reports: IndexerReport[];
}

/**
 * Answers a search from an identical one (same title and key, profile included) that asked the
 * indexers within the last `windowMinutes`: its results are copied and its reports kept, and the
 * search is marked cached. Undefined when there is none (or it vanished meanwhile). A search that an
 * indexer failed or timed out is no source: repeating it asks that indexer again rather than show
 * its failure for the whole window.
 */
export async function reuseRecentSearch(
  db: Db,
  searchId: string,
  options: { mediaId: string; key: SearchKey; windowMinutes: number; retentionMinutes: number },
): Promise<(SearchFill & { sourceId: string }) | undefined> {
  if (options.windowMinutes <= 0) return undefined;
  const [source] = await db.query<{ id: string }>(
    `SELECT id FROM searches
     WHERE media_id = $1 AND query_key = $2 AND id <> $3 AND NOT cached AND completed_at IS NOT NULL
       AND completed_at > now() - make_interval(mins => $4::int) AND expires_at > now()
       AND NOT jsonb_path_exists(coalesce(reports, '[]'::jsonb), '$[*] ? (@.status == "failed" || @.status == "timeout")')
     ORDER BY completed_at DESC LIMIT 1`,
    [options.mediaId, options.key, searchId, options.windowMinutes],
  );
  if (!source) return undefined;
  const [, copied = [], updated = []] = await db.transaction([
    { text: 'DELETE FROM search_results WHERE search_id = $1::uuid', params: [searchId] },
    {
      text: `INSERT INTO search_results (search_id, result, score, rejected, info_hash)
             SELECT $1::uuid, result, score, rejected, info_hash FROM search_results WHERE search_id = $2::uuid
             RETURNING rejected`,
      params: [searchId, source.id],
    },
    {
      text: `UPDATE searches t SET reports = s.reports, cached = true, reused_from = s.id, completed_at = now(),
                    expires_at = now() + make_interval(mins => $3::int)
             FROM searches s WHERE t.id = $1::uuid AND s.id = $2::uuid
             RETURNING t.reports`,
      params: [searchId, source.id, options.retentionMinutes],
    },
  ]);
  const row = updated[0] as { reports: IndexerReport[] } | undefined;
  if (!row) return undefined;
  return {
    sourceId: source.id,
    results: copied.length,
    accepted: copied.filter((r) => r.rejected === false).length,
    reports: row.reports,
  };
}

/**
 * Stores what the indexers answered: the ranked results replace any earlier attempt's, the
 * reports are kept, the search is complete. False when the search no longer exists.
 */
export async function completeSearch(
  db: Db,
  searchId: string,
  fill: { results: RankedResult[]; reports: IndexerReport[]; retentionMinutes: number },
): Promise<boolean> {
  // Arrays travel inside JSON objects: as parameters they would be sent as PostgreSQL arrays.
  const [updated = []] = await db.transaction([
    {
      text: `UPDATE searches SET reports = $2::jsonb -> 'reports', cached = false, reused_from = NULL,
                    completed_at = now(), expires_at = now() + make_interval(mins => $3::int)
             WHERE id = $1::uuid RETURNING id`,
      params: [searchId, { reports: fill.reports }, fill.retentionMinutes],
    },
    { text: 'DELETE FROM search_results WHERE search_id = $1::uuid', params: [searchId] },
    {
      text: `INSERT INTO search_results (search_id, result, score, rejected, info_hash)
             SELECT $1::uuid, r.result, (r.result->>'score')::real, (r.result->>'rejected')::boolean,
                    r.result->>'infoHash'
             FROM jsonb_array_elements($2::jsonb -> 'results') AS r(result)
             WHERE EXISTS (SELECT 1 FROM searches WHERE id = $1::uuid)`,
      params: [searchId, { results: fill.results }],
    },
  ]);
  return updated.length > 0;
}

/** Removes expired searches; their results go with them. Answers how many of each went. */
export async function purgeExpiredSearches(db: Db): Promise<{ searches: number; results: number }> {
  // The outer query reads the snapshot from before the delete: it still sees the cascaded results.
  const [row] = await db.query<{ searches: number; results: number }>(
    `WITH gone AS (DELETE FROM searches WHERE expires_at < now() RETURNING id)
     SELECT (SELECT count(*)::int FROM gone) AS searches,
            (SELECT count(*)::int FROM search_results WHERE search_id IN (SELECT id FROM gone)) AS results`,
  );
  return { searches: row?.searches ?? 0, results: row?.results ?? 0 };
}
