import type { ApiConfig, TokenPair } from '@sokoul/contracts';
import { ApiError } from '../errors.js';
import { boundedCache } from '../infra/bounded-cache.js';
import type { Db } from '../infra/db.js';
import { randomToken, sha256, signAccessToken, splitRefreshToken } from './tokens.js';
import { forgetUser, toUser, USER_COLUMNS, type UserRow } from './users.js';

/**
 * Refresh tokens rotate: each use spends the token and issues the next one in the same family (a
 * family is one session). Presenting a spent token again means it leaked, so the whole family is
 * revoked, with one exception: within REUSE_GRACE_SECONDS of its rotation (two tabs refreshing at
 * once), a spent token yields a sibling in the same family instead. Access tokens name their family
 * (`sid`) and stop working as soon as it is revoked.
 */
export const REUSE_GRACE_SECONDS = 30;

/**
 * Whether a session is still open, per isolate for 2 s: a revocation made through this isolate
 * applies to the very next request, one made elsewhere within 2 s.
 */
const liveSessions = boundedCache<string, boolean>({ max: 10_000, ttl: 2_000 });

export async function sessionLive(db: Db, familyId: string): Promise<boolean> {
  const known = liveSessions.get(familyId);
  if (known !== undefined) return known;
  const [row] = await db.query<{ live: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NULL) AS live',
    [familyId],
  );
  const live = row?.live ?? false;
  liveSessions.set(familyId, live);
  return live;
}
export async function issueTokens(
  db: Db,
  config: ApiConfig,
  user: UserRow,
  familyId: string | null,
  userAgent: string | undefined,
): Promise<TokenPair> {
  const id = crypto.randomUUID();
  const secret = randomToken();
  const family = familyId ?? id;
  await db.execute(
    `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, user_agent)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), $6)`,
    [id, user.id, family, await sha256(secret), config.REFRESH_TOKEN_TTL, userAgent?.slice(0, 200) ?? null],
  );
  const accessToken = await signAccessToken(
    config.JWT_SECRET,
    { sub: user.id, role: user.role, tv: user.token_version, sid: family },
    config.ACCESS_TOKEN_TTL,
  );
  return {
    accessToken,
    refreshToken: `${id}.${secret}`,
    expiresIn: config.ACCESS_TOKEN_TTL,
    user: toUser(user),
  };
}

const invalidRefresh = () => new ApiError(401, 'unauthorized', 'The session has expired, sign in again');

export async function rotateRefreshToken(
  db: Db,
  config: ApiConfig,
  token: string,
  userAgent: string | undefined,
): Promise<TokenPair> {
  const parts = splitRefreshToken(token);
  if (!parts) throw invalidRefresh();
  const hash = await sha256(parts.secret);
  const [spent] = await db.query<UserRow & { family_id: string }>(
    `WITH spent AS (
       UPDATE refresh_tokens SET rotated_at = now()
       WHERE id = $1 AND token_hash = $2 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now()
       RETURNING user_id, family_id)
     SELECT ${USER_COLUMNS.split(', ')
       .map((c) => `u.${c}`)
       .join(', ')}, spent.family_id
     FROM spent JOIN users u ON u.id = spent.user_id`,
    [parts.id, hash],
  );
  if (spent) {
    if (spent.disabled) throw new ApiError(403, 'account_disabled', 'This account is disabled');
    return issueTokens(db, config, spent, spent.family_id, userAgent);
  }
  const [reused] = await db.query<UserRow & { family_id: string; in_grace: boolean }>(
    `SELECT ${USER_COLUMNS.split(', ')
      .map((c) => `u.${c}`)
      .join(', ')}, t.family_id,
            (t.revoked_at IS NULL AND t.expires_at > now()
             AND t.rotated_at > now() - make_interval(secs => $3)) AS in_grace
     FROM refresh_tokens t JOIN users u ON u.id = t.user_id
     WHERE t.id = $1 AND t.token_hash = $2 AND t.rotated_at IS NOT NULL`,
    [parts.id, hash, REUSE_GRACE_SECONDS],
  );
  if (reused?.in_grace) {
    // Spent moments ago (another tab refreshed first): a sibling in the same session.
    if (reused.disabled) throw new ApiError(403, 'account_disabled', 'This account is disabled');
    return issueTokens(db, config, reused, reused.family_id, userAgent);
  }
  if (reused) {
    await revokeFamily(db, reused.family_id);
    throw new ApiError(
      401,
      'token_reused',
      'This session was used twice and has been closed for safety; sign in again',
    );
  }
  throw invalidRefresh();
}

export async function revokeFamily(db: Db, familyId: string): Promise<void> {
  await db.execute(
    'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
    [familyId],
  );
  liveSessions.delete(familyId);
}

/** Logout: ends the session the token belongs to; unknown tokens are ignored (logout is idempotent). */
export async function revokeByToken(db: Db, token: string): Promise<void> {
  const parts = splitRefreshToken(token);
  if (!parts) return;
  const revoked = await db.query<{ family_id: string }>(
    `UPDATE refresh_tokens SET revoked_at = now()
     WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE id = $1 AND token_hash = $2) AND revoked_at IS NULL
     RETURNING family_id`,
    [parts.id, await sha256(parts.secret)],
  );
  for (const row of revoked) liveSessions.delete(row.family_id);
}

/** Ends every session and invalidates outstanding access tokens of a user. */
export async function revokeAllSessions(db: Db, userId: string, exceptFamily?: string): Promise<void> {
  await db.transaction([
    {
      text: 'UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND family_id IS DISTINCT FROM $2',
      params: [userId, exceptFamily ?? null],
    },
    {
      text: 'UPDATE users SET token_version = token_version + 1, updated_at = now() WHERE id = $1',
      params: [userId],
    },
  ]);
  forgetUser(userId);
}
