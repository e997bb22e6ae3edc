import type { CreateIndexerRequest, Indexer, UpdateIndexerRequest } from '@sokoul/contracts';
import { ApiError, notFound } from '../http/errors.js';
import { isUniqueViolation } from '../infra/db.js';
import type { Db } from '../infra/sql.js';

interface IndexerRow {
  id: string;
  name: string;
  url: string;
  has_api_key: boolean;
  enabled: boolean;
  use_flaresolverr: boolean;
  created_at: string | Date;
}

const COLUMNS = 'id, name, url, api_key IS NOT NULL AS has_api_key, enabled, use_flaresolverr, created_at';

const toIndexer = (row: IndexerRow): Indexer => ({
  id: row.id,
  name: row.name,
  url: row.url,
  hasApiKey: row.has_api_key,
  enabled: row.enabled,
  useFlareSolverr: row.use_flaresolverr,
  createdAt: new Date(row.created_at).toISOString(),
});

const duplicateName = (error: unknown) => {
  if (isUniqueViolation(error))
    throw new ApiError(409, 'conflict', 'An indexer with this name already exists');
  throw error;
};

export async function listIndexers(db: Db): Promise<Indexer[]> {
  return (await db.query<IndexerRow>(`SELECT ${COLUMNS} FROM indexers ORDER BY name`)).map(toIndexer);
}

export async function createIndexer(db: Db, input: CreateIndexerRequest): Promise<Indexer> {
  const [row] = await db
    .query<IndexerRow>(
      `INSERT INTO indexers (name, url, api_key, enabled, use_flaresolverr) VALUES ($1, $2, $3, $4, $5)
       RETURNING ${COLUMNS}`,
      [input.name, input.url, input.apiKey ?? null, input.enabled, input.useFlareSolverr],
    )
    .catch(duplicateName);
  if (!row) throw new Error('indexer insert returned nothing');
  return toIndexer(row);
}

export async function updateIndexer(db: Db, id: string, input: UpdateIndexerRequest): Promise<Indexer> {
  const [row] = await db
    .query<IndexerRow>(
      `UPDATE indexers SET
         name = coalesce($2, name), url = coalesce($3, url),
         api_key = CASE WHEN $4::boolean THEN $5 ELSE api_key END,
         enabled = coalesce($6, enabled), use_flaresolverr = coalesce($7, use_flaresolverr), updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        id,
        input.name ?? null,
        input.url ?? null,
        input.apiKey !== undefined,
        input.apiKey ?? null,
        input.enabled ?? null,
        input.useFlareSolverr ?? null,
      ],
    )
    .catch(duplicateName);
  if (!row) throw notFound('Indexer');
  return toIndexer(row);
}

export async function deleteIndexer(db: Db, id: string): Promise<void> {
  if ((await db.execute('DELETE FROM indexers WHERE id = $1', [id])) === 0) throw notFound('Indexer');
}
