import type {
  ApiConfig,
  ChangePasswordRequest,
  LoginRequest,
  SignupRequest,
  TokenPair,
  UpdateProfileRequest,
  User,
  WsTicket,
} from '@sokoul/contracts';
import { ApiError } from '../http/errors.js';
import { isUniqueViolation } from '../infra/db.js';
import type { Infra } from '../infra/index.js';
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { assertLoginAllowed, clearLoginFailures, recordLoginFailure } from './rate-limit.js';
import { issueTokens, revokeAllSessions } from './sessions.js';
import { readSettings } from './settings.js';
import { randomToken, sha256 } from './tokens.js';
import { findUserByEmail, findUserById, forgetUser, toUser, USER_COLUMNS, type UserRow } from './users.js';

/** Serialises signups so exactly one first account becomes admin. */
const SIGNUP_LOCK = 7_201_001;

export async function signup(
  infra: Infra,
  config: ApiConfig,
  input: SignupRequest,
  userAgent?: string,
): Promise<TokenPair> {
  const passwordHash = await hashPassword(input.password);
  const inviteHash = input.inviteCode ? await sha256(input.inviteCode) : null;
  const displayName = input.displayName ?? input.email.split('@')[0] ?? input.email;
  let results: Record<string, unknown>[][];
  try {
    results = await infra.db.transaction([
      { text: 'SELECT pg_advisory_xact_lock($1)', params: [SIGNUP_LOCK] },
      {
        // First account: admin, whatever the mode. Afterwards the admin's signup mode decides, and an
        // invite is spent in the same statement as the insert it allows.
        text: `WITH state AS (
                 SELECT NOT EXISTS (SELECT 1 FROM users) AS first,
                        COALESCE((SELECT value #>> '{}' FROM settings WHERE key = 'signupMode'), 'invite') AS mode),
               invite AS (
                 UPDATE invites SET used_at = now()
                 WHERE code_hash = $5 AND used_at IS NULL AND expires_at > now()
                   AND (SELECT NOT first AND mode = 'invite' FROM state)
                 RETURNING id),
               created AS (
                 INSERT INTO users (email, display_name, password_hash, role, locale)
                 SELECT $1, $2, $3, CASE WHEN state.first THEN 'admin' ELSE 'member' END, $4
                 FROM state
                 WHERE state.first OR state.mode = 'open' OR (state.mode = 'invite' AND EXISTS (SELECT 1 FROM invite))
                 RETURNING ${USER_COLUMNS}),
               used AS (UPDATE invites SET used_by = (SELECT id FROM created) WHERE id = (SELECT id FROM invite))
               SELECT created.*, state.mode FROM created, state`,
        params: [input.email, displayName, passwordHash, input.locale ?? 'fr', inviteHash],
      },
    ]);
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ApiError(409, 'conflict', 'An account with this email already exists');
    throw error;
  }
  const user = results[1]?.[0] as UserRow | undefined;
  if (!user) {
    const { signupMode } = await readSettings(infra.db);
    if (signupMode === 'closed') throw new ApiError(403, 'signup_closed', 'Sign-up is closed on this server');
    throw new ApiError(
      403,
      'invite_required',
      input.inviteCode ? 'This invite code is invalid, used or expired' : 'Sign-up needs an invite code',
    );
  }
  return issueTokens(infra.db, config, user, null, userAgent);
}

export async function login(
  infra: Infra,
  config: ApiConfig,
  input: LoginRequest,
  address: string,
  userAgent?: string,
): Promise<TokenPair> {
  await assertLoginAllowed(infra.cache, config, input.email, address);
  const user = await findUserByEmail(infra.db, input.email);
  const valid = await verifyPassword(input.password, user?.password_hash ?? (await dummyPasswordHash()));
  if (!user || !valid) {
    await recordLoginFailure(infra.cache, config, input.email, address);
    throw new ApiError(401, 'invalid_credentials', 'Wrong email or password');
  }
  if (user.disabled) throw new ApiError(403, 'account_disabled', 'This account is disabled');
  await clearLoginFailures(infra.cache, input.email, address);
  if (needsRehash(user.password_hash)) {
    await infra.db.execute('UPDATE users SET password_hash = $2 WHERE id = $1', [
      user.id,
      await hashPassword(input.password),
    ]);
  }
  return issueTokens(infra.db, config, user, null, userAgent);
}

export async function changePassword(
  infra: Infra,
  userId: string,
  input: ChangePasswordRequest,
): Promise<void> {
  const user = await findUserById(infra.db, userId);
  if (!user) throw new ApiError(404, 'not_found', 'User not found');
  if (!(await verifyPassword(input.currentPassword, user.password_hash))) {
    throw new ApiError(401, 'invalid_credentials', 'The current password is wrong');
  }
  await infra.db.execute('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [
    userId,
    await hashPassword(input.newPassword),
  ]);
  await revokeAllSessions(infra.db, userId);
}

export async function updateProfile(
  infra: Infra,
  userId: string,
  input: UpdateProfileRequest,
): Promise<User> {
  const [row] = await infra.db.query<UserRow>(
    `UPDATE users SET display_name = COALESCE($2, display_name), locale = COALESCE($3, locale), updated_at = now()
     WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [userId, input.displayName ?? null, input.locale ?? null],
  );
  if (!row) throw new ApiError(404, 'not_found', 'User not found');
  forgetUser(userId);
  return toUser(row);
}

const WS_TICKET_TTL = 30;

/** A single-use ticket for clients that cannot set WebSocket subprotocols. */
export async function createWsTicket(infra: Infra, userId: string): Promise<WsTicket> {
  const ticket = randomToken();
  await infra.cache.set(`ws-ticket:${await sha256(ticket)}`, userId, WS_TICKET_TTL);
  return { ticket, expiresIn: WS_TICKET_TTL };
}

export async function redeemWsTicket(infra: Infra, ticket: string): Promise<string | null> {
  return infra.cache.take(`ws-ticket:${await sha256(ticket)}`);
}
