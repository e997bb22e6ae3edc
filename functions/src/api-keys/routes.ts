import { type ApiKeyList, CreateApiKeyRequest } from '@sokoul/contracts';
import { Hono } from 'hono';
import { forgetApiKey, requireAuth } from '../auth/principal.js';
import type { AppEnv } from '../context.js';
import { notFound } from '../http/errors.js';
import { readId, readJson } from '../http/validation.js';
import { createApiKey, listApiKeys, revokeApiKey } from './repository.js';

export const apiKeyRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get('/', async (c) =>
    c.json({ apiKeys: await listApiKeys(c.var.infra.db, c.var.principal.userId) } satisfies ApiKeyList),
  )
  .post('/', async (c) => {
    const input = await readJson(c, CreateApiKeyRequest);
    return c.json(await createApiKey(c.var.infra.db, c.var.principal.userId, input), 201);
  })
  .delete('/:id', async (c) => {
    const hash = await revokeApiKey(c.var.infra.db, c.var.principal.userId, readId(c, 'id', 'API key'));
    if (!hash) throw notFound('API key');
    forgetApiKey(hash);
    return c.body(null, 204);
  });
