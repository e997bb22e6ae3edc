import { CreateTaskRequest, ListTasksQuery } from '@sokoul/contracts';
import { Hono } from 'hono';
import { requireAuth } from '../auth/principal.js';
import type { AppEnv } from '../context.js';
import { notFound } from '../http/errors.js';
import { readId, readJson, readQuery } from '../http/validation.js';
import * as repo from './repository.js';
import { cancelTask, createTask } from './service.js';

export const taskRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .post('/', async (c) => {
    const input = await readJson(c, CreateTaskRequest);
    return c.json(await createTask(c.var.infra, c.var.principal, input), 202);
  })
  .get('/', async (c) =>
    c.json(await repo.listTasks(c.var.infra.db, c.var.principal.userId, readQuery(c, ListTasksQuery))),
  )
  .get('/:id', async (c) => {
    const task = await repo.findTask(c.var.infra.db, c.var.principal.userId, readId(c, 'id', 'Task'));
    if (!task) throw notFound('Task');
    return c.json(task);
  })
  .post('/:id/cancel', async (c) =>
    c.json(await cancelTask(c.var.infra, c.var.principal.userId, readId(c, 'id', 'Task'))),
  );
