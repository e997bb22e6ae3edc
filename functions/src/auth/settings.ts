import type { Db } from '../infra/db.js';

/** Instance-wide settings an admin changes at run time: their SQL is in @sokoul/db (the `settings` table's owner). */
export { readSettings, writeSettings } from '@sokoul/db';

export async function hasUsers(db: Db): Promise<boolean> {
  const [row] = await db.query<{ exists: boolean }>('SELECT EXISTS (SELECT 1 FROM users) AS exists');
  return row?.exists ?? false;
}
