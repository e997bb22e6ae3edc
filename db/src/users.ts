import { type Db, iso, type Timestamp } from './db.js';

/**
 * Reads of the `users` table for torrent-node (the API's auth module owns its writes). Alerts go to
 * each enabled admin's own event subject.
 */
export async function activeAdminIds(db: Db): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY created_at, id`,
  );
  return rows.map((r) => r.id);
}

/** When the first account was made: when this Sokoul was set up (null before anyone signed up). */
export async function firstAccountAt(db: Db): Promise<string | null> {
  const [row] = await db.query<{ at: Timestamp | null }>('SELECT min(created_at) AS at FROM users');
  return row?.at ? iso(row.at) : null;
}
