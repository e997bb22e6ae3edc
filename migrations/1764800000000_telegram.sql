-- Up Migration

-- The Telegram bot (owned by @sokoul/db's telegram module).

-- A Telegram user in a chat, linked to a Sokoul account with a one-time code. In a private chat
-- both ids are the same; in a group only the member who linked acts as the account there.
CREATE TABLE telegram_links (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  chat_id bigint NOT NULL,
  telegram_user_id bigint NOT NULL,
  chat_type text NOT NULL CHECK (chat_type IN ('private', 'group', 'supergroup', 'channel')),
  -- What Settings shows: @username or the name, the group's title.
  chat_title text NOT NULL DEFAULT '' CHECK (length(chat_title) <= 300),
  username text CHECK (length(username) <= 100),
  linked_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (chat_id, telegram_user_id)
);
CREATE INDEX telegram_links_user_idx ON telegram_links (user_id);

-- One-time linking codes (only their SHA-256 is stored): single use, short-lived.
CREATE TABLE telegram_link_codes (
  code_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX telegram_link_codes_user_idx ON telegram_link_codes (user_id);

-- What a button means, kept server-side: callback_data carries only this short id (64 bytes max),
-- and the id answers only in the chat, for the Telegram user, it was made for.
CREATE TABLE telegram_callbacks (
  id text PRIMARY KEY CHECK (length(id) <= 32),
  chat_id bigint NOT NULL,
  telegram_user_id bigint NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX telegram_callbacks_created_idx ON telegram_callbacks (created_at);

-- Which notifications a user does not want on Telegram.
CREATE TABLE telegram_preferences (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  muted text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The bot's own identity (getMe), read once by torrent-node, so the webhook never asks for it.
CREATE TABLE telegram_bot (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  info jsonb NOT NULL,
  mode text NOT NULL CHECK (mode IN ('webhook', 'polling')),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE telegram_bot;
DROP TABLE telegram_preferences;
DROP TABLE telegram_callbacks;
DROP TABLE telegram_link_codes;
DROP TABLE telegram_links;
