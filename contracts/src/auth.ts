import { z } from 'zod';
import { Text } from './values.js';

export const Role = z.enum(['admin', 'member']);
export type Role = z.infer<typeof Role>;

export const Locale = z.enum(['fr', 'en']);
export type Locale = z.infer<typeof Locale>;

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'expected an email address' }));

/** NIST 800-63B: length matters, composition rules do not. */
export const Password = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(256, 'must be at most 256 characters');

export const User = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: Role,
  disabled: z.boolean(),
  locale: Locale,
  createdAt: z.string(),
});
export type User = z.infer<typeof User>;

/**
 * Where the refresh token travels. `body` (the default, for API clients): in the JSON answer, sent
 * back in the body of /auth/refresh and /auth/logout. `cookie` (the web app): in an HttpOnly,
 * SameSite=Strict cookie scoped to /auth (`REFRESH_COOKIE`), never readable by page scripts, and left
 * out of the JSON answer.
 */
export const SessionTransport = z
  .enum(['body', 'cookie'])
  .meta({ description: 'Where the refresh token travels: in the JSON (`body`, default) or a cookie' });
export type SessionTransport = z.infer<typeof SessionTransport>;

/** The cookie holding the browser's refresh token (HttpOnly, SameSite=Strict, Path=/auth). */
export const REFRESH_COOKIE = 'sokoul_refresh';
/**
 * The cookie naming a device that signed in successfully before (HttpOnly, SameSite=Strict,
 * Path=/auth, a year): sign-ins from it are not held back by other people's failed attempts.
 */
export const DEVICE_COOKIE = 'sokoul_device';

export const SignupRequest = z.object({
  email: Email,
  password: Password,
  displayName: Text.trim().min(1).max(80).optional(),
  locale: Locale.optional(),
  inviteCode: Text.min(8).max(128).optional(),
  session: SessionTransport.optional(),
});
export type SignupRequest = z.infer<typeof SignupRequest>;

export const LoginRequest = z.object({
  email: Email,
  password: z.string().min(1).max(256),
  session: SessionTransport.optional(),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** The refresh token in the body (API clients); the web app sends none and its cookie is used. */
export const RefreshRequest = z.object({ refreshToken: Text.min(10).max(512).optional() });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const LogoutRequest = RefreshRequest;
export type LogoutRequest = z.infer<typeof LogoutRequest>;

export const ChangePasswordRequest = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: Password,
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

export const UpdateProfileRequest = z
  .object({
    displayName: Text.trim().min(1).max(80).optional(),
    locale: Locale.optional(),
  })
  .refine((v) => v.displayName !== undefined || v.locale !== undefined, 'nothing to update');
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequest>;

export const TokenPair = z.object({
  accessToken: z.string(),
  /** Absent when the session travels in the cookie (`session: "cookie"`, or a refresh by cookie). */
  refreshToken: z.string().optional(),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int(),
  user: User,
});
export type TokenPair = z.infer<typeof TokenPair>;

export const WsTicket = z.object({ ticket: z.string(), expiresIn: z.number().int() });
export type WsTicket = z.infer<typeof WsTicket>;

// Admin: users and settings

export const SignupMode = z.enum(['open', 'invite', 'closed']);
export type SignupMode = z.infer<typeof SignupMode>;

export const Settings = z.object({ signupMode: SignupMode });
export type Settings = z.infer<typeof Settings>;

export const UpdateSettingsRequest = Settings.partial().refine(
  (v) => Object.keys(v).length > 0,
  'nothing to update',
);
export type UpdateSettingsRequest = z.infer<typeof UpdateSettingsRequest>;

/** What an anonymous visitor may know before signing up. */
export const PublicSettings = z.object({
  signupMode: SignupMode,
  /** True until the first account (the admin) exists. */
  needsSetup: z.boolean(),
});
export type PublicSettings = z.infer<typeof PublicSettings>;

export const UpdateUserRequest = z
  .object({ role: Role.optional(), disabled: z.boolean().optional() })
  .refine((v) => v.role !== undefined || v.disabled !== undefined, 'nothing to update');
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;

export const UserList = z.object({ users: z.array(User) });
export type UserList = z.infer<typeof UserList>;

export const CreateInviteRequest = z.object({
  /** Hours the invite stays valid. */
  expiresInHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(72),
});
export type CreateInviteRequest = z.infer<typeof CreateInviteRequest>;

export const Invite = z.object({ code: z.string(), expiresAt: z.string() });
export type Invite = z.infer<typeof Invite>;

// API keys

export const ApiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  /** First characters of the key, enough to recognise it; the key itself is shown once. */
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const CreateApiKeyRequest = z.object({
  name: Text.trim().min(1).max(80),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

export const CreatedApiKey = ApiKey.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const ApiKeyList = z.object({ apiKeys: z.array(ApiKey) });
export type ApiKeyList = z.infer<typeof ApiKeyList>;
