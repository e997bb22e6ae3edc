/*
 * SQL that builds the API's JSON in PostgreSQL: list pages leave the database as one text value and
 * go to the client as they are. Row decoding, the RPC copy and re-serialising cost more than the
 * queries themselves (measured: about 20 µs per row). Only constants are interpolated here; values
 * are always parameters.
 */

/** A timestamp as JavaScript's toISOString() writes it. */
export const isoJson = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

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
