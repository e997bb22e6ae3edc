import { DownloadRoutes } from '@sokoul/contracts';
import { createRouter, handle } from '../http/openapi.js';
import * as clients from './clients.js';
import * as downloads from './service.js';

export const downloadRoutes = createRouter();
handle(downloadRoutes, DownloadRoutes.start, async (c) =>
  c.json(await downloads.start(c.var.deps, c.var.principal, c.req.valid('json')), 202),
);
handle(downloadRoutes, DownloadRoutes.list, async (c) =>
  c.json(await downloads.list(c.var.deps, c.var.principal, c.req.valid('query')), 200),
);
// Before /downloads/{downloadId}, which would otherwise take "blocklist" or "engines" for an id.
handle(downloadRoutes, DownloadRoutes.engines, async (c) =>
  c.json(await downloads.engines(c.var.deps, c.var.principal), 200),
);
handle(downloadRoutes, DownloadRoutes.setPreferences, async (c) =>
  c.json(await downloads.setPreferences(c.var.deps, c.var.principal, c.req.valid('json')), 200),
);
handle(downloadRoutes, DownloadRoutes.blocklist, async (c) =>
  c.json(await downloads.blocklist(c.var.deps, c.var.principal), 200),
);
handle(downloadRoutes, DownloadRoutes.unblock, async (c) => {
  await downloads.unblock(c.var.deps, c.var.principal, c.req.valid('param').entryId);
  return c.body(null, 204);
});
handle(downloadRoutes, DownloadRoutes.get, async (c) =>
  c.json(await downloads.get(c.var.deps, c.var.principal, c.req.valid('param').downloadId), 200),
);
handle(downloadRoutes, DownloadRoutes.pause, async (c) =>
  c.json(await downloads.pause(c.var.deps, c.var.principal, c.req.valid('param').downloadId), 200),
);
handle(downloadRoutes, DownloadRoutes.resume, async (c) =>
  c.json(await downloads.resume(c.var.deps, c.var.principal, c.req.valid('param').downloadId), 200),
);
handle(downloadRoutes, DownloadRoutes.front, async (c) =>
  c.json(await downloads.front(c.var.deps, c.var.principal, c.req.valid('param').downloadId), 200),
);
handle(downloadRoutes, DownloadRoutes.remove, async (c) => {
  await downloads.remove(c.var.deps, c.var.principal, {
    id: c.req.valid('param').downloadId,
    deleteData: c.req.valid('query').deleteData === 'true',
  });
  return c.body(null, 204);
});
handle(downloadRoutes, DownloadRoutes.limits, async (c) =>
  c.json(await downloads.limits(c.var.deps, c.var.principal), 200),
);
handle(downloadRoutes, DownloadRoutes.setLimits, async (c) =>
  c.json(await downloads.setLimits(c.var.deps, c.var.principal, c.req.valid('json')), 200),
);
handle(downloadRoutes, DownloadRoutes.clients, async (c) =>
  c.json(await clients.clients(c.var.deps, c.var.principal), 200),
);
handle(downloadRoutes, DownloadRoutes.setClient, async (c) =>
  c.json(
    await clients.setClient(c.var.deps, c.var.principal, c.req.valid('param').name, c.req.valid('json')),
    200,
  ),
);
handle(downloadRoutes, DownloadRoutes.removeClient, async (c) => {
  await clients.removeClient(c.var.deps, c.var.principal, c.req.valid('param').name);
  return c.body(null, 204);
});
