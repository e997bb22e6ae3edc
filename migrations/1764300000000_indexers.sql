-- Up Migration

-- Torznab endpoints added by an admin, beside Jackett and Prowlarr from the environment.
CREATE TABLE indexers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  url text NOT NULL,
  api_key text,
  enabled boolean NOT NULL DEFAULT true,
  -- Behind Cloudflare: get clearance cookies through FlareSolverr first.
  use_flaresolverr boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE indexers;
