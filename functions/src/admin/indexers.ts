import {
  type ApiConfig,
  type CreateIndexerRequest,
  checkOutboundUrl,
  type Indexer,
  OutboundRefused,
  type UpdateIndexerRequest,
} from '@sokoul/contracts';
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

/**
 * The outbound guard (contracts' `checkOutboundUrl`) on an indexer URL an admin gives: no loopback,
 * link-local or private address unless INDEXER_ALLOW_PRIVATE; torrent-node checks again on every
 * request, once the name is resolved.
 */
export function checkIndexerUrl(config: ApiConfig, url: string): void {
  try {
    checkOutboundUrl(url, { allowPrivate: config.INDEXER_ALLOW_PRIVATE });
  } catch (error) {
    if (!(error instanceof OutboundRefused)) throw error;
    throw new ApiError(400, 'validation_failed', `Invalid body: url ${error.message}`, {}, [
      { path: 'url', message: error.message },
    ]);
  }
}

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
