-- Up Migration

-- More engines behind torrent-node's DownloadEngine: Real-Debrid and the external clients.
ALTER TABLE downloads DROP CONSTRAINT downloads_engine_check;
ALTER TABLE downloads
  ADD CONSTRAINT downloads_engine_check CHECK (engine IN ('webtorrent', 'realdebrid', 'qbittorrent', 'transmission')),
  -- The engine's own name for the torrent (Real-Debrid's torrent id), so a restart follows it again.
  ADD COLUMN engine_ref text CHECK (length(engine_ref) <= 200),
  -- Copied from the owner's preference when queued: a failed Real-Debrid download starts on BitTorrent.
  ADD COLUMN debrid_fallback boolean NOT NULL DEFAULT false;

-- Each user's default engine (owned by @sokoul/db's downloads module, with the downloads).
CREATE TABLE download_preferences (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  engine text NOT NULL CHECK (engine IN ('webtorrent', 'realdebrid', 'qbittorrent', 'transmission')),
  debrid_fallback boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The external clients an admin configured (owned by @sokoul/db's download-clients module).
CREATE TABLE download_clients (
  name text PRIMARY KEY CHECK (name IN ('qbittorrent', 'transmission')),
  url text NOT NULL CHECK (length(url) <= 2048),
  username text NOT NULL DEFAULT '' CHECK (length(username) <= 200),
  password text NOT NULL DEFAULT '' CHECK (length(password) <= 500),
  category text NOT NULL DEFAULT 'sokoul' CHECK (length(category) BETWEEN 1 AND 100),
  remote_path text NOT NULL CHECK (length(remote_path) BETWEEN 1 AND 1000),
  local_path text NOT NULL CHECK (length(local_path) BETWEEN 1 AND 1000),
  enabled boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Info hashes Sokoul saw `downloaded` on Real-Debrid: shown "instantané" until they expire
-- (owned by @sokoul/db's debrid module; the instant-availability endpoint is gone).
CREATE TABLE debrid_cache (
  info_hash text PRIMARY KEY CHECK (info_hash ~ '^[0-9a-f]{40}$'),
  seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- Down Migration

DROP TABLE debrid_cache;
DROP TABLE download_clients;
DROP TABLE download_preferences;
ALTER TABLE downloads DROP COLUMN debrid_fallback, DROP COLUMN engine_ref;
ALTER TABLE downloads DROP CONSTRAINT downloads_engine_check;
ALTER TABLE downloads ADD CONSTRAINT downloads_engine_check CHECK (engine IN ('webtorrent'));
