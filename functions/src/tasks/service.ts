import {
  ADMIN_ONLY_TASK_TYPES,
  type CreateTaskRequest,
  Subjects,
  type Task,
  type TaskCancelMessage,
  type TaskRunMessage,
  taskSubject,
} from '@sokoul/contracts';
import type { Principal } from '../context.js';
import { ApiError, forbidden, notFound } from '../http/errors.js';
import type { Infra } from '../infra/index.js';
import * as repo from './repository.js';

/** Every status change is also an event on the owner's sockets. */
export async function announce(infra: Infra, task: Task): Promise<void> {
  await infra.bus.publishEvent(task.userId, {
    id: crypto.randomUUID(),
    ts: new Date().toISOString(),
    type: 'task.updated',
    data: { task },
  });
}

export async function createTask(
  infra: Infra,
  principal: Principal,
  input: CreateTaskRequest,
): Promise<Task> {
  if (ADMIN_ONLY_TASK_TYPES.includes(input.type) && principal.role !== 'admin') {
    throw forbidden(`Only administrators can run ${input.type}`);
  }
  const task = await repo.insertTask(infra.db, principal.userId, input.type, input.payload);
  const message: TaskRunMessage = {
    taskId: task.id,
    userId: task.userId,
    type: input.type,
    payload: input.payload,
  };
  try {
    await infra.bus.enqueue(taskSubject(input.type), message, task.id);
  } catch (error) {
    // Without the queue the task can never run: record why instead of leaving it pending forever.
    const failed = await repo.failTask(infra.db, task.id, 'The job queue (NATS) was unavailable');
    if (failed) await announce(infra, failed).catch(() => undefined);
    throw error;
  }
  await announce(infra, task).catch(() => undefined);
  return task;
}

export async function cancelTask(infra: Infra, userId: string, id: string): Promise<Task> {
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
