import { z } from 'zod';
import {
  ApiKeyList,
  ChangePasswordRequest,
  CreateApiKeyRequest,
  CreatedApiKey,
  DEVICE_COOKIE,
  LoginRequest,
  LogoutRequest,
  PublicSettings,
  REFRESH_COOKIE,
  RefreshRequest,
  SignupRequest,
  TokenPair,
  UpdateProfileRequest,
  User,
  WsTicket,
} from '../auth.js';
import { ErrorBody } from '../errors.js';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  errors,
  idParam,
  jsonBody,
  jsonContent,
  noContent,
  PUBLIC,
  route,
  USER_AUTH,
} from '../http.js';

const tags = ['Auth'];
const error = (description: string) => jsonContent(ErrorBody, description);

/** Answers that carry credentials are never stored by a cache. */
const NO_STORE = z.object({
  'Cache-Control': z.literal('no-store').meta({ description: 'Credentials: never stored by a cache' }),
});
const SESSION_HEADERS = NO_STORE.extend({
  'Set-Cookie': z.string().meta({
    description: `\`${DEVICE_COOKIE}\` (this device signed in to the account; HttpOnly, SameSite=Strict, Path=/auth, a year) and, with \`session: "cookie"\`, \`${REFRESH_COOKIE}\` (the refresh token; HttpOnly, SameSite=Strict, Path=/auth, Secure over HTTPS)`,
  }),
});
const DeviceCookie = z.object({
  [DEVICE_COOKIE]: z.string().optional().meta({
    description: 'Set by an earlier sign-in: other people’s failed attempts never hold this device back',
  }),
});
const RefreshCookie = z.object({
  [REFRESH_COOKIE]: z
    .string()
    .optional()
    .meta({ description: 'The browser’s refresh token, used when the body has none' }),
});
const optionalJsonBody = <S extends z.ZodType>(schema: S) => ({
  required: false,
  content: { 'application/json': { schema } },
});

/** Accounts and sessions: signing up and in, refresh-token rotation, the caller's own profile. */
export const AuthRoutes = {
  settings: route({
    method: 'get',
    path: '/auth/settings',
    tags,
    summary: 'What a visitor may know before signing up: the signup mode, whether setup is needed',
    security: PUBLIC,
    responses: { 200: jsonContent(PublicSettings, 'The public settings') },
  }),
  signup: route({
    method: 'post',
    path: '/auth/signup',
    tags,
    summary: 'Create an account (the first one becomes the admin) and sign in',
    description:
      'After the first account, the signup mode decides: `open`, `invite` (an unused, unexpired `inviteCode` is required and spent) or `closed`. The mode, the invite and the email are checked before the password is hashed; attempts per address are limited (`SIGNUP_RATE_LIMIT` per `SIGNUP_RATE_WINDOW`).',
    security: PUBLIC,
    request: { body: jsonBody(SignupRequest) },
    responses: {
      201: { ...jsonContent(TokenPair, 'The account, signed in'), headers: SESSION_HEADERS },
      ...errors(...BODY_ERRORS, 429, 503),
      403: error('`signup_closed`, or `invite_required` when the invite code is missing, used or expired'),
      409: error('An account with this email already exists'),
    },
  }),
  login: route({
    method: 'post',
    path: '/auth/login',
    tags,
    summary: 'Sign in with email and password',
    description:
      'Each password check takes a slot first: `LOGIN_RATE_LIMIT` per account and address per window, after 3 failures a wait that doubles each time, a ceiling per account over all addresses, and one per address over all accounts. Past them every attempt answers 429 with `Retry-After`, even with the right password. A device that signed in to the account before (its `sokoul_device` cookie) has its own allowance instead, so other people’s failures never keep it out.',
    security: PUBLIC,
    request: { body: jsonBody(LoginRequest), cookies: DeviceCookie },
    responses: {
      200: { ...jsonContent(TokenPair, 'Signed in'), headers: SESSION_HEADERS },
      ...errors(...BODY_ERRORS, 429, 503),
      401: error('`invalid_credentials`: wrong email or password (the answer does not say which)'),
      403: error('`account_disabled`'),
    },
  }),
  refresh: route({
    method: 'post',
    path: '/auth/refresh',
    tags,
    summary: 'Spend a refresh token for a new token pair',
    description:
      'Refresh tokens rotate: each is good once. Presenting a spent one again closes the whole session (`token_reused`) and every access token issued for it, except within 30 s of its rotation (two tabs refreshing at once), when it yields another token of the same session. API clients send the token in the body and get the next one in the answer; the web app sends none, its `sokoul_refresh` cookie is spent and the next token goes back into the cookie only.',
    security: PUBLIC,
    request: { body: optionalJsonBody(RefreshRequest), cookies: RefreshCookie },
    responses: {
      200: {
        ...jsonContent(
          TokenPair,
          'The next token pair (without `refreshToken` when it came from the cookie)',
        ),
        headers: NO_STORE.extend({
          'Set-Cookie': z
            .string()
            .optional()
            .meta({ description: `The next \`${REFRESH_COOKIE}\`, when it came from the cookie` }),
        }),
      },
      ...errors(...BODY_ERRORS),
      401: error(
        'The session has expired or was revoked (`unauthorized`), or the token was reused (`token_reused`)',
      ),
      403: error('`account_disabled`'),
    },
  }),
  logout: route({
    method: 'post',
    path: '/auth/logout',
    tags,
    summary: 'End the session a refresh token belongs to (unknown tokens are ignored)',
    description:
      'The token comes from the body or, without one, from the `sokoul_refresh` cookie, which is cleared. Access tokens issued for the session stop working at once.',
    security: PUBLIC,
    request: { body: optionalJsonBody(LogoutRequest), cookies: RefreshCookie },
    responses: {
      204: {
        ...noContent('Signed out'),
        headers: z.object({ 'Set-Cookie': z.string().meta({ description: `Clears \`${REFRESH_COOKIE}\`` }) }),
      },
      ...errors(...BODY_ERRORS),
    },
  }),
  me: route({
    method: 'get',
    path: '/auth/me',
    tags,
    summary: 'The caller’s account',
    security: USER_AUTH,
    responses: { 200: jsonContent(User, 'The account'), ...errors(...AUTH_ERRORS, 404) },
  }),
  updateMe: route({
    method: 'patch',
    path: '/auth/me',
    tags,
    summary: 'Change the caller’s display name or locale',
    security: USER_AUTH,
    request: { body: jsonBody(UpdateProfileRequest) },
    responses: {
      200: jsonContent(User, 'The updated account'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404),
    },
  }),
  changePassword: route({
    method: 'post',
    path: '/auth/password',
    tags,
    summary: 'Change the caller’s password; every session and access token of the account ends',
    security: USER_AUTH,
    request: { body: jsonBody(ChangePasswordRequest) },
    description:
      'Each check of the current password takes a slot first (`LOGIN_RATE_LIMIT` per account per `LOGIN_RATE_WINDOW`); past them the answer is 429 with `Retry-After`.',
    responses: {
      204: noContent('Changed; sign in again with the new password'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 429, 503),
      401: error('Missing or invalid credentials, or the current password is wrong (`invalid_credentials`)'),
    },
  }),
  wsTicket: route({
    method: 'post',
    path: '/auth/ws-ticket',
    tags,
    summary: 'A single-use ticket to open GET /ws as `?ticket=` (for clients that cannot offer subprotocols)',
    security: USER_AUTH,
    responses: {
      200: jsonContent(WsTicket, 'The ticket and its lifetime in seconds'),
      ...errors(...AUTH_ERRORS),
    },
  }),
};

const ApiKeyParams = z.object({ id: idParam('API key') });

/** Personal API keys: each user manages their own; a key is shown once, when created. */
export const ApiKeyRoutes = {
  list: route({
    method: 'get',
    path: '/auth/api-keys',
    tags: ['API keys'],
    summary: 'The caller’s active API keys (without the secrets)',
    security: USER_AUTH,
    responses: { 200: jsonContent(ApiKeyList, 'The keys, newest first'), ...errors(...AUTH_ERRORS) },
  }),
  create: route({
    method: 'post',
    path: '/auth/api-keys',
    tags: ['API keys'],
    summary: 'Create an API key; the answer is the only time the key is shown',
    security: USER_AUTH,
    request: { body: jsonBody(CreateApiKeyRequest) },
    responses: {
      201: { ...jsonContent(CreatedApiKey, 'The key, with its secret'), headers: NO_STORE },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS),
    },
  }),
  revoke: route({
    method: 'delete',
    path: '/auth/api-keys/{id}',
    tags: ['API keys'],
    summary: 'Revoke one of the caller’s API keys',
    security: USER_AUTH,
    request: { params: ApiKeyParams },
    responses: { 204: noContent('Revoked'), ...errors(...AUTH_ERRORS, 404) },
  }),
};
