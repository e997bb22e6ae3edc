import { type CreateTaskRequest, TaskRoutes } from '@sokoul/contracts';
import { call } from './client.js';

export const tasksApi = {
  list: () => call(TaskRoutes.list, { query: { limit: 50 } }),
  create: (type: CreateTaskRequest['type']) => call(TaskRoutes.create, { body: { type, payload: {} } }),
  get: (id: string) => call(TaskRoutes.get, { params: { id } }),
  cancel: (id: string) => call(TaskRoutes.cancel, { params: { id } }),
};
