import type { Db } from './db.js';

/**
 * A title as `media` holds it, with its parent's (an episode's series), read from `media` (written by
 * the API's media service, only read here): what OpenSubtitles knows it by, what a notification
 * shows of it.
 */
export interface MediaTitle {
  mediaType: 'movie' | 'tv' | 'episode';
  title: string;
  year: number | null;
  tmdbId: number | null;
  /** TMDB's poster path (`/abc.jpg`). */
  posterPath: string | null;
  seasonNumber: number | null;
  episodeNumber: number | null;
  /** An episode's series. */
  parent: { title: string; year: number | null; tmdbId: number | null; posterPath: string | null } | null;
}

interface TitleRow {
  media_type: MediaTitle['mediaType'];
  title: string;
  year: number | null;
  tmdb_id: number | null;
  poster_path: string | null;
  season_number: number | null;
  episode_number: number | null;
  parent_title: string | null;
  parent_year: number | null;
  parent_tmdb_id: number | null;
  parent_poster_path: string | null;
}

export async function mediaTitle(db: Db, mediaId: string): Promise<MediaTitle | undefined> {
  const [row] = await db.query<TitleRow>(
    `SELECT m.media_type, m.title, m.year, m.tmdb_id, m.poster_path, m.season_number, m.episode_number,
            p.title AS parent_title, p.year AS parent_year, p.tmdb_id AS parent_tmdb_id,
            p.poster_path AS parent_poster_path
       FROM media m LEFT JOIN media p ON p.id = m.parent_id
      WHERE m.id = $1`,
    [mediaId],
  );
  if (!row) return undefined;
  return {
    mediaType: row.media_type,
    title: row.title,
    year: row.year,
    tmdbId: row.tmdb_id,
    posterPath: row.poster_path,
    seasonNumber: row.season_number,
    episodeNumber: row.episode_number,
    parent:
      row.parent_title === null
        ? null
        : {
            title: row.parent_title,
            year: row.parent_year,
            tmdbId: row.parent_tmdb_id,
            posterPath: row.parent_poster_path,
          },
  };
}

/** What a notification shows of a title: an episode by its series' name, poster and TMDB id. */
export interface ShownTitle {
  type: MediaTitle['mediaType'];
  title: string;
  year: number | null;
  tmdbId: number | null;
  posterPath: string | null;
  season: number | null;
  episode: number | null;
}

export const shownTitle = (media: MediaTitle | undefined): ShownTitle | undefined =>
  media && {
    type: media.mediaType,
    title: media.parent?.title ?? media.title,
    year: media.parent?.year ?? media.year,
    tmdbId: media.parent?.tmdbId ?? media.tmdbId,
    posterPath: media.parent?.posterPath ?? media.posterPath,
    season: media.seasonNumber,
    episode: media.episodeNumber,
  };

/**
 * The web app's address for a title (Telegram's buttons, web push): the player for a film or an
 * episode; a season pack opens the series at that season; null without a TMDB id.
 */
export function titlePath(media: ShownTitle | undefined, season: number | null, episode: number | null) {
  if (!media?.tmdbId) return null;
  if (media.type === 'movie') return `/watch/movie/${media.tmdbId}`;
  if (season !== null && episode !== null)
    return `/watch/tv/${media.tmdbId}?season=${season}&episode=${episode}`;
  return `/tv/${media.tmdbId}${season !== null ? `?season=${season}` : ''}`;
}
