import type {
  ChangePasswordRequest,
  LoginRequest,
  LogoutRequest,
  PublicSettings,
  RefreshRequest,
  SignupRequest,
  TokenPair,
  UpdateProfileRequest,
  User,
  WsTicket,
} from '@sokoul/contracts';
import type { Deps, Principal } from '../context.js';
import { ApiError, notFound, unauthorized } from '../errors.js';
import { isUniqueViolation } from '../infra/db.js';
import { needsRehash } from './passwords.js';
import { loginFailed, loginSucceeded, reserve, reserveLoginAttempt } from './rate-limit.js';
import { issueTokens, revokeAllSessions, revokeByToken, rotateRefreshToken } from './sessions.js';
import { hasUsers, readSettings } from './settings.js';
import { randomToken, sha256, signDevice, verifyDevice } from './tokens.js';
import {
  cachedUser,
  findUserByEmail,
  findUserById,
  forgetUser,
  toUser,
  USER_COLUMNS,
  type UserRow,
} from './users.js';

/** Facts about the caller's connection that sessions record (read from the request by the handler). */
export interface Client {
  /** The peer address, for the per-address login limit. */
  address: string;
  userAgent: string | undefined;
  /** The device token this client got at an earlier sign-in (its `sokoul_device` cookie), if any. */
  deviceToken?: string | undefined;
}

/** A new session, and the device token to give the client (kept in its `sokoul_device` cookie). */
export interface SignedIn {
  tokens: TokenPair;
  deviceToken: string;
}

/** GET /auth/settings: what a visitor may know before signing up. */
export async function publicSettings(deps: Deps): Promise<PublicSettings> {
  const [settings, exists] = await Promise.all([readSettings(deps.infra.db), hasUsers(deps.infra.db)]);
  return { signupMode: settings.signupMode, needsSetup: !exists };
}

/** Serialises signups so exactly one first account becomes admin. */
const SIGNUP_LOCK = 7_201_001;

/**
 * Everything a sign-up can be refused for without hashing the password, checked first: the mode, the
 * invite, and (only for someone the mode or an invite admits) whether the email is taken, which the
 * 409 says anyway.
 */
async function assertSignupPossible(deps: Deps, input: SignupRequest, inviteHash: string | null) {
  const [row] = await deps.infra.db.query<{ first: boolean; mode: string; invite: boolean; taken: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM users) AS first,
            COALESCE((SELECT value #>> '{}' FROM settings WHERE key = 'signupMode'), 'invite') AS mode,
            EXISTS (SELECT 1 FROM invites WHERE code_hash = $2 AND used_at IS NULL AND expires_at > now()) AS invite,
            EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1)) AS taken`,
    [input.email, inviteHash],
  );
  if (!row) throw new Error('sign-up state query returned nothing');
  if (!row.first && row.mode === 'closed')
    throw new ApiError(403, 'signup_closed', 'Sign-up is closed on this server');
  if (!row.first && row.mode !== 'open' && !row.invite) throw inviteRequired(input);
  if (row.taken) throw new ApiError(409, 'conflict', 'An account with this email already exists');
}

const inviteRequired = (input: SignupRequest) =>
  new ApiError(
    403,
    'invite_required',
    input.inviteCode ? 'This invite code is invalid, used or expired' : 'Sign-up needs an invite code',
  );

export async function signup(
  deps: Deps,
  { account: input, client }: { account: SignupRequest; client: Client },
): Promise<SignedIn> {
  const { infra, config } = deps;
  await reserve(
    infra.cache,
    `rl:signup:${client.address}`,
    config.SIGNUP_RATE_LIMIT,
    config.SIGNUP_RATE_WINDOW,
    'Too many sign-ups from this address',
  );
  const inviteHash = input.inviteCode ? await sha256(input.inviteCode) : null;
  await assertSignupPossible(deps, input, inviteHash);
  const passwordHash = await infra.passwords.hash(input.password);
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
    // The mode changed or the invite was spent while the password was being hashed.
    const { signupMode } = await readSettings(infra.db);
    if (signupMode === 'closed') throw new ApiError(403, 'signup_closed', 'Sign-up is closed on this server');
    throw inviteRequired(input);
  }
  return {
    tokens: await issueTokens(infra.db, config, user, null, client.userAgent),
    deviceToken: await signDevice(config.JWT_SECRET, user.id),
  };
}

export async function login(
  deps: Deps,
  { credentials: input, client }: { credentials: LoginRequest; client: Client },
): Promise<SignedIn> {
  const { infra, config } = deps;
  const user = await findUserByEmail(infra.db, input.email);
  const deviceId = user ? await verifyDevice(config.JWT_SECRET, client.deviceToken, user.id) : null;
  const attempt = await reserveLoginAttempt(infra.cache, config, {
    email: input.email,
    address: client.address,
    deviceId,
  });
  const valid = await infra.passwords.verify(input.password, user?.password_hash ?? null);
  if (!user || !valid) {
    await loginFailed(infra.cache, config, attempt);
    throw new ApiError(401, 'invalid_credentials', 'Wrong email or password');
  }
  if (user.disabled) throw new ApiError(403, 'account_disabled', 'This account is disabled');
  await loginSucceeded(infra.cache, config, attempt);
  if (needsRehash(user.password_hash)) {
    await infra.db.execute('UPDATE users SET password_hash = $2 WHERE id = $1', [
      user.id,
      await infra.passwords.hash(input.password),
    ]);
  }
  return {
    tokens: await issueTokens(infra.db, config, user, null, client.userAgent),
    deviceToken: await signDevice(config.JWT_SECRET, user.id, deviceId ?? undefined),
  };
}

/** POST /auth/refresh: spends the refresh token (from the body or the cookie) for the next pair. */
export async function refresh(deps: Deps, input: RefreshRequest & { client: Client }): Promise<TokenPair> {
  if (!input.refreshToken) throw unauthorized('No session: send the refresh token');
  return rotateRefreshToken(deps.infra.db, deps.config, input.refreshToken, input.client.userAgent);
}

/** POST /auth/logout: idempotent, an unknown or missing token is ignored. */
export async function logout(deps: Deps, input: LogoutRequest): Promise<void> {
  if (input.refreshToken) await revokeByToken(deps.infra.db, input.refreshToken);
}

export async function me(deps: Deps, principal: Principal): Promise<User> {
  const user = await cachedUser(deps.infra.db, principal.userId);
  if (!user) throw notFound('User');
  return toUser(user);
}

export async function changePassword(
  deps: Deps,
  principal: Principal,
  input: ChangePasswordRequest,
): Promise<void> {
  const { infra } = deps;
  const { userId } = principal;
  const user = await findUserById(infra.db, userId);
  if (!user) throw new ApiError(404, 'not_found', 'User not found');
  // Each check of the current password takes a slot first, as sign-ins do.
  const slot = `rl:password:${userId}`;
  await reserve(
    infra.cache,
    slot,
    deps.config.LOGIN_RATE_LIMIT,
    deps.config.LOGIN_RATE_WINDOW,
    'Too many wrong current passwords',
  );
  if (!(await infra.passwords.verify(input.currentPassword, user.password_hash))) {
    throw new ApiError(401, 'invalid_credentials', 'The current password is wrong');
  }
  await infra.cache.delete(slot);
  await infra.db.execute('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [
    userId,
    await infra.passwords.hash(input.newPassword),
  ]);
  await revokeAllSessions(infra.db, userId);
}

export async function updateProfile(
  deps: Deps,
  principal: Principal,
  input: UpdateProfileRequest,
): Promise<User> {
  const { userId } = principal;
  const [row] = await deps.infra.db.query<UserRow>(
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
export async function createWsTicket(deps: Deps, principal: Principal): Promise<WsTicket> {
  const ticket = randomToken();
  await deps.infra.cache.set(`ws-ticket:${await sha256(ticket)}`, principal.userId, WS_TICKET_TTL);
  return { ticket, expiresIn: WS_TICKET_TTL };
}

/** Spends a ticket: the user it was issued to, or null when it is unknown, used or expired. */
export async function redeemWsTicket(deps: Deps, ticket: string): Promise<string | null> {
  return deps.infra.cache.take(`ws-ticket:${await sha256(ticket)}`);
}
