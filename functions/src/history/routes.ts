import { HistoryRoutes, StreamingRoutes } from '@sokoul/contracts';
import { createRouter, handle, rawJson } from '../http/openapi.js';
import * as history from './service.js';

export const historyRoutes = createRouter();
handle(historyRoutes, HistoryRoutes.record, async (c) =>
  c.json(await history.record(c.var.deps, c.var.principal, c.req.valid('json')), 200),
);
handle(historyRoutes, HistoryRoutes.list, async (c) =>
  rawJson(c, await history.list(c.var.deps, c.var.principal, c.req.valid('query'))),
);
handle(historyRoutes, HistoryRoutes.continue, async (c) =>
  rawJson(c, await history.continueWatching(c.var.deps, c.var.principal, c.req.valid('query'))),
);
handle(historyRoutes, HistoryRoutes.forget, async (c) => {
  await history.forget(c.var.deps, c.var.principal, c.req.valid('param').mediaId);
  return c.body(null, 204);
});
handle(historyRoutes, StreamingRoutes.preferences, async (c) =>
  c.json(await history.preferences(c.var.deps, c.var.principal, c.req.valid('param').mediaId), 200),
);
handle(historyRoutes, StreamingRoutes.setPreferences, async (c) =>
  c.json(
    await history.setPreferences(c.var.deps, c.var.principal, {
      mediaId: c.req.valid('param').mediaId,
      preferences: c.req.valid('json'),
    }),
    200,
  ),
);
