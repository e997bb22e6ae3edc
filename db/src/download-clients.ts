import type { DownloadClientInput, ExternalClientName } from '@sokoul/contracts';
import { type Db, iso, type Timestamp } from './db.js';

/**
 * The `download_clients` table: the external clients (qBittorrent, Transmission) an admin
 * configured. The API writes them; torrent-node reads them (with their passwords) to drive them.
 */

export interface StoredDownloadClient {
  name: ExternalClientName;
  url: string;
  username: string;
  password: string;
  category: string;
  remotePath: string;
  localPath: string;
  enabled: boolean;
  updatedAt: string;
}

interface ClientRow {
  name: ExternalClientName;
  url: string;
  username: string;
  password: string;
  category: string;
  remote_path: string;
  local_path: string;
  enabled: boolean;
  updated_at: Timestamp;
}

const fromRow = (r: ClientRow): StoredDownloadClient => ({
  name: r.name,
  url: r.url,
  username: r.username,
  password: r.password,
  category: r.category,
  remotePath: r.remote_path,
  localPath: r.local_path,
  enabled: r.enabled,
  updatedAt: iso(r.updated_at),
});

export async function listDownloadClients(db: Db): Promise<StoredDownloadClient[]> {
  const rows = await db.query<ClientRow>(
    `SELECT name, url, username, password, category, remote_path, local_path, enabled, updated_at
     FROM download_clients ORDER BY name`,
  );
  return rows.map(fromRow);
}

/** Creates or replaces a client's configuration; an absent password keeps the stored one. */
export async function saveDownloadClient(
  db: Db,
  name: ExternalClientName,
  input: DownloadClientInput,
): Promise<void> {
  await db.execute(
    `INSERT INTO download_clients (name, url, username, password, category, remote_path, local_path, enabled)
     VALUES ($1, $2, $3, coalesce($4::text, ''), $5, $6, $7, $8)
     ON CONFLICT (name) DO UPDATE SET url = excluded.url, username = excluded.username,
       password = coalesce($4::text, download_clients.password), category = excluded.category,
       remote_path = excluded.remote_path, local_path = excluded.local_path, enabled = excluded.enabled,
       updated_at = now()`,
    [
      name,
      input.url,
      input.username,
      input.password ?? null,
      input.category,
      input.remotePath,
      input.localPath,
      input.enabled,
    ],
  );
}

export async function deleteDownloadClient(db: Db, name: ExternalClientName): Promise<boolean> {
  const rows = await db.query<{ name: string }>(
    'DELETE FROM download_clients WHERE name = $1 RETURNING name',
    [name],
  );
  return rows.length > 0;
}
