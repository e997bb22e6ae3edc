import type { Invite, UpdateUserRequest, User } from '@sokoul/contracts';
import { revokeAllSessions } from '../auth/sessions.js';
import { randomToken, sha256 } from '../auth/tokens.js';
import { forgetUser, toUser, USER_COLUMNS, type UserRow } from '../auth/users.js';
import { ApiError, notFound } from '../errors.js';
import type { Db } from '../infra/db.js';

export async function listUsers(db: Db): Promise<User[]> {
  const rows = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY created_at`);
  return rows.map(toUser);
}

const lastAdmin = () =>
  new ApiError(409, 'conflict', 'This is the last active administrator; promote someone else first');

/** Serialises changes that could leave the instance without an active admin. */
const ADMIN_LOCK = 7_201_002;

const keepsAnAdmin = (target: string) => `(role <> 'admin' OR disabled
  OR EXISTS (SELECT 1 FROM users o WHERE o.role = 'admin' AND NOT o.disabled AND o.id <> ${target}))`;

/** Role and status changes always leave at least one active admin. */
export async function updateUser(db: Db, id: string, input: UpdateUserRequest): Promise<User> {
  const [, rows] = await db.transaction([
    { text: 'SELECT pg_advisory_xact_lock($1)', params: [ADMIN_LOCK] },
    {
      text: `UPDATE users SET role = COALESCE($2::text, role), disabled = COALESCE($3::boolean, disabled), updated_at = now()
             WHERE id = $1
               AND ((COALESCE($2::text, role) = 'admin' AND NOT COALESCE($3::boolean, disabled)) OR ${keepsAnAdmin('$1')})
             RETURNING ${USER_COLUMNS}`,
      params: [id, input.role ?? null, input.disabled ?? null],
    },
  ]);
  const row = rows?.[0] as UserRow | undefined;
  if (row) {
    forgetUser(id);
    if (input.disabled) await revokeAllSessions(db, id);
    return toUser(row);
  }
  const [exists] = await db.query<{ id: string }>('SELECT id FROM users WHERE id = $1', [id]);
  if (!exists) throw notFound('User');
  throw lastAdmin();
}

export async function deleteUser(db: Db, id: string): Promise<void> {
  const [, deleted] = await db.transaction([
    { text: 'SELECT pg_advisory_xact_lock($1)', params: [ADMIN_LOCK] },
    { text: `DELETE FROM users WHERE id = $1 AND ${keepsAnAdmin('$1')} RETURNING id`, params: [id] },
  ]);
  forgetUser(id);
  if (deleted?.length === 1) return;
  const [exists] = await db.query<{ id: string }>('SELECT id FROM users WHERE id = $1', [id]);
  if (!exists) throw notFound('User');
  throw lastAdmin();
}

export async function createInvite(db: Db, createdBy: string, expiresInHours: number): Promise<Invite> {
  const code = randomToken(12);
  const [row] = await db.query<{ expires_at: Date }>(
    `INSERT INTO invites (code_hash, created_by, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))
     RETURNING expires_at`,
    [await sha256(code), createdBy, expiresInHours],
  );
  if (!row) throw new Error('invite insert returned nothing');
  return { code, expiresAt: new Date(row.expires_at).toISOString() };
}
