import { z } from 'zod';

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

export const SignupRequest = z.object({
  email: Email,
  password: Password,
  displayName: z.string().trim().min(1).max(80).optional(),
  locale: Locale.optional(),
  inviteCode: z.string().min(8).max(128).optional(),
});
export type SignupRequest = z.infer<typeof SignupRequest>;

export const LoginRequest = z.object({
  email: Email,
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const RefreshRequest = z.object({ refreshToken: z.string().min(10).max(512) });
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
    displayName: z.string().trim().min(1).max(80).optional(),
    locale: Locale.optional(),
  })
  .refine((v) => v.displayName !== undefined || v.locale !== undefined, 'nothing to update');
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequest>;

export const TokenPair = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
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
  name: z.string().trim().min(1).max(80),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

export const CreatedApiKey = ApiKey.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const ApiKeyList = z.object({ apiKeys: z.array(ApiKey) });
export type ApiKeyList = z.infer<typeof ApiKeyList>;
