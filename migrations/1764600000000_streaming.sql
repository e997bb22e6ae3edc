-- Up Migration

-- Watching. A file still downloading is streamed by an id of its own, like a library file, so
-- `/files/{fileId}/stream` takes ids only (never a path) for both.
ALTER TABLE download_files ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE download_files ADD CONSTRAINT download_files_id_key UNIQUE (id);

-- Each user's last subtitle language and audio track for a film or a series (owner: history).
CREATE TABLE playback_preferences (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  subtitle_language text CHECK (length(subtitle_language) BETWEEN 2 AND 8),
  audio_language text CHECK (length(audio_language) BETWEEN 2 AND 8),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, media_id)
);

-- Down Migration
DROP TABLE playback_preferences;
ALTER TABLE download_files DROP COLUMN id;
