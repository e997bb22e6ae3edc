import {
  encodeCursor,
  type ListTasksQuery,
  type Task,
  type TaskList,
  type TaskStatus,
} from '@sokoul/contracts';
import { type Db, iso, isoOrNull, type Timestamp, timestampText } from './db.js';

/**
 * The `tasks` table: the API creates, lists and cancels tasks; torrent-node starts them, records
 * their progress and their outcome. Both go through these functions.
 */

/** A `tasks` row as the driver returns it. */
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
  created_at: Timestamp;
  updated_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export const TASK_COLUMNS =
  'id, user_id, type, status, progress, message, payload, result, error, created_at, updated_at, started_at, finished_at';

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
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    startedAt: isoOrNull(row.started_at),
    finishedAt: isoOrNull(row.finished_at),
  };
}

async function one(db: Db, text: string, params: Parameters<Db['query']>[1]): Promise<Task | undefined> {
  const [row] = await db.query<TaskRow>(text, params);
  return row && taskFromRow(row);
}

export async function insertTask(
  db: Db,
  userId: string,
  type: string,
  payload: Record<string, unknown>,
): Promise<Task> {
  const task = await one(
    db,
    `INSERT INTO tasks (user_id, type, payload) VALUES ($1, $2, $3::jsonb) RETURNING ${TASK_COLUMNS}`,
    [userId, type, payload],
  );
  if (!task) throw new Error('task insert returned nothing');
  return task;
}

/** One of the user's tasks. */
export const findTask = (db: Db, userId: string, id: string): Promise<Task | undefined> =>
  one(db, `SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2`, [id, userId]);

/**
 * Keyset pagination on (created_at, id), newest first; the cursor is opaque to clients. It carries
 * created_at as PostgreSQL keeps it, to the microsecond (`created_at` in the answer is rounded to
 * milliseconds, and a cursor made from it would skip the rows created within the same millisecond).
 */
export async function listTasks(
  db: Db,
  userId: string,
  query: Pick<ListTasksQuery, 'status' | 'type' | 'limit' | 'cursor'>,
): Promise<TaskList> {
  const cursor = query.cursor;
  const rows = await db.query<TaskRow & { cursor_at: string }>(
    `SELECT ${TASK_COLUMNS}, ${timestampText('created_at')} AS cursor_at FROM tasks
     WHERE user_id = $1
       AND ($2::text IS NULL OR status = $2)
       AND ($3::text IS NULL OR type = $3)
       AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::uuid))
     ORDER BY created_at DESC, id DESC
     LIMIT $6`,
    [
      userId,
      query.status ?? null,
      query.type ?? null,
      cursor?.[0] ?? null,
      cursor?.[1] ?? null,
      query.limit + 1,
    ],
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    tasks: page.map(taskFromRow),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}

/** Cancels a pending or running task; undefined when it is not the user's or already finished. */
export const cancelTask = (db: Db, userId: string, id: string): Promise<Task | undefined> =>
  one(
    db,
    `UPDATE tasks SET status = 'cancelled', finished_at = now(), updated_at = now(), message = 'Cancelled by the user'
     WHERE id = $1 AND user_id = $2 AND status IN ('pending', 'running') RETURNING ${TASK_COLUMNS}`,
    [id, userId],
  );

/** A task that could not even be queued: failed before it ran. */
export const failPendingTask = (db: Db, id: string, error: string): Promise<Task | undefined> =>
  one(
    db,
    `UPDATE tasks SET status = 'failed', error = $2, finished_at = now(), updated_at = now()
     WHERE id = $1 AND status = 'pending' RETURNING ${TASK_COLUMNS}`,
    [id, error],
  );

/**
 * Marks a task running. A task already running is taken again (its message was redelivered after
 * a crash); undefined when it was cancelled or removed before it started.
 */
export const startTask = (db: Db, id: string): Promise<Task | undefined> =>
  one(
    db,
    `UPDATE tasks SET status = 'running', started_at = now(), updated_at = now(), message = NULL
     WHERE id = $1 AND status IN ('pending', 'running') RETURNING ${TASK_COLUMNS}`,
    [id],
  );

/** Progress (clamped to 0..1) and optionally a message, while the task runs. */
export const recordProgress = (
  db: Db,
  id: string,
  fraction: number,
  message: string | null,
): Promise<Task | undefined> =>
  one(
    db,
    `UPDATE tasks SET progress = $2, message = COALESCE($3, message), updated_at = now()
     WHERE id = $1 AND status = 'running' RETURNING ${TASK_COLUMNS}`,
    [id, Math.max(0, Math.min(1, fraction)), message],
  );

/** The task's outcome: done with its result. Undefined when it was cancelled meanwhile. */
export const finishTask = (
  db: Db,
  id: string,
  result: Record<string, unknown> | null,
): Promise<Task | undefined> =>
  one(
    db,
    `UPDATE tasks SET status = 'done', progress = 1, result = $2::jsonb, finished_at = now(), updated_at = now()
     WHERE id = $1 AND status = 'running' RETURNING ${TASK_COLUMNS}`,
    [id, result],
  );

/** A running task that failed (with the reason) or was cancelled while it ran. */
export const endTask = (
  db: Db,
  id: string,
  status: 'failed' | 'cancelled',
  reason: string,
): Promise<Task | undefined> =>
  one(
    db,
    `UPDATE tasks SET status = $2, error = CASE WHEN $2 = 'failed' THEN $3 ELSE error END,
            finished_at = COALESCE(finished_at, now()), updated_at = now()
     WHERE id = $1 AND status = 'running' RETURNING ${TASK_COLUMNS}`,
    [id, status, reason],
  );

/** Removes finished tasks older than the retention; returns how many. */
export const purgeFinishedTasks = (db: Db, retentionDays: number): Promise<number> =>
  db.execute(
    `DELETE FROM tasks WHERE status IN ('done', 'failed', 'cancelled')
     AND finished_at < now() - make_interval(days => $1)`,
    [retentionDays],
  );
