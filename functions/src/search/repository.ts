import type { RankedResult } from '@sokoul/contracts';
import type { Db } from '../infra/sql.js';

/**
 * The latest unexpired search for a title (for one episode when given), best first. Results are
 * written by torrent-node's search task.
 */
export async function latestResults(
  db: Db,
  mediaId: string,
  season: number | undefined,
  episode: number | undefined,
): Promise<{ results: RankedResult[]; searchedAt: string } | null> {
  const prefix = season === undefined ? null : `${season}:${episode ?? ''}:`;
  const rows = await db.query<{ result: RankedResult; created_at: string | Date }>(
    `WITH latest AS (
       SELECT query_key, created_at FROM search_results
       WHERE media_id = $1 AND expires_at > now() AND ($2::text IS NULL OR starts_with(query_key, $2))
       ORDER BY created_at DESC LIMIT 1
     )
     SELECT r.result, r.created_at FROM search_results r JOIN latest l
       ON r.query_key = l.query_key AND r.created_at = l.created_at
     WHERE r.media_id = $1
     ORDER BY r.rejected, r.score DESC`,
    [mediaId, prefix],
  );
  const first = rows[0];
  if (!first) return null;
  return { results: rows.map((r) => r.result), searchedAt: new Date(first.created_at).toISOString() };
}
