import { TaskRoutes } from '@sokoul/contracts';
import { createRouter, handle } from '../http/openapi.js';
import * as tasks from './service.js';

export const taskRoutes = createRouter();
handle(taskRoutes, TaskRoutes.create, async (c) =>
  c.json(await tasks.create(c.var.deps, c.var.principal, c.req.valid('json')), 202),
);
handle(taskRoutes, TaskRoutes.list, async (c) =>
  c.json(await tasks.list(c.var.deps, c.var.principal, c.req.valid('query')), 200),
);
handle(taskRoutes, TaskRoutes.get, async (c) =>
  c.json(await tasks.get(c.var.deps, c.var.principal, c.req.valid('param').id), 200),
);
handle(taskRoutes, TaskRoutes.cancel, async (c) =>
  c.json(await tasks.cancel(c.var.deps, c.var.principal, c.req.valid('param').id), 200),
);
