import type {
  CreateIndexerRequest,
  CreateInviteRequest,
  Indexer,
  IndexerList,
  Invite,
  PutQualityProfilesRequest,
  QualityProfileList,
  Settings,
  UpdateIndexerRequest,
  UpdateSettingsRequest,
  UpdateUserRequest,
  User,
  UserList,
} from '@sokoul/contracts';
import { assertAdmin } from '../auth/roles.js';
import { readSettings, writeSettings } from '../auth/settings.js';
import type { Deps, Principal } from '../context.js';
import { customProfiles, saveCustomProfiles } from '../search/profiles.js';
import * as indexers from './indexers.js';
import * as users from './users.js';

// The instance's administration: every operation starts by checking the caller is an administrator.

export async function listUsers(deps: Deps, principal: Principal): Promise<UserList> {
  assertAdmin(principal);
  return { users: await users.listUsers(deps.infra.db) };
}

export async function updateUser(
  deps: Deps,
  principal: Principal,
  input: { id: string; changes: UpdateUserRequest },
): Promise<User> {
  assertAdmin(principal);
  const user = await users.updateUser(deps.infra.db, input.id, input.changes);
  // Sessions and tokens were revoked with the change; open sockets close now too.
  if (input.changes.disabled) await deps.infra.sockets.endSession(input.id, 'account disabled');
  return user;
}

export async function deleteUser(deps: Deps, principal: Principal, id: string): Promise<void> {
  assertAdmin(principal);
  await users.deleteUser(deps.infra.db, id);
  await deps.infra.sockets.endSession(id, 'account deleted');
}

export async function createInvite(
  deps: Deps,
  principal: Principal,
  input: CreateInviteRequest,
): Promise<Invite> {
  assertAdmin(principal);
  return users.createInvite(deps.infra.db, principal.userId, input.expiresInHours);
}

export async function settings(deps: Deps, principal: Principal): Promise<Settings> {
  assertAdmin(principal);
  return readSettings(deps.infra.db);
}

export async function updateSettings(
  deps: Deps,
  principal: Principal,
  input: UpdateSettingsRequest,
): Promise<Settings> {
  assertAdmin(principal);
  return writeSettings(deps.infra.db, input);
}

export async function listIndexers(deps: Deps, principal: Principal): Promise<IndexerList> {
  assertAdmin(principal);
  return { indexers: await indexers.listIndexers(deps.infra.db) };
}

export async function createIndexer(
  deps: Deps,
  principal: Principal,
  input: CreateIndexerRequest,
): Promise<Indexer> {
  assertAdmin(principal);
  indexers.checkIndexerUrl(deps.config, input.url);
  return indexers.createIndexer(deps.infra.db, input);
}

export async function updateIndexer(
  deps: Deps,
  principal: Principal,
  input: { id: string; changes: UpdateIndexerRequest },
): Promise<Indexer> {
  assertAdmin(principal);
  if (input.changes.url !== undefined) indexers.checkIndexerUrl(deps.config, input.changes.url);
  return indexers.updateIndexer(deps.infra.db, input.id, input.changes);
}

export async function deleteIndexer(deps: Deps, principal: Principal, id: string): Promise<void> {
  assertAdmin(principal);
  await indexers.deleteIndexer(deps.infra.db, id);
}

/** The admin's own quality profiles (the presets are not stored). */
export async function qualityProfiles(deps: Deps, principal: Principal): Promise<QualityProfileList> {
  assertAdmin(principal);
  return { profiles: await customProfiles(deps.infra.db) };
}

export async function saveQualityProfiles(
  deps: Deps,
  principal: Principal,
  input: PutQualityProfilesRequest,
): Promise<QualityProfileList> {
  assertAdmin(principal);
  await saveCustomProfiles(deps.infra.db, input.profiles);
  return { profiles: input.profiles };
}
