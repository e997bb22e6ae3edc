import type { EpisodeList, HistoryQuery, PlaybackPreferences, Progress } from '@sokoul/contracts';
import { isoJson, mediaJson, pageBody, sqlOnce, timestampText } from '@sokoul/db';
import type { Db } from '../infra/sql.js';

interface ProgressRow {
  position_seconds: number;
  duration_seconds: number;
  completed: boolean;
  updated_at: string | Date;
}

export const progressFromRow = (row: ProgressRow): Progress => ({
  positionSeconds: row.position_seconds,
  durationSeconds: row.duration_seconds,
  completed: row.completed,
  updatedAt: new Date(row.updated_at).toISOString(),
});

/** The `Progress` contract for the watch_history row aliased `w`. */
const progressJson = (w: string) => `jsonb_build_object(
  'positionSeconds', ${w}.position_seconds, 'durationSeconds', ${w}.duration_seconds,
  'completed', ${w}.completed, 'updatedAt', ${isoJson(`${w}.updated_at`)})`;

/**
 * Records a position. Idempotent, and ordered by the player's own clock: a report older than the
 * stored one (a retry arriving late, another tab) changes nothing.
 */
export async function recordProgress(
  db: Db,
  userId: string,
  mediaId: string,
  progress: { positionSeconds: number; durationSeconds: number; completed: boolean; at: string },
): Promise<{ progress: Progress; applied: boolean }> {
  const [row] = await db.query<ProgressRow & { applied: boolean }>(
    `WITH written AS (
       INSERT INTO watch_history (user_id, media_id, position_seconds, duration_seconds, completed, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id, media_id) DO UPDATE SET
         position_seconds = excluded.position_seconds,
         duration_seconds = excluded.duration_seconds,
         completed = excluded.completed,
         updated_at = excluded.updated_at
       WHERE watch_history.updated_at < excluded.updated_at
       RETURNING position_seconds, duration_seconds, completed, updated_at, true AS applied
     )
     SELECT * FROM written
     UNION ALL
     SELECT position_seconds, duration_seconds, completed, updated_at, false
     FROM watch_history WHERE user_id = $1 AND media_id = $2 AND NOT EXISTS (SELECT 1 FROM written)`,
    [
      userId,
      mediaId,
      Math.round(progress.positionSeconds),
      Math.round(progress.durationSeconds),
      progress.completed,
      progress.at,
    ],
  );
  if (!row) throw new Error('progress upsert returned nothing');
  return { progress: progressFromRow(row), applied: row.applied };
}

export async function forgetProgress(db: Db, userId: string, mediaId: string): Promise<boolean> {
  return (
    (await db.execute('DELETE FROM watch_history WHERE user_id = $1 AND media_id = $2', [userId, mediaId])) >
    0
  );
}

/** The user's history, most recent first, as the JSON text of a `HistoryList`. */
export async function listHistory(
  db: Db,
  imageBase: string,
  userId: string,
  query: HistoryQuery,
): Promise<string> {
  const ordering = 'wh.updated_at DESC, wh.media_id DESC';
  const [row] = await db.query<{ body: string }>(
    sqlOnce('history', () =>
      pageBody(
        `SELECT ${timestampText('wh.updated_at')} AS sort_value, wh.media_id AS cursor_id,
         jsonb_build_object('media', ${mediaJson('i', '$6')},
           'series', CASE WHEN s.id IS NULL THEN NULL ELSE ${mediaJson('s', '$6')} END,
           'progress', ${progressJson('wh')}) AS item,
         row_number() OVER (ORDER BY ${ordering}) AS rn
       FROM watch_history wh
       JOIN media i ON i.id = wh.media_id
       LEFT JOIN media s ON s.id = i.parent_id
       WHERE wh.user_id = $1
         AND ($2::text IS NULL OR i.media_type = $2)
         AND ($3::timestamptz IS NULL OR (wh.updated_at, wh.media_id) < ($3::timestamptz, $4::uuid))
       ORDER BY ${ordering}
       LIMIT $5 + 1`,
        'items',
        '$5',
      ),
    ),
    [
      userId,
      query.type ?? null,
      query.cursor?.[0] ?? null,
      query.cursor?.[1] ?? null,
      query.limit,
      imageBase,
    ],
  );
  return row?.body ?? '{"items":[],"nextCursor":null}';
}

/** How far back "continue watching" looks: enough for any household, bounded for speed. */
const RECENT_WINDOW = 200;

/**
 * "Continue watching" as the JSON text of a `ContinueList`: per film or series, the most recent
 * activity. A film or episode left midway is resumed; a finished episode is followed by the next
 * one the user has not finished.
 */
export async function listContinue(
  db: Db,
  imageBase: string,
  userId: string,
  limit: number,
): Promise<string> {
  const [row] = await db.query<{ body: string }>(
    sqlOnce(
      'continue',
      () =>
        `WITH recent AS (
       SELECT wh.media_id, wh.position_seconds, wh.duration_seconds, wh.completed, wh.updated_at,
              m.parent_id, m.season_number, m.episode_number
       FROM watch_history wh JOIN media m ON m.id = wh.media_id
       WHERE wh.user_id = $1
       ORDER BY wh.updated_at DESC
       LIMIT ${RECENT_WINDOW}
     ), latest AS (
       SELECT DISTINCT ON (coalesce(parent_id, media_id)) *
       FROM recent
       ORDER BY coalesce(parent_id, media_id), updated_at DESC
     ), picked AS (
       SELECT l.*, nxt.id AS next_id
       FROM latest l
       LEFT JOIN LATERAL (
         SELECT e.id FROM media e
         WHERE l.completed AND l.parent_id IS NOT NULL
           AND e.parent_id = l.parent_id AND e.season_number > 0
           AND (e.season_number, e.episode_number) > (l.season_number, l.episode_number)
           AND NOT EXISTS (
             SELECT 1 FROM watch_history w WHERE w.user_id = $1 AND w.media_id = e.id AND w.completed)
         ORDER BY e.season_number, e.episode_number
         LIMIT 1
       ) nxt ON true
       WHERE (NOT l.completed AND l.position_seconds > 0) OR nxt.id IS NOT NULL
       ORDER BY l.updated_at DESC
       LIMIT $2
     )
     SELECT json_build_object('items', coalesce(json_agg(jsonb_build_object(
         'reason', CASE WHEN p.next_id IS NULL THEN 'resume' ELSE 'next' END,
         'media', ${mediaJson('i', '$3')},
         'series', CASE WHEN s.id IS NULL THEN NULL ELSE ${mediaJson('s', '$3')} END,
         'progress', CASE WHEN p.next_id IS NULL THEN ${progressJson('p')} END,
         'lastWatchedAt', ${isoJson('p.updated_at')}
       ) ORDER BY p.updated_at DESC), '[]'::json))::text AS body
     FROM picked p
     JOIN media i ON i.id = coalesce(p.next_id, p.media_id)
     LEFT JOIN media s ON s.id = p.parent_id`,
    ),
    [userId, limit, imageBase],
  );
  return row?.body ?? '{"items":[]}';
}

/** A series' episodes by season, with their files and the user's progress; null if no such series. */
export async function listEpisodes(db: Db, userId: string, seriesId: string): Promise<EpisodeList | null> {
  const rows = await db.query<{
    id: string;
    media_type: string;
    episode_id: string | null;
    season_number: number | null;
    episode_number: number | null;
    title: string;
    air_date: string | Date | null;
    file_count: number;
    progress: ProgressRow | null;
  }>(
    `SELECT s.id, s.media_type, e.season_number, e.episode_number, e.title, e.air_date, e.id AS episode_id,
       (SELECT count(*) FROM media_files f WHERE f.media_id = e.id)::int AS file_count,
       (SELECT to_jsonb(w) FROM (SELECT position_seconds, duration_seconds, completed, updated_at
          FROM watch_history WHERE user_id = $2 AND media_id = e.id) w) AS progress
     FROM media s
     LEFT JOIN media e ON e.parent_id = s.id
     WHERE s.id = $1 AND s.parent_id IS NULL
     ORDER BY e.season_number, e.episode_number`,
    [seriesId, userId],
  );
  if (rows[0]?.media_type !== 'tv') return null;
  const seasons = new Map<number, EpisodeList['seasons'][number]>();
  for (const row of rows) {
    if (row.episode_id === null || row.season_number === null || row.episode_number === null) continue;
    let season = seasons.get(row.season_number);
    if (!season) {
      season = { seasonNumber: row.season_number, episodes: [] };
      seasons.set(row.season_number, season);
    }
    season.episodes.push({
      id: row.episode_id,
      episodeNumber: row.episode_number,
      title: row.title,
      airDate: row.air_date === null ? null : new Date(row.air_date).toISOString().slice(0, 10),
      fileCount: row.file_count,
      progress: row.progress ? progressFromRow(row.progress) : null,
    });
  }
  return { seriesId, seasons: [...seasons.values()] };
}

interface PreferencesRow {
  subtitle_language: string | null;
  audio_language: string | null;
}

const preferencesFromRow = (row: PreferencesRow): PlaybackPreferences => ({
  subtitleLanguage: row.subtitle_language,
  audioLanguage: row.audio_language,
});

/** A user's last subtitle language and audio track for a film or a series; undefined if never chosen. */
export async function readPreferences(
  db: Db,
  userId: string,
  mediaId: string,
): Promise<PlaybackPreferences | undefined> {
  const [row] = await db.query<PreferencesRow>(
    'SELECT subtitle_language, audio_language FROM playback_preferences WHERE user_id = $1 AND media_id = $2',
    [userId, mediaId],
  );
  return row && preferencesFromRow(row);
}

export async function writePreferences(
  db: Db,
  userId: string,
  mediaId: string,
  prefs: PlaybackPreferences,
): Promise<PlaybackPreferences> {
  const [row] = await db.query<PreferencesRow>(
    `INSERT INTO playback_preferences (user_id, media_id, subtitle_language, audio_language)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, media_id) DO UPDATE SET subtitle_language = excluded.subtitle_language,
       audio_language = excluded.audio_language, updated_at = now()
     RETURNING subtitle_language, audio_language`,
    [userId, mediaId, prefs.subtitleLanguage, prefs.audioLanguage],
  );
  if (!row) throw new Error('preferences upsert returned nothing');
  return preferencesFromRow(row);
}
