import type { Locale, Role, User } from '@sokoul/contracts';
import { boundedCache } from '../infra/bounded-cache.js';
import type { Db } from '../infra/db.js';

/** A `users` row as the API needs it. */
export interface UserRow {
  id: string;
  email: string;
  display_name: string;
  password_hash: string;
  role: Role;
  disabled: boolean;
  locale: Locale;
  token_version: number;
  created_at: Date;
}

export const USER_COLUMNS =
  'id, email, display_name, password_hash, role, disabled, locale, token_version, created_at';

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    disabled: row.disabled,
    locale: row.locale,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
  return row;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower($1)`, [
    email,
  ]);
  return row;
}

/**
 * Authenticated requests read the user's role, status and token version from here rather than
 * from the database each time. Entries live 5 s; changes made through this isolate drop them at
 * once, so a disabled account or a changed role takes effect within 5 s everywhere.
 */
const userCache = boundedCache<string, UserRow>({ max: 10_000, ttl: 5_000 });

export async function cachedUser(db: Db, id: string): Promise<UserRow | undefined> {
  const hit = userCache.get(id);
  if (hit) return hit;
  const row = await findUserById(db, id);
  if (row) userCache.set(id, row);
  return row;
}

export function forgetUser(id: string): void {
  userCache.delete(id);
}
