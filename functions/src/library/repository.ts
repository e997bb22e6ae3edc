import type { LibraryStatus, MediaType, PersonalListName, PersonalListQuery } from '@sokoul/contracts';
import { isoJson, mediaJson, pageBody, sqlOnce, timestampText } from '@sokoul/db';
import { progressFromRow } from '../history/repository.js';
import type { Db } from '../infra/sql.js';

/** The three personal lists share one shape; only these table names ever reach the SQL. */
const TABLES: Record<PersonalListName, string> = {
  library: 'library',
  favorites: 'favorites',
  watchlist: 'watchlist',
};

/** Adds a title; adding it again changes nothing and says so. */
export async function addToList(
  db: Db,
  list: PersonalListName,
  userId: string,
  mediaId: string,
): Promise<{ addedAt: string; created: boolean }> {
  const table = TABLES[list];
  const [row] = await db.query<{ added_at: string | Date; created: boolean }>(
    `WITH inserted AS (
       INSERT INTO ${table} (user_id, media_id) VALUES ($1, $2)
       ON CONFLICT (user_id, media_id) DO NOTHING
       RETURNING added_at
     )
     SELECT added_at, true AS created FROM inserted
     UNION ALL
     SELECT added_at, false FROM ${table} WHERE user_id = $1 AND media_id = $2 AND NOT EXISTS (SELECT 1 FROM inserted)`,
    [userId, mediaId],
  );
  if (!row) throw new Error(`${table} insert returned nothing`);
  return { addedAt: new Date(row.added_at).toISOString(), created: row.created };
}

export async function removeFromList(
  db: Db,
  list: PersonalListName,
  userId: string,
  mediaId: string,
): Promise<boolean> {
  return (
    (await db.execute(`DELETE FROM ${TABLES[list]} WHERE user_id = $1 AND media_id = $2`, [
      userId,
      mediaId,
    ])) > 0
  );
}

/** As for /media: the cursor carries a timestamp to the microsecond, as text. */
const SORTS = {
  added: { expr: 'l.added_at', type: 'timestamptz', order: 'desc', cursor: timestampText('l.added_at') },
  title: { expr: 'lower(m.title)', type: 'text', order: 'asc', cursor: 'lower(m.title)' },
  year: { expr: 'coalesce(m.year, 0)', type: 'int', order: 'desc', cursor: 'coalesce(m.year, 0)' },
} as const;

/**
 * One user's list, filtered and keyset-paged, as the JSON text of a `PersonalList`; the default
 * order (newest first) walks its index.
 */
export async function listEntries(
  db: Db,
  imageBase: string,
  list: PersonalListName,
  userId: string,
  query: PersonalListQuery,
): Promise<string> {
  const sort = SORTS[query.sort];
  const order = query.order ?? sort.order;
  const ordering = `${sort.expr} ${order}, l.media_id ${order}`;
  const [row] = await db.query<{ body: string }>(
    sqlOnce(`list:${list}:${query.sort}:${order}`, () =>
      pageBody(
        `SELECT ${sort.cursor} AS sort_value, l.media_id AS cursor_id,
         jsonb_build_object('media', ${mediaJson('m', '$7')}, 'addedAt', ${isoJson('l.added_at')}) AS item,
         row_number() OVER (ORDER BY ${ordering}) AS rn
       FROM ${TABLES[list]} l JOIN media m ON m.id = l.media_id
       WHERE l.user_id = $1
         AND ($2::text IS NULL OR m.media_type = $2)
         AND ($3::text IS NULL OR m.title ILIKE '%' || $3 || '%' OR m.original_title ILIKE '%' || $3 || '%')
         AND ($4::${sort.type} IS NULL OR (${sort.expr}, l.media_id) ${order === 'asc' ? '>' : '<'} ($4::${sort.type}, $5::uuid))
       ORDER BY ${ordering}
       LIMIT $6 + 1`,
        'items',
        '$6',
      ),
    ),
    [
      userId,
      query.type ?? null,
      query.q ? query.q.replace(/[\\%_]/g, (ch) => `\\${ch}`) : null,
      query.cursor?.[0] ?? null,
      query.cursor?.[1] ?? null,
      query.limit,
      imageBase,
    ],
  );
  return row?.body ?? '{"items":[],"nextCursor":null}';
}

/** A details page's whole state for the user, in one query. */
export async function libraryStatus(
  db: Db,
  userId: string,
  tmdbId: number,
  type: MediaType,
): Promise<LibraryStatus> {
  const [row] = await db.query<{
    id: string;
    in_library: boolean;
    favorite: boolean;
    in_watchlist: boolean;
    progress: {
      position_seconds: number;
      duration_seconds: number;
      completed: boolean;
      updated_at: string;
    } | null;
    files: { id: string; quality: string | null; resolution: string | null; size_bytes: number }[];
    episodes: {
      season_number: number;
      episode_number: number;
      position_seconds: number;
      duration_seconds: number;
      completed: boolean;
      updated_at: string;
    }[];
  }>(
    `SELECT m.id,
       EXISTS (SELECT 1 FROM library WHERE user_id = $1 AND media_id = m.id) AS in_library,
       EXISTS (SELECT 1 FROM favorites WHERE user_id = $1 AND media_id = m.id) AS favorite,
       EXISTS (SELECT 1 FROM watchlist WHERE user_id = $1 AND media_id = m.id) AS in_watchlist,
       (SELECT to_jsonb(w) FROM (SELECT position_seconds, duration_seconds, completed, updated_at
          FROM watch_history WHERE user_id = $1 AND media_id = m.id) w) AS progress,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', f.id, 'quality', f.quality, 'resolution', f.resolution,
            'size_bytes', f.size_bytes) ORDER BY f.added_at)
          FROM media_files f WHERE f.media_id = m.id), '[]'::jsonb) AS files,
       coalesce((SELECT jsonb_agg(jsonb_build_object('season_number', e.season_number,
            'episode_number', e.episode_number, 'position_seconds', w.position_seconds,
            'duration_seconds', w.duration_seconds, 'completed', w.completed, 'updated_at', w.updated_at)
            ORDER BY e.season_number, e.episode_number)
          FROM media e JOIN watch_history w ON w.media_id = e.id AND w.user_id = $1
          WHERE e.parent_id = m.id), '[]'::jsonb) AS episodes
     FROM media m
     WHERE m.media_type = $2 AND m.tmdb_id = $3 AND m.parent_id IS NULL`,
    [userId, type, tmdbId],
  );
  return {
    tmdbId,
    type,
    mediaId: row?.id ?? null,
    inLibrary: row?.in_library ?? false,
    favorite: row?.favorite ?? false,
    inWatchlist: row?.in_watchlist ?? false,
    progress: row?.progress ? progressFromRow(row.progress) : null,
    files: (row?.files ?? []).map((f) => ({
      id: f.id,
      quality: f.quality,
      resolution: f.resolution,
      sizeBytes: Number(f.size_bytes),
    })),
    episodes: (row?.episodes ?? []).map((e) => ({
      seasonNumber: e.season_number,
      episodeNumber: e.episode_number,
      progress: progressFromRow(e),
    })),
  };
}
