import {
  TASK_COLUMNS as COLUMNS,
  encodeCursor,
  type ListTasksQuery,
  type Task,
  type TaskRow,
  taskFromRow as toTask,
} from '@sokoul/contracts';
import type { Db } from '../infra/sql.js';

export async function insertTask(
  db: Db,
  userId: string,
  type: string,
  payload: Record<string, unknown>,
): Promise<Task> {
  const [row] = await db.query<TaskRow>(
    `INSERT INTO tasks (user_id, type, payload) VALUES ($1, $2, $3::jsonb) RETURNING ${COLUMNS}`,
    [userId, type, payload],
  );
  if (!row) throw new Error('task insert returned nothing');
  return toTask(row);
}

export async function findTask(db: Db, userId: string, id: string): Promise<Task | undefined> {
  const [row] = await db.query<TaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2`, [
    id,
    userId,
  ]);
  return row && toTask(row);
}

/** Keyset pagination on (created_at, id), newest first; the cursor is opaque to clients. */
export async function listTasks(
  db: Db,
  userId: string,
  query: ListTasksQuery,
): Promise<{ tasks: Task[]; nextCursor: string | null }> {
  const cursor = query.cursor;
  const rows = await db.query<TaskRow>(
    `SELECT ${COLUMNS} FROM tasks
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
  const page = rows.slice(0, query.limit).map(toTask);
  const last = page[page.length - 1];
  return {
    tasks: page,
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

/** Cancels a pending or running task; returns undefined when it is not the user's or already finished. */
export async function cancelTask(db: Db, userId: string, id: string): Promise<Task | undefined> {
  const [row] = await db.query<TaskRow>(
    `UPDATE tasks SET status = 'cancelled', finished_at = now(), updated_at = now(), message = 'Cancelled by the user'
     WHERE id = $1 AND user_id = $2 AND status IN ('pending', 'running') RETURNING ${COLUMNS}`,
    [id, userId],
  );
  return row && toTask(row);
}

export async function failTask(db: Db, id: string, error: string): Promise<Task | undefined> {
  const [row] = await db.query<TaskRow>(
    `UPDATE tasks SET status = 'failed', error = $2, finished_at = now(), updated_at = now()
     WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
    [id, error],
  );
  return row && toTask(row);
}
