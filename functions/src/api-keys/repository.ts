import type { ApiKey, CreateApiKeyRequest, CreatedApiKey } from '@sokoul/contracts';
import { API_KEY_PREFIX, randomToken, sha256 } from '../auth/tokens.js';
import type { Db } from '../infra/db.js';

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
}

const COLUMNS = 'id, name, prefix, key_hash, created_at, last_used_at, expires_at';
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: iso(row.last_used_at),
    expiresAt: iso(row.expires_at),
  };
}

export async function createApiKey(
  db: Db,
  userId: string,
  input: CreateApiKeyRequest,
): Promise<CreatedApiKey> {
  const key = `${API_KEY_PREFIX}${randomToken(32)}`;
  const [row] = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (user_id, name, prefix, key_hash, expires_at)
     VALUES ($1, $2, $3, $4, CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(days => $5::int) END)
     RETURNING ${COLUMNS}`,
    [userId, input.name, key.slice(0, 10), await sha256(key), input.expiresInDays ?? null],
  );
  if (!row) throw new Error('api key insert returned nothing');
  return { ...toApiKey(row), key };
}

export async function listApiKeys(db: Db, userId: string): Promise<ApiKey[]> {
  const rows = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC`,
    [userId],
  );
  return rows.map(toApiKey);
}

/** Returns the revoked key's hash (to drop it from caches), or null when the user has no such key. */
export async function revokeApiKey(db: Db, userId: string, id: string): Promise<string | null> {
  const [row] = await db.query<{ key_hash: string }>(
    'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING key_hash',
    [id, userId],
  );
  return row?.key_hash ?? null;
}
