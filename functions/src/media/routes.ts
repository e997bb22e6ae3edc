import { MediaRoutes } from '@sokoul/contracts';
import { createRouter, handle, rawJson } from '../http/openapi.js';
import * as media from './service.js';

export const mediaRoutes = createRouter();
handle(mediaRoutes, MediaRoutes.create, async (c) => {
  const { media: created, created: isNew } = await media.create(
    c.var.deps,
    c.var.principal,
    c.req.valid('json'),
  );
  return isNew ? c.json(created, 201) : c.json(created, 200);
});
handle(mediaRoutes, MediaRoutes.list, async (c) =>
  rawJson(c, await media.list(c.var.deps, c.var.principal, c.req.valid('query'))),
);
handle(mediaRoutes, MediaRoutes.get, async (c) =>
  c.json(await media.get(c.var.deps, c.var.principal, c.req.valid('param').id), 200),
);
handle(mediaRoutes, MediaRoutes.update, async (c) =>
  c.json(
    await media.update(c.var.deps, c.var.principal, {
      id: c.req.valid('param').id,
      changes: c.req.valid('json'),
    }),
    200,
  ),
);
handle(mediaRoutes, MediaRoutes.remove, async (c) => {
  await media.remove(c.var.deps, c.var.principal, c.req.valid('param').id);
  return c.body(null, 204);
});
handle(mediaRoutes, MediaRoutes.files, async (c) =>
  c.json(await media.files(c.var.deps, c.var.principal, c.req.valid('param').id), 200),
);
handle(mediaRoutes, MediaRoutes.addFile, async (c) =>
  c.json(
    await media.addFile(c.var.deps, c.var.principal, {
      id: c.req.valid('param').id,
      file: c.req.valid('json'),
    }),
    201,
  ),
);
handle(mediaRoutes, MediaRoutes.removeFile, async (c) => {
  await media.removeFile(c.var.deps, c.var.principal, c.req.valid('param'));
  return c.body(null, 204);
});
handle(mediaRoutes, MediaRoutes.episodes, async (c) =>
  c.json(await media.episodes(c.var.deps, c.var.principal, c.req.valid('param').id), 200),
);
