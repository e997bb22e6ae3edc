import { z } from 'zod';
import { PageCursor } from './cursor.js';

export const TaskStatus = z.enum(['pending', 'running', 'done', 'failed', 'cancelled']);
export type TaskStatus = z.infer<typeof TaskStatus>;

/**
 * Task types torrent-node knows how to run. `system.report` samples the host (CPU, memory, disk);
 * `maintenance.cleanup` purges expired rows and old finished tasks and is admin-only; `search` asks
 * the indexers for a title (started through POST /search).
 */
export const TaskType = z.enum(['system.report', 'maintenance.cleanup', 'search']);
export type TaskType = z.infer<typeof TaskType>;

export const ADMIN_ONLY_TASK_TYPES: readonly TaskType[] = ['maintenance.cleanup'];

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

export const CreateTaskRequest = z.object({
  type: TaskType,
  payload: z.record(z.string(), z.unknown()).default({}),
});
export type CreateTaskRequest = z.infer<typeof CreateTaskRequest>;

export const ListTasksQuery = z.object({
  status: TaskStatus.optional(),
  type: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque cursor from the previous page. */
  cursor: PageCursor.optional(),
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

/** A `tasks` row as postgres.js returns it; both the API and torrent-node map rows with this. */
export interface TaskRow {
  id: string;
  user_id: string;
  type: string;
  status: TaskStatus;
  progress: number;
  message: string | null;
  payload: Record<string, unknown> | null;
  result: unknown;
  error: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

export const TASK_COLUMNS =
  'id, user_id, type, status, progress, message, payload, result, error, created_at, updated_at, started_at, finished_at';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function taskFromRow(row: TaskRow): Task {
  return {
    id: row.id,
    userId: row.user_id,
    type: row.type,
    status: row.status,
    progress: Number(row.progress),
    message: row.message,
    payload: row.payload ?? {},
    result: row.result ?? null,
    error: row.error,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
  };
}
