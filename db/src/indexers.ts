import type { CreateIndexerRequest, Indexer, UpdateIndexerRequest } from '@sokoul/contracts';
import { type Db, iso, type Timestamp } from './db.js';

/**
 * The `indexers` table: admins manage the Torznab endpoints through the API, torrent-node reads the
 * enabled ones (with their API keys) for each search. The key is never read back for the API.
 */

interface IndexerRow {
  id: string;
  name: string;
  url: string;
  has_api_key: boolean;
  enabled: boolean;
  use_flaresolverr: boolean;
  use_proxy: boolean;
  created_at: Timestamp;
}

const COLUMNS =
  'id, name, url, api_key IS NOT NULL AS has_api_key, enabled, use_flaresolverr, use_proxy, created_at';

const toIndexer = (row: IndexerRow): Indexer => ({
  id: row.id,
  name: row.name,
  url: row.url,
  hasApiKey: row.has_api_key,
  enabled: row.enabled,
  useFlareSolverr: row.use_flaresolverr,
  useProxy: row.use_proxy,
  createdAt: iso(row.created_at),
});

export async function listIndexers(db: Db): Promise<Indexer[]> {
  return (await db.query<IndexerRow>(`SELECT ${COLUMNS} FROM indexers ORDER BY name`)).map(toIndexer);
}

/** Throws the database's unique violation (SQLSTATE 23505) when the name is taken. */
export async function createIndexer(db: Db, input: CreateIndexerRequest): Promise<Indexer> {
  const [row] = await db.query<IndexerRow>(
    `INSERT INTO indexers (name, url, api_key, enabled, use_flaresolverr, use_proxy)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [input.name, input.url, input.apiKey ?? null, input.enabled, input.useFlareSolverr, input.useProxy],
  );
  if (!row) throw new Error('indexer insert returned nothing');
  return toIndexer(row);
}

/** Undefined when there is no such indexer; a unique violation when the new name is taken. */
export async function updateIndexer(
  db: Db,
  id: string,
  input: UpdateIndexerRequest,
): Promise<Indexer | undefined> {
  const [row] = await db.query<IndexerRow>(
    `UPDATE indexers SET
       name = coalesce($2, name), url = coalesce($3, url),
       api_key = CASE WHEN $4::boolean THEN $5 ELSE api_key END,
       enabled = coalesce($6, enabled), use_flaresolverr = coalesce($7, use_flaresolverr),
       use_proxy = coalesce($8, use_proxy), updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      input.name ?? null,
      input.url ?? null,
      input.apiKey !== undefined,
      input.apiKey ?? null,
      input.enabled ?? null,
      input.useFlareSolverr ?? null,
      input.useProxy ?? null,
    ],
  );
  return row && toIndexer(row);
}

/** False when there was no such indexer. */
export async function deleteIndexer(db: Db, id: string): Promise<boolean> {
  return (await db.execute('DELETE FROM indexers WHERE id = $1', [id])) > 0;
}

/** An enabled endpoint as a search needs it, API key included (never sent to clients). */
export interface EnabledIndexer {
  name: string;
  url: string;
  apiKey: string | null;
  useFlareSolverr: boolean;
  /** Through INDEXER_PROXY_URL when one is set. */
  useProxy: boolean;
}

export async function enabledIndexers(db: Db): Promise<EnabledIndexer[]> {
  const rows = await db.query<{
    name: string;
    url: string;
    api_key: string | null;
    use_flaresolverr: boolean;
    use_proxy: boolean;
  }>('SELECT name, url, api_key, use_flaresolverr, use_proxy FROM indexers WHERE enabled ORDER BY name');
  return rows.map((r) => ({
    name: r.name,
    url: r.url,
    apiKey: r.api_key,
    useFlareSolverr: r.use_flaresolverr,
    useProxy: r.use_proxy,
  }));
}
