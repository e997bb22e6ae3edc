import {
  CreateIndexerRequest,
  CreateInviteRequest,
  type IndexerList,
  PutQualityProfilesRequest,
  type QualityProfileList,
  UpdateIndexerRequest,
  UpdateSettingsRequest,
  UpdateUserRequest,
  type UserList,
} from '@sokoul/contracts';
import { Hono } from 'hono';
import { requireAdmin, requireAuth } from '../auth/principal.js';
import { readSettings, writeSettings } from '../auth/settings.js';
import type { AppEnv } from '../context.js';
import { readId, readJson } from '../http/validation.js';
import { customProfiles, saveCustomProfiles } from '../search/profiles.js';
import { createIndexer, deleteIndexer, listIndexers, updateIndexer } from './indexers.js';
import { createInvite, deleteUser, listUsers, updateUser } from './users.js';

export const adminRoutes = new Hono<AppEnv>()
  .use(requireAuth, requireAdmin)
  .get('/users', async (c) => c.json({ users: await listUsers(c.var.infra.db) } satisfies UserList))
  .patch('/users/:id', async (c) => {
    const id = readId(c, 'id', 'User');
    const input = await readJson(c, UpdateUserRequest);
    return c.json(await updateUser(c.var.infra.db, id, input));
  })
  .delete('/users/:id', async (c) => {
    await deleteUser(c.var.infra.db, readId(c, 'id', 'User'));
    return c.body(null, 204);
  })
  .get('/indexers', async (c) =>
    c.json({ indexers: await listIndexers(c.var.infra.db) } satisfies IndexerList),
  )
  .post('/indexers', async (c) =>
    c.json(await createIndexer(c.var.infra.db, await readJson(c, CreateIndexerRequest)), 201),
  )
  .patch('/indexers/:id', async (c) => {
    const id = readId(c, 'id', 'Indexer');
    return c.json(await updateIndexer(c.var.infra.db, id, await readJson(c, UpdateIndexerRequest)));
  })
  .delete('/indexers/:id', async (c) => {
    await deleteIndexer(c.var.infra.db, readId(c, 'id', 'Indexer'));
    return c.body(null, 204);
  })
  .get('/quality-profiles', async (c) =>
    c.json({ profiles: await customProfiles(c.var.infra.db) } satisfies QualityProfileList),
  )
  .put('/quality-profiles', async (c) => {
    const { profiles } = await readJson(c, PutQualityProfilesRequest);
    await saveCustomProfiles(c.var.infra.db, profiles);
    return c.json({ profiles } satisfies QualityProfileList);
  })
  .get('/settings', async (c) => c.json(await readSettings(c.var.infra.db)))
  .patch('/settings', async (c) => {
    const input = await readJson(c, UpdateSettingsRequest);
    return c.json(await writeSettings(c.var.infra.db, input));
  })
  .post('/invites', async (c) => {
    const { expiresInHours } = await readJson(c, CreateInviteRequest);
    return c.json(await createInvite(c.var.infra.db, c.var.principal.userId, expiresInHours), 201);
  });
