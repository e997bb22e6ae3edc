import {
  CreateMediaFileRequest,
  CreateMediaRequest,
  ListMediaQuery,
  UpdateMediaRequest,
} from '@sokoul/contracts';
import { Hono } from 'hono';
import { requireAdmin, requireAuth } from '../auth/principal.js';
import type { AppEnv } from '../context.js';
import { listEpisodes } from '../history/repository.js';
import { ApiError, notFound } from '../http/errors.js';
import { readId, readJson, readQuery } from '../http/validation.js';
import { isUniqueViolation } from '../infra/db.js';
import { titlesChanged } from '../infra/user-data.js';
import * as repo from './repository.js';
import { createMedia, jsonBody, mediaResponse, requireMedia } from './service.js';

/** The household's titles: everyone reads and adds; changing or removing them is for admins. */
export const mediaRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .post('/', async (c) => {
    const { id, created } = await createMedia(c, await readJson(c, CreateMediaRequest));
    return c.json(await mediaResponse(c, id), created ? 201 : 200);
  })
  .get('/', async (c) =>
    jsonBody(
      c,
      await repo.listMedia(c.var.infra.db, c.var.config.TMDB_IMAGE_BASE_URL, readQuery(c, ListMediaQuery)),
    ),
  )
  .get('/:id', async (c) => c.json(await mediaResponse(c, readId(c, 'id', 'Media'))))
  .patch('/:id', requireAdmin, async (c) => {
    const id = readId(c, 'id', 'Media');
    if (!(await repo.updateMedia(c.var.infra.db, id, await readJson(c, UpdateMediaRequest))))
      throw notFound('Media');
    await titlesChanged(c.var.infra.cache);
    return c.json(await mediaResponse(c, id));
  })
  .delete('/:id', requireAdmin, async (c) => {
    if (!(await repo.deleteMedia(c.var.infra.db, readId(c, 'id', 'Media')))) throw notFound('Media');
    await titlesChanged(c.var.infra.cache);
    return c.body(null, 204);
  })
  .get('/:id/files', async (c) => {
    const id = readId(c, 'id', 'Media');
    await requireMedia(c.var.infra.db, id);
    return c.json({ files: await repo.listFiles(c.var.infra.db, id) });
  })
  .post('/:id/files', requireAdmin, async (c) => {
    const id = readId(c, 'id', 'Media');
    const input = await readJson(c, CreateMediaFileRequest);
    await requireMedia(c.var.infra.db, id);
    try {
      const file = await repo.insertFile(c.var.infra.db, id, input);
      await titlesChanged(c.var.infra.cache);
      return c.json(file, 201);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ApiError(409, 'conflict', 'A file with this path is already known');
      throw error;
    }
  })
  .delete('/:id/files/:fileId', requireAdmin, async (c) => {
    const removed = await repo.deleteFile(
      c.var.infra.db,
      readId(c, 'id', 'Media'),
      readId(c, 'fileId', 'File'),
    );
    if (!removed) throw notFound('File');
    await titlesChanged(c.var.infra.cache);
    return c.body(null, 204);
  })
  .get('/:id/episodes', async (c) => {
    const id = readId(c, 'id', 'Media');
    const episodes = await listEpisodes(c.var.infra.db, c.var.principal.userId, id);
    if (!episodes) throw notFound('Series');
    return c.json(episodes);
  });
