import { z } from 'zod';
import { pageCursor } from './cursor.js';
import { Text } from './values.js';

export const TaskStatus = z.enum(['pending', 'running', 'done', 'failed', 'cancelled']);
export type TaskStatus = z.infer<typeof TaskStatus>;

/**
 * Task types torrent-node knows how to run. `system.report` samples the host (CPU, memory, disk);
 * `maintenance.cleanup` purges expired rows and old finished tasks and is admin-only; `search` asks
 * the indexers for a title (started through POST /search).
 */
export const TaskType = z.enum(['system.report', 'maintenance.cleanup', 'search']);
export type TaskType = z.infer<typeof TaskType>;

/** Types a user may start with POST /tasks; a search starts only through POST /search. */
export const USER_STARTABLE_TASK_TYPES = [
  'system.report',
  'maintenance.cleanup',
] as const satisfies readonly TaskType[];
/** `system.report` tells the host's name, CPUs, memory and disk: for administrators only. */
export const ADMIN_ONLY_TASK_TYPES: readonly TaskType[] = ['system.report', 'maintenance.cleanup'];

export const Task = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  type: z.string(),
  status: TaskStatus,
  /** 0 to 1. */
  progress: z.number().min(0).max(1),
  message: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  result: z.unknown().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type Task = z.infer<typeof Task>;

/** Neither startable task takes options: any payload field is refused, not ignored. */
const NoPayload = z.object({}).strict().default({});

/** POST /tasks: one payload shape per type; types not listed here cannot be started this way. */
export const CreateTaskRequest = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('system.report'), payload: NoPayload }).strict(),
    z.object({ type: z.literal('maintenance.cleanup'), payload: NoPayload }).strict(),
  ],
  {
    error: `type must be one of ${USER_STARTABLE_TASK_TYPES.join(', ')} (a search starts with POST /search)`,
  },
);
export type CreateTaskRequest = z.infer<typeof CreateTaskRequest>;

export const ListTasksQuery = z.object({
  status: TaskStatus.optional(),
  type: Text.max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque cursor from the previous page (newest first: its position is a creation time). */
  cursor: pageCursor('timestamp').optional(),
});
export type ListTasksQuery = z.infer<typeof ListTasksQuery>;

export const TaskList = z.object({ tasks: z.array(Task), nextCursor: z.string().nullable() });
export type TaskList = z.infer<typeof TaskList>;

/** Result of `system.report`. */
export const SystemReport = z.object({
  hostname: z.string(),
  platform: z.string(),
  uptimeSeconds: z.number(),
  loadAverage: z.array(z.number()),
  cpus: z.number().int(),
  memory: z.object({ totalBytes: z.number(), freeBytes: z.number(), processRssBytes: z.number() }),
  disk: z.object({ path: z.string(), totalBytes: z.number(), freeBytes: z.number() }).nullable(),
});
export type SystemReport = z.infer<typeof SystemReport>;
