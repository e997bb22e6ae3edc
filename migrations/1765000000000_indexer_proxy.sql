-- Up Migration

-- Whether an added indexer goes through INDEXER_PROXY_URL (the VPN's proxy): remote trackers
-- usually should, a LAN Jackett or a tracker that bans the VPN's addresses should not. True keeps
-- what every added indexer did before.
ALTER TABLE indexers ADD COLUMN use_proxy boolean NOT NULL DEFAULT true;

-- Down Migration

ALTER TABLE indexers DROP COLUMN use_proxy;
