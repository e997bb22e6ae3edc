import type { CreateIndexerRequest, Indexer, UpdateIndexerRequest } from '@sokoul/contracts';
import * as indexers from '@sokoul/db';
import { ApiError, notFound } from '../errors.js';
import { isUniqueViolation } from '../infra/db.js';
import type { Db } from '../infra/sql.js';

/** The admin's Torznab endpoints; the table is shared with torrent-node, its SQL is in @sokoul/db. */

const duplicateName = (error: unknown): never => {
  if (isUniqueViolation(error))
    throw new ApiError(409, 'conflict', 'An indexer with this name already exists');
  throw error;
};

export const listIndexers = (db: Db): Promise<Indexer[]> => indexers.listIndexers(db);

export const createIndexer = (db: Db, input: CreateIndexerRequest): Promise<Indexer> =>
  indexers.createIndexer(db, input).catch(duplicateName);

export async function updateIndexer(db: Db, id: string, input: UpdateIndexerRequest): Promise<Indexer> {
  const indexer = await indexers.updateIndexer(db, id, input).catch(duplicateName);
  if (!indexer) throw notFound('Indexer');
  return indexer;
}

export async function deleteIndexer(db: Db, id: string): Promise<void> {
  if (!(await indexers.deleteIndexer(db, id))) throw notFound('Indexer');
}
