import type { ApiKeyList, CreateApiKeyRequest, CreatedApiKey } from '@sokoul/contracts';
import { forgetApiKey } from '../auth/principal.js';
import type { Deps, Principal } from '../context.js';
import { notFound } from '../errors.js';
import * as repo from './repository.js';

/** Personal API keys: every user manages only their own. */
export async function list(deps: Deps, principal: Principal): Promise<ApiKeyList> {
  return { apiKeys: await repo.listApiKeys(deps.infra.db, principal.userId) };
}

export const create = (
  deps: Deps,
  principal: Principal,
  input: CreateApiKeyRequest,
): Promise<CreatedApiKey> => repo.createApiKey(deps.infra.db, principal.userId, input);

/** The key stops working at once in this isolate (its cache entry is dropped), soon everywhere else. */
export async function revoke(deps: Deps, principal: Principal, id: string): Promise<void> {
  const hash = await repo.revokeApiKey(deps.infra.db, principal.userId, id);
  if (!hash) throw notFound('API key');
  forgetApiKey(hash);
}
