import { type Settings, SignupMode } from '@sokoul/contracts';
import type { Db } from '../infra/db.js';

/** Instance-wide settings an admin changes at run time, in the `settings` table. */
export async function readSettings(db: Db): Promise<Settings> {
  const rows = await db.query<{ key: string; value: unknown }>(
    "SELECT key, value FROM settings WHERE key IN ('signupMode')",
  );
  const signupMode = SignupMode.safeParse(rows.find((r) => r.key === 'signupMode')?.value);
  return { signupMode: signupMode.success ? signupMode.data : 'invite' };
}

export async function writeSettings(db: Db, changes: Partial<Settings>): Promise<Settings> {
  const statements = Object.entries(changes).map(([key, value]) => ({
    text: `INSERT INTO settings (key, value) VALUES ($1, $2::jsonb)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`,
    params: [key, value],
  }));
  if (statements.length > 0) await db.transaction(statements);
  return readSettings(db);
}

export async function hasUsers(db: Db): Promise<boolean> {
  const [row] = await db.query<{ exists: boolean }>('SELECT EXISTS (SELECT 1 FROM users) AS exists');
  return row?.exists ?? false;
}
