-- Up Migration

-- One row per search: who asked, for which title, with which key (season, episode, text and
-- profile) and what each indexer answered. Results belong to their search, so two searches of one
-- title (two users, two profiles) never read each other's.
CREATE TABLE searches (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Null only for searches kept from before searches had owners.
  user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  -- The search's identity (contracts' SearchKey: season:episode:text:profile).
  query_key text NOT NULL,
  -- The quality profile's name (null for searches kept from before profiles were recorded).
  profile text,
  -- Each indexer's outcome (IndexerReport[]: ok, timeout, failed or skipped).
  reports jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- Answered from an identical recent search (reused_from) instead of asking the indexers.
  cached boolean NOT NULL DEFAULT false,
  reused_from uuid REFERENCES searches (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  -- Set again when the search completes; a search whose task never ran goes after a day.
  expires_at timestamptz NOT NULL DEFAULT now() + interval '1 day'
);
CREATE INDEX searches_latest_idx ON searches (media_id, completed_at DESC) WHERE completed_at IS NOT NULL;
CREATE INDEX searches_reuse_idx ON searches (media_id, query_key, completed_at DESC)
  WHERE completed_at IS NOT NULL AND NOT cached;
CREATE INDEX searches_user_idx ON searches (user_id);
CREATE INDEX searches_reused_from_idx ON searches (reused_from) WHERE reused_from IS NOT NULL;
CREATE INDEX searches_expiry_idx ON searches (expires_at);

-- Results stored so far were grouped by (title, key, time of the search): each group becomes a
-- completed search without an owner, readable as a title's latest until it expires.
INSERT INTO searches (media_id, query_key, created_at, completed_at, expires_at)
SELECT media_id, query_key, created_at, created_at, max(expires_at)
FROM search_results GROUP BY media_id, query_key, created_at;

ALTER TABLE search_results ADD COLUMN search_id uuid REFERENCES searches (id) ON DELETE CASCADE;
UPDATE search_results r SET search_id = s.id
FROM searches s
WHERE s.media_id = r.media_id AND s.query_key = r.query_key AND s.created_at = r.created_at;
ALTER TABLE search_results ALTER COLUMN search_id SET NOT NULL;
-- The search holds the title, key, time and expiry now.
ALTER TABLE search_results DROP COLUMN media_id, DROP COLUMN query_key, DROP COLUMN created_at,
  DROP COLUMN expires_at;
CREATE INDEX search_results_search_idx ON search_results (search_id, rejected, score DESC);

-- Down Migration

ALTER TABLE search_results ADD COLUMN media_id uuid REFERENCES media (id) ON DELETE CASCADE,
  ADD COLUMN query_key text, ADD COLUMN created_at timestamptz, ADD COLUMN expires_at timestamptz;
UPDATE search_results r SET media_id = s.media_id, query_key = s.query_key,
  created_at = coalesce(s.completed_at, s.created_at), expires_at = s.expires_at
FROM searches s WHERE s.id = r.search_id;
ALTER TABLE search_results DROP COLUMN search_id;
ALTER TABLE search_results ALTER COLUMN media_id SET NOT NULL, ALTER COLUMN query_key SET NOT NULL,
  ALTER COLUMN created_at SET NOT NULL, ALTER COLUMN created_at SET DEFAULT now(),
  ALTER COLUMN expires_at SET NOT NULL;
CREATE INDEX search_results_lookup_idx ON search_results (media_id, query_key, expires_at);
CREATE INDEX search_results_expiry_idx ON search_results (expires_at);
DROP TABLE searches;
