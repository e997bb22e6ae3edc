import { type ImageKind, WIDTHS } from '../catalog/normalize.js';

/*
 * SQL that builds the API's JSON in PostgreSQL: list pages leave the database as one text value and
 * go to the client as they are. Row decoding, the RPC copy and re-serialising cost more than the
 * queries themselves (measured: about 20 µs per row). Only constants are interpolated here; values
 * are always parameters.
 */

const image = (path: string, kind: ImageKind, base: string) =>
  `CASE WHEN ${path} LIKE '/%' THEN jsonb_build_object('base', ${base}::text, 'path', ${path}, 'widths', '${JSON.stringify(WIDTHS[kind])}'::jsonb) END`;

/** A timestamp as JavaScript's toISOString() writes it. */
export const isoJson = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The `Media` contract for the media row aliased `m`; `base` is the parameter holding the image host. */
export const mediaJson = (m: string, base: string) => `jsonb_build_object(
  'id', ${m}.id, 'tmdbId', ${m}.tmdb_id, 'type', ${m}.media_type, 'title', ${m}.title,
  'originalTitle', ${m}.original_title, 'year', ${m}.year, 'overview', ${m}.overview,
  'poster', CASE WHEN ${m}.media_type = 'episode' THEN ${image(`${m}.poster_path`, 'still', base)}
                 ELSE ${image(`${m}.poster_path`, 'poster', base)} END,
  'backdrop', ${image(`${m}.backdrop_path`, 'backdrop', base)},
  'genreIds', to_jsonb(${m}.genre_ids), 'genres', to_jsonb(${m}.genres), 'runtimeMinutes', ${m}.runtime_minutes,
  'parentId', ${m}.parent_id, 'seasonNumber', ${m}.season_number, 'episodeNumber', ${m}.episode_number,
  'airDate', to_char(${m}.air_date, 'YYYY-MM-DD'),
  'fileCount', (SELECT count(*) FROM media_files f WHERE f.media_id = ${m}.id
     OR (${m}.media_type = 'tv' AND f.media_id IN (SELECT e.id FROM media e WHERE e.parent_id = ${m}.id))),
  'createdAt', ${isoJson(`${m}.created_at`)}, 'updatedAt', ${isoJson(`${m}.updated_at`)})`;

/** The `Progress` contract for the watch_history row aliased `w`. */
export const progressJson = (w: string) => `jsonb_build_object(
  'positionSeconds', ${w}.position_seconds, 'durationSeconds', ${w}.duration_seconds,
  'completed', ${w}.completed, 'updatedAt', ${isoJson(`${w}.updated_at`)})`;

/** The opaque cursor for a row: base64url of `[sortValue, id]`, as `PageCursor` reads it. */
const cursorJson = (sortValue: string, id: string) =>
  `translate(encode(convert_to(json_build_array(${sortValue}, ${id})::text, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;

/**
 * Wraps a page query (columns `sort_value`, `cursor_id`, `item`, `rn` numbered in order, limited to
 * `limit + 1` rows) into `{"<key>": [...], "nextCursor": ...}` as text.
 */
export const pageBody = (pageSql: string, key: string, limit: string) => `WITH page AS (${pageSql})
  SELECT json_build_object(
    '${key}', coalesce((SELECT json_agg(item ORDER BY rn) FROM page WHERE rn <= ${limit}), '[]'::json),
    'nextCursor', (SELECT ${cursorJson('sort_value', 'cursor_id')} FROM page WHERE rn = ${limit}
                    AND EXISTS (SELECT 1 FROM page WHERE rn > ${limit}))
  )::text AS body`;

const texts = new Map<string, string>();

/** Query texts are built once per shape (sort, order, list), not on every request. */
export function sqlOnce(key: string, build: () => string): string {
  let text = texts.get(key);
  if (text === undefined) {
    text = build();
    texts.set(key, text);
  }
  return text;
}
