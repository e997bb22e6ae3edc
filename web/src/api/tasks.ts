import type { Task, TaskList, TaskType } from '@sokoul/contracts';
import { request } from './client.js';

export const tasksApi = {
  list: () => request<TaskList>('GET', '/tasks?limit=50'),
  create: (type: TaskType) => request<Task>('POST', '/tasks', { type, payload: {} }),
  get: (id: string) => request<Task>('GET', `/tasks/${id}`),
  cancel: (id: string) => request<Task>('POST', `/tasks/${id}/cancel`),
};
