import {
  IMAGE_WIDTHS,
  type ImageKind,
  type JsonText,
  type ListMediaQuery,
  type Media,
  type MediaKind,
  type MediaList,
  type UpdateMediaRequest,
} from '@sokoul/contracts';
import { type Db, timestampText } from './db.js';
import { isoJson, pageBody, sqlOnce } from './json.js';

/**
 * The `media` table: films, series and their episodes. The API adds, edits, lists and deletes titles;
 * torrent-node's scheduler (`metadata.refresh`) writes a title's TMDB fields again. Both call these.
 */

const image = (path: string, kind: ImageKind, base: string) =>
  `CASE WHEN ${path} LIKE '/%' THEN jsonb_build_object('base', ${base}::text, 'path', ${path}, 'widths', '${JSON.stringify(IMAGE_WIDTHS[kind])}'::jsonb) END`;

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

/** One title as the API answers it; `imageBase` is TMDB_IMAGE_BASE_URL. */
export async function findMedia(db: Db, imageBase: string, id: string): Promise<Media | undefined> {
  const [row] = await db.query<{ media: Media }>(
    sqlOnce('media:one', () => `SELECT ${mediaJson('m', '$2')} AS media FROM media m WHERE m.id = $1`),
    [id, imageBase],
  );
  return row?.media;
}

export async function findByTmdb(db: Db, type: 'movie' | 'tv', tmdbId: number): Promise<string | undefined> {
  const [row] = await db.query<{ id: string }>(
    'SELECT id FROM media WHERE media_type = $1 AND tmdb_id = $2 AND parent_id IS NULL',
    [type, tmdbId],
  );
  return row?.id;
}

export async function mediaKind(db: Db, id: string): Promise<MediaKind | undefined> {
  const [row] = await db.query<{ media_type: MediaKind }>('SELECT media_type FROM media WHERE id = $1', [id]);
  return row?.media_type;
}

export async function findEpisode(
  db: Db,
  seriesId: string,
  season: number,
  episode: number,
): Promise<string | undefined> {
  const [row] = await db.query<{ id: string }>(
    'SELECT id FROM media WHERE parent_id = $1 AND season_number = $2 AND episode_number = $3',
    [seriesId, season, episode],
  );
  return row?.id;
}

/** A film's or series' own fields: what TMDB gives (and `metadata.refresh` writes again). */
export interface MediaMetadata {
  title: string;
  originalTitle: string | null;
  year: number | null;
  overview: string;
  posterPath: string | null;
  backdropPath: string | null;
  genreIds: number[];
  genres: string[];
  runtimeMinutes: number | null;
}

export interface NewMedia extends MediaMetadata {
  tmdbId: number | null;
  type: 'movie' | 'tv';
}

export interface NewEpisode {
  season_number: number;
  episode_number: number;
  title: string;
  overview: string;
  air_date: string | null;
  runtime_minutes: number | null;
  still_path: string | null;
}

/**
 * Inserts a film or series (and a series' episodes) in one transaction. Adding a TMDB title twice
 * keeps the first row: the answer says whether this call created it.
 */
export async function insertMedia(
  db: Db,
  media: NewMedia,
  episodes: NewEpisode[] = [],
): Promise<{ id: string; created: boolean }> {
  const [inserted, existing] = await db.transaction([
    {
      text: `INSERT INTO media (tmdb_id, media_type, title, original_title, year, overview, poster_path, backdrop_path,
               genre_ids, genres, runtime_minutes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
               ARRAY(SELECT jsonb_array_elements_text($9::jsonb -> 'ids')::int),
               ARRAY(SELECT jsonb_array_elements_text($9::jsonb -> 'names')), $10)
             ON CONFLICT (media_type, tmdb_id) WHERE tmdb_id IS NOT NULL AND media_type <> 'episode' DO NOTHING
             RETURNING id`,
      params: [
        media.tmdbId,
        media.type,
        media.title,
        media.originalTitle,
        media.year,
        media.overview,
        media.posterPath,
        media.backdropPath,
        // Arrays travel inside a JSON object: the driver sends bare arrays as PostgreSQL arrays.
        { ids: media.genreIds, names: media.genres },
        media.runtimeMinutes,
      ],
    },
    {
      text: `SELECT id FROM media WHERE media_type = $1 AND tmdb_id = $2 AND parent_id IS NULL`,
      params: [media.type, media.tmdbId],
    },
  ]);
  const created = inserted?.[0] as { id: string } | undefined;
  const id = created?.id ?? (existing?.[0] as { id: string } | undefined)?.id;
  if (!id) throw new Error('media insert returned no id');
  if (created && episodes.length > 0) await insertEpisodes(db, id, episodes);
  return { id, created: created !== undefined };
}

export async function insertEpisodes(db: Db, seriesId: string, episodes: NewEpisode[]): Promise<void> {
  await db.execute(
    `INSERT INTO media (media_type, parent_id, title, overview, season_number, episode_number, air_date,
       runtime_minutes, poster_path, year)
     SELECT 'episode', $1, e.title, coalesce(e.overview, ''), e.season_number, e.episode_number, e.air_date,
       e.runtime_minutes, e.still_path, extract(year FROM e.air_date)::int
     FROM jsonb_to_recordset($2::jsonb -> 'episodes') AS e(season_number int, episode_number int, title text, overview text,
       air_date date, runtime_minutes int, still_path text)
     ON CONFLICT (parent_id, season_number, episode_number) WHERE parent_id IS NOT NULL DO NOTHING`,
    [seriesId, { episodes }],
  );
}

export async function updateMedia(db: Db, id: string, input: UpdateMediaRequest): Promise<boolean> {
  const count = await db.execute(
    `UPDATE media SET
       title = coalesce($2, title),
       original_title = CASE WHEN $3::boolean THEN $4 ELSE original_title END,
       year = CASE WHEN $5::boolean THEN $6::int ELSE year END,
       overview = coalesce($7, overview),
       genres = CASE WHEN $8::jsonb IS NULL THEN genres
                ELSE ARRAY(SELECT jsonb_array_elements_text($8::jsonb -> 'names')) END,
       updated_at = now()
     WHERE id = $1 AND parent_id IS NULL`,
    [
      id,
      input.title ?? null,
      input.originalTitle !== undefined,
      input.originalTitle ?? null,
      input.year !== undefined,
      input.year ?? null,
      input.overview ?? null,
      input.genres ? { names: input.genres } : null,
    ],
  );
  return count > 0;
}

export async function deleteMedia(db: Db, id: string): Promise<boolean> {
  return (await db.execute('DELETE FROM media WHERE id = $1 AND parent_id IS NULL', [id])) > 0;
}

/** The title expression the trigram index covers. */
const TITLES = `(m.title || ' ' || coalesce(m.original_title, ''))`;

/**
 * Sort keys, the SQL type of their cursor value and what the cursor carries (a timestamp to the
 * microsecond, as text: the contracts check it is one); only these strings ever reach the SQL.
 */
const SORTS = {
  added: { expr: 'm.created_at', type: 'timestamptz', order: 'desc', cursor: timestampText('m.created_at') },
  title: { expr: 'lower(m.title)', type: 'text', order: 'asc', cursor: 'lower(m.title)' },
  year: { expr: 'coalesce(m.year, 0)', type: 'int', order: 'desc', cursor: 'coalesce(m.year, 0)' },
  relevance: {
    expr: `word_similarity($1, ${TITLES})`,
    type: 'real',
    order: 'desc',
    cursor: `word_similarity($1, ${TITLES})`,
  },
} as const;

/**
 * Films and series (episodes are reached through their series), filtered, sorted and keyset-paged,
 * as the JSON text of a `MediaList`.
 */
export async function listMedia(
  db: Db,
  imageBase: string,
  query: ListMediaQuery,
): Promise<JsonText<MediaList>> {
  const sortName = query.sort ?? (query.q ? 'relevance' : 'added');
  const sort = SORTS[sortName];
  const order = query.order ?? sort.order;
  const genreId = query.genre && /^\d+$/.test(query.genre) ? Number(query.genre) : null;
  const genreName = query.genre && genreId === null ? query.genre.toLowerCase() : null;
  const ordering = `${sort.expr} ${order}, m.id ${order}`;
  const [row] = await db.query<{ body: string }>(
    sqlOnce(`media:${sortName}:${order}`, () =>
      pageBody(
        `SELECT ${sort.cursor} AS sort_value, m.id AS cursor_id, ${mediaJson('m', '$10')} AS item,
         row_number() OVER (ORDER BY ${ordering}) AS rn
       FROM media m
       WHERE m.parent_id IS NULL
         AND ($1::text IS NULL OR $1 <% ${TITLES})
         AND ($2::text IS NULL OR m.media_type = $2)
         AND ($3::int IS NULL OR m.genre_ids @> ARRAY[$3::int])
         AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM unnest(m.genres) g WHERE lower(g) = $4))
         AND ($5::int IS NULL OR m.year = $5)
         AND ($6::boolean IS NULL OR $6 = EXISTS (
               SELECT 1 FROM media_files f WHERE f.media_id = m.id
                  OR f.media_id IN (SELECT e.id FROM media e WHERE e.parent_id = m.id)))
         AND ($7::${sort.type} IS NULL OR (${sort.expr}, m.id) ${order === 'asc' ? '>' : '<'} ($7::${sort.type}, $8::uuid))
       ORDER BY ${ordering}
       LIMIT $9 + 1`,
        'media',
        '$9',
      ),
    ),
    [
      query.q ?? null,
      query.type ?? null,
      genreId,
      genreName,
      query.year ?? null,
      query.hasFiles ?? null,
      query.cursor?.[0] ?? null,
      query.cursor?.[1] ?? null,
      query.limit,
      imageBase,
    ],
  );
  return row?.body ?? '{"media":[],"nextCursor":null}';
}

// ---- metadata.refresh: torrent-node's scheduler writes stored titles again from TMDB ----

export interface RefreshableMedia {
  id: string;
  tmdbId: number;
  type: 'movie' | 'tv';
}

/** Films and series that came from TMDB, the least recently updated first. */
export async function listTmdbMedia(db: Db, limit = 10_000): Promise<RefreshableMedia[]> {
  const rows = await db.query<{ id: string; tmdb_id: number; media_type: 'movie' | 'tv' }>(
    `SELECT id, tmdb_id, media_type FROM media
      WHERE tmdb_id IS NOT NULL AND parent_id IS NULL AND media_type IN ('movie', 'tv')
      ORDER BY updated_at, id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ id: r.id, tmdbId: r.tmdb_id, type: r.media_type }));
}

/** Writes a title's TMDB fields; answers whether anything changed (updated_at moves either way). */
export async function refreshMediaMetadata(db: Db, id: string, m: MediaMetadata): Promise<boolean> {
  const [row] = await db.query<{ changed: boolean }>(
    `WITH before AS (
       SELECT title, original_title, year, overview, poster_path, backdrop_path, genre_ids, genres, runtime_minutes
         FROM media WHERE id = $1
     )
     UPDATE media SET title = $2, original_title = $3, year = $4, overview = $5, poster_path = $6,
            backdrop_path = $7,
            genre_ids = ARRAY(SELECT jsonb_array_elements_text($8::jsonb -> 'ids')::int),
            genres = ARRAY(SELECT jsonb_array_elements_text($8::jsonb -> 'names')),
            runtime_minutes = $9, updated_at = now()
       FROM before
      WHERE media.id = $1
      RETURNING (before.title, before.original_title, before.year, before.overview, before.poster_path,
                 before.backdrop_path, before.genre_ids, before.genres, before.runtime_minutes)
        IS DISTINCT FROM (media.title, media.original_title, media.year, media.overview, media.poster_path,
                 media.backdrop_path, media.genre_ids, media.genres, media.runtime_minutes) AS changed`,
    [
      id,
      m.title,
      m.originalTitle,
      m.year,
      m.overview,
      m.posterPath,
      m.backdropPath,
      // Arrays travel inside a JSON object: the driver sends bare arrays as PostgreSQL arrays.
      { ids: m.genreIds, names: m.genres },
      m.runtimeMinutes,
    ],
  );
  return row?.changed === true;
}
