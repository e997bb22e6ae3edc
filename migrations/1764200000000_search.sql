-- Up Migration

-- Ranked releases from the last search for a title (and season/episode), kept for a while so the
-- same search within the window is answered without asking the indexers again.
CREATE TABLE search_results (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  -- The search's identity: season, episode and free text, normalised.
  query_key text NOT NULL,
  result jsonb NOT NULL,
  score real NOT NULL,
  rejected boolean NOT NULL,
  info_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX search_results_lookup_idx ON search_results (media_id, query_key, expires_at);
CREATE INDEX search_results_expiry_idx ON search_results (expires_at);

-- Down Migration

DROP TABLE search_results;
