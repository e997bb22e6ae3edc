import { z } from 'zod';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  errors,
  idParam,
  jsonBody,
  jsonContent,
  route,
  USER_AUTH,
} from '../http.js';
import { CreateTaskRequest, ListTasksQuery, Task, TaskList } from '../tasks.js';

const TaskParams = z.object({ id: idParam('Task') });

/** Background tasks: each user sees and cancels only their own. */
export const TaskRoutes = {
  create: route({
    method: 'post',
    path: '/tasks',
    tags: ['Tasks'],
    summary: 'Start a background task (admins only for maintenance.cleanup)',
    security: USER_AUTH,
    request: { body: jsonBody(CreateTaskRequest) },
    responses: {
      202: jsonContent(Task, 'The task, queued'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 503),
    },
  }),
  list: route({
    method: 'get',
    path: '/tasks',
    tags: ['Tasks'],
    summary: "The caller's tasks, newest first",
    security: USER_AUTH,
    request: { query: ListTasksQuery },
    responses: { 200: jsonContent(TaskList, 'A page of tasks'), ...errors(400, ...AUTH_ERRORS) },
  }),
  get: route({
    method: 'get',
    path: '/tasks/{id}',
    tags: ['Tasks'],
    summary: 'One of the caller’s tasks',
    security: USER_AUTH,
    request: { params: TaskParams },
    responses: { 200: jsonContent(Task, 'The task'), ...errors(...AUTH_ERRORS, 404) },
  }),
  cancel: route({
    method: 'post',
    path: '/tasks/{id}/cancel',
    tags: ['Tasks'],
    summary: 'Cancel a pending or running task',
    security: USER_AUTH,
    request: { params: TaskParams },
    responses: {
      200: jsonContent(Task, 'The cancelled task'),
      ...errors(...AUTH_ERRORS, 404, 409),
    },
  }),
};
