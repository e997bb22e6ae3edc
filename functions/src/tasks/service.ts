import {
  ADMIN_ONLY_TASK_TYPES,
  type CreateTaskRequest,
  type ListTasksQuery,
  type SearchTaskPayload,
  Subjects,
  TASK_SUBJECTS,
  type Task,
  type TaskCancelMessage,
  type TaskList,
  type TaskRunMessage,
} from '@sokoul/contracts';
import type { Deps, Principal } from '../context.js';
import { ApiError, forbidden, notFound } from '../errors.js';
import type { Infra } from '../infra/index.js';
import * as repo from './repository.js';

/** What can be queued: what a user may start directly, and the tasks other services start. */
export type TaskStart = CreateTaskRequest | { type: 'search'; payload: SearchTaskPayload };

/** Every status change is also an event on the owner's sockets. */
export async function announce(infra: Infra, task: Task): Promise<void> {
  await infra.bus.publishEvent(task.userId, {
    id: crypto.randomUUID(),
    ts: new Date().toISOString(),
    type: 'task.updated',
    data: { task },
  });
}

/** POST /tasks: only the types CreateTaskRequest admits, admin-only ones for admins. */
export async function create(deps: Deps, principal: Principal, input: CreateTaskRequest): Promise<Task> {
  if (ADMIN_ONLY_TASK_TYPES.includes(input.type) && principal.role !== 'admin') {
    throw forbidden(`Only administrators can run ${input.type}`);
  }
  return enqueue(deps.infra, principal, input);
}

/** Writes the task row and queues it on its type's subject. */
export async function enqueue(infra: Infra, principal: Principal, input: TaskStart): Promise<Task> {
  const task = await repo.insertTask(infra.db, principal.userId, input.type, input.payload);
  // Announced before it is queued: torrent-node's "running" must never reach a socket ahead of "pending".
  await announce(infra, task).catch(() => undefined);
  const message: TaskRunMessage = {
    taskId: task.id,
    userId: task.userId,
    type: input.type,
    payload: input.payload,
  };
  try {
    await infra.bus.enqueue(TASK_SUBJECTS[input.type], message, task.id);
  } catch (error) {
    // Without the queue the task can never run: record why instead of leaving it pending forever.
    const failed = await repo.failTask(infra.db, task.id, 'The job queue (NATS) was unavailable');
    if (failed) await announce(infra, failed).catch(() => undefined);
    throw error;
  }
  return task;
}

export const list = (deps: Deps, principal: Principal, query: ListTasksQuery): Promise<TaskList> =>
  repo.listTasks(deps.infra.db, principal.userId, query);

export async function get(deps: Deps, principal: Principal, id: string): Promise<Task> {
  const task = await repo.findTask(deps.infra.db, principal.userId, id);
  if (!task) throw notFound('Task');
  return task;
}

export async function cancel(deps: Deps, principal: Principal, id: string): Promise<Task> {
  const { infra } = deps;
  const userId = principal.userId;
  const task = await repo.cancelTask(infra.db, userId, id);
  if (!task) {
    const existing = await repo.findTask(infra.db, userId, id);
    if (!existing) throw notFound('Task');
    throw new ApiError(409, 'conflict', `The task is already ${existing.status}`);
  }
  const message: TaskCancelMessage = { taskId: task.id };
  await Promise.allSettled([infra.bus.publish(Subjects.taskCancel, message), announce(infra, task)]);
  return task;
}
