-- Up Migration

-- Downloads (Hunter). The API writes what a user wants (start, pause, resume, remove, queue
-- order); torrent-node writes what happens (state, figures, files, errors). Both go through
-- @sokoul/db's downloads module, the one owner of these tables.
CREATE TABLE downloads (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  season_number integer CHECK (season_number BETWEEN 0 AND 1000),
  episode_number integer CHECK (episode_number BETWEEN 0 AND 100000),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 1000),
  info_hash text CHECK (info_hash ~ '^[0-9a-f]{40}$'),
  magnet_url text CHECK (length(magnet_url) <= 8192),
  torrent_url text CHECK (length(torrent_url) <= 8192),
  -- The .torrent once fetched (or the metadata once a magnet delivered it): a restart needs no indexer.
  torrent_file bytea,
  search_id uuid REFERENCES searches (id) ON DELETE SET NULL,
  result_id uuid REFERENCES search_results (id) ON DELETE SET NULL,
  engine text NOT NULL DEFAULT 'webtorrent' CHECK (engine IN ('webtorrent')),
  state text NOT NULL DEFAULT 'queued' CHECK (state IN
    ('queued', 'metadata', 'downloading', 'paused', 'stalled', 'seeding', 'completed', 'failed', 'cancelled')),
  paused_by text CHECK (paused_by IN ('user', 'disk')),
  queue_position bigint,
  bytes_done bigint NOT NULL DEFAULT 0 CHECK (bytes_done >= 0),
  bytes_total bigint CHECK (bytes_total >= 0),
  bytes_uploaded bigint NOT NULL DEFAULT 0 CHECK (bytes_uploaded >= 0),
  download_speed bigint NOT NULL DEFAULT 0,
  upload_speed bigint NOT NULL DEFAULT 0,
  peers integer NOT NULL DEFAULT 0,
  eta_seconds bigint,
  save_path text,
  -- Verified pieces at the last checkpoint, so a restart skips re-hashing them.
  bitfield bytea,
  error_code text,
  error_message text,
  -- A cancelled row waits here until torrent-node removed the torrent (and the files, when asked).
  delete_data boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz,
  seeding_since timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (magnet_url IS NOT NULL OR torrent_url IS NOT NULL OR torrent_file IS NOT NULL)
);
-- One engine holds a torrent once: an info hash is downloaded by one live row at a time.
CREATE UNIQUE INDEX downloads_live_hash_key ON downloads (info_hash)
  WHERE info_hash IS NOT NULL AND state NOT IN ('failed', 'cancelled');
CREATE INDEX downloads_user_idx ON downloads (user_id, created_at DESC);
CREATE INDEX downloads_queue_idx ON downloads (queue_position) WHERE state = 'queued';
CREATE SEQUENCE downloads_queue_seq OWNED BY downloads.queue_position;

CREATE TABLE download_files (
  download_id uuid NOT NULL REFERENCES downloads (id) ON DELETE CASCADE,
  file_index integer NOT NULL CHECK (file_index >= 0),
  path text NOT NULL,
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  bytes_done bigint NOT NULL DEFAULT 0,
  role text CHECK (role IN ('video', 'sample', 'extra', 'other', 'unmatched')),
  media_file_id uuid REFERENCES media_files (id) ON DELETE SET NULL,
  PRIMARY KEY (download_id, file_index)
);

-- Releases refused for a title after they stalled or failed; the next search or fallback skips them.
CREATE TABLE download_blocklist (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  info_hash text,
  name text NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX download_blocklist_key ON download_blocklist (media_id, coalesce(info_hash, name));
CREATE INDEX download_blocklist_user_idx ON download_blocklist (user_id, created_at DESC);

-- What an import learns about a file.
ALTER TABLE media_files
  ADD COLUMN hdr text,
  ADD COLUMN audio_tracks jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN subtitle_tracks jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN download_id uuid REFERENCES downloads (id) ON DELETE SET NULL;

-- Down Migration

ALTER TABLE media_files DROP COLUMN download_id, DROP COLUMN subtitle_tracks, DROP COLUMN audio_tracks, DROP COLUMN hdr;
DROP TABLE download_blocklist;
DROP TABLE download_files;
DROP TABLE downloads;
