-- Up Migration

-- Operations: Sentinel's checks and alerts, torrent-nodes' heartbeats, the scheduler's jobs, the
-- metrics collector's samples (owned by @sokoul/db's health and jobs modules) and web push devices
-- (its push module).

-- The last result of each named health check (one row per check; any torrent-node may write it).
CREATE TABLE health_checks (
  id text PRIMARY KEY CHECK (length(id) <= 200),
  kind text NOT NULL,
  subject text CHECK (length(subject) <= 300),
  status text NOT NULL CHECK (status IN ('ok', 'warning', 'error')),
  code text NOT NULL CHECK (length(code) <= 100),
  params jsonb NOT NULL DEFAULT '{}',
  message text NOT NULL DEFAULT '',
  impact text NOT NULL DEFAULT '',
  fix text NOT NULL DEFAULT '',
  node_id text NOT NULL,
  checked_at timestamptz NOT NULL DEFAULT now(),
  next_check_at timestamptz NOT NULL DEFAULT now(),
  failing_since timestamptz,
  failures integer NOT NULL DEFAULT 0
);

-- Alerts: at most one open alert per cause (the partial unique index), whatever the number of nodes.
CREATE TABLE alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  cause text NOT NULL CHECK (length(cause) <= 200),
  level text NOT NULL CHECK (level IN ('info', 'warning', 'critical')),
  code text NOT NULL CHECK (length(code) <= 100),
  params jsonb NOT NULL DEFAULT '{}',
  message text NOT NULL,
  raised_at timestamptz NOT NULL DEFAULT now(),
  notified_at timestamptz NOT NULL DEFAULT now(),
  notifications integer NOT NULL DEFAULT 1,
  cleared_at timestamptz,
  clear_message text
);
CREATE UNIQUE INDEX alerts_open_cause_idx ON alerts (cause) WHERE cleared_at IS NULL;
CREATE INDEX alerts_raised_idx ON alerts (raised_at DESC);

-- torrent-nodes as their heartbeats last saw them.
CREATE TABLE ops_nodes (
  node_id text PRIMARY KEY CHECK (length(node_id) <= 200),
  started_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  rss_bytes bigint NOT NULL DEFAULT 0,
  version text NOT NULL DEFAULT ''
);

-- Scheduled jobs and their last run. The lease (running_node, lease_until) is the lock: one node
-- runs an occurrence; a node that died mid-run loses its lease when it expires.
CREATE TABLE scheduled_jobs (
  name text PRIMARY KEY,
  schedule text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  next_run_at timestamptz,
  running_node text,
  lease_until timestamptz,
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_duration_ms integer,
  last_outcome text CHECK (last_outcome IN ('running', 'ok', 'failed')),
  last_detail text NOT NULL DEFAULT '',
  last_result jsonb NOT NULL DEFAULT '{}',
  last_node text,
  last_manual boolean NOT NULL DEFAULT false
);

-- The metrics collector's samples (free space over time for the System page's chart).
CREATE TABLE ops_samples (
  at timestamptz NOT NULL DEFAULT now(),
  node_id text NOT NULL,
  metric text NOT NULL,
  value double precision NOT NULL,
  total double precision
);
CREATE INDEX ops_samples_metric_at_idx ON ops_samples (metric, at);

-- Web push: one subscription per device; the endpoint is a credential and is never sent back.
CREATE TABLE push_devices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  endpoint text NOT NULL UNIQUE CHECK (length(endpoint) <= 2048),
  p256dh text NOT NULL,
  auth text NOT NULL,
  label text NOT NULL DEFAULT '' CHECK (length(label) <= 100),
  kinds text[] NOT NULL DEFAULT '{download.ready,alert}',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_sent_at timestamptz
);
CREATE INDEX push_devices_user_idx ON push_devices (user_id);

-- Down Migration

DROP TABLE push_devices;
DROP TABLE ops_samples;
DROP TABLE scheduled_jobs;
DROP TABLE ops_nodes;
DROP TABLE alerts;
DROP TABLE health_checks;
