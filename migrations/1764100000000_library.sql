-- Up Migration

-- Fuzzy title search (ships with PostgreSQL's contrib, in the embedded binaries too).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The household's titles: films, series and their episodes, shared by every user.
CREATE TABLE media (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Null for titles entered by hand.
  tmdb_id integer,
  media_type text NOT NULL CHECK (media_type IN ('movie', 'tv', 'episode')),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  original_title text,
  year integer CHECK (year BETWEEN 1874 AND 2100),
  overview text NOT NULL DEFAULT '',
  poster_path text,
  backdrop_path text,
  genre_ids integer[] NOT NULL DEFAULT '{}',
  genres text[] NOT NULL DEFAULT '{}',
  runtime_minutes integer,
  -- Episodes: their series, season and number.
  parent_id uuid REFERENCES media (id) ON DELETE CASCADE,
  season_number integer,
  episode_number integer,
  air_date date,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((media_type = 'episode') = (parent_id IS NOT NULL)),
  CHECK (media_type <> 'episode' OR (season_number IS NOT NULL AND episode_number IS NOT NULL))
);
-- One row per TMDB title (episodes are keyed by their series instead).
CREATE UNIQUE INDEX media_tmdb_key ON media (media_type, tmdb_id) WHERE tmdb_id IS NOT NULL AND media_type <> 'episode';
CREATE UNIQUE INDEX media_episode_key ON media (parent_id, season_number, episode_number) WHERE parent_id IS NOT NULL;
-- Listing and sorting films and series (episodes are reached through their series).
CREATE INDEX media_list_added_idx ON media (created_at DESC, id DESC) WHERE parent_id IS NULL;
CREATE INDEX media_list_title_idx ON media (lower(title), id) WHERE parent_id IS NULL;
CREATE INDEX media_genres_idx ON media USING gin (genre_ids) WHERE parent_id IS NULL;
-- Fuzzy `q`: trigram index over both titles. Without a pending list (fastupdate off): titles are
-- written rarely and searched often, and a long pending list is scanned by every search.
CREATE INDEX media_title_trgm_idx ON media USING gin ((title || ' ' || coalesce(original_title, '')) gin_trgm_ops)
  WITH (fastupdate = off)
  WHERE parent_id IS NULL;

-- Files on disk; a title can have several (a 4K and a 1080p copy).
CREATE TABLE media_files (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  path text NOT NULL UNIQUE,
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  container text,
  video_codec text,
  audio_codec text,
  resolution text,
  duration_seconds integer CHECK (duration_seconds >= 0),
  quality text,
  origin text NOT NULL DEFAULT 'manual' CHECK (origin IN ('download', 'import', 'manual')),
  added_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_files_media_idx ON media_files (media_id);

-- Personal lists: the same shape, one row per user and title.
CREATE TABLE library (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, media_id)
);
CREATE INDEX library_recent_idx ON library (user_id, added_at DESC, media_id DESC);
CREATE INDEX library_media_idx ON library (media_id);

CREATE TABLE favorites (LIKE library INCLUDING ALL);
ALTER TABLE favorites ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE favorites ADD FOREIGN KEY (media_id) REFERENCES media (id) ON DELETE CASCADE;

CREATE TABLE watchlist (LIKE library INCLUDING ALL);
ALTER TABLE watchlist ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE watchlist ADD FOREIGN KEY (media_id) REFERENCES media (id) ON DELETE CASCADE;

-- Where each user is in each film or episode. `updated_at` is when the player reported the
-- position, so a late, older report never overwrites a newer one.
CREATE TABLE watch_history (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  position_seconds integer NOT NULL CHECK (position_seconds >= 0),
  duration_seconds integer NOT NULL CHECK (duration_seconds > 0),
  completed boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, media_id)
);
-- "Continue watching" and the history list: a user's most recent first.
CREATE INDEX watch_history_recent_idx ON watch_history (user_id, updated_at DESC);
CREATE INDEX watch_history_media_idx ON watch_history (media_id);

-- Down Migration

DROP TABLE watch_history;
DROP TABLE watchlist;
DROP TABLE favorites;
DROP TABLE library;
DROP TABLE media_files;
DROP TABLE media;
