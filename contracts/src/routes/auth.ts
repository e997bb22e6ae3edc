import { z } from 'zod';
import {
  ApiKeyList,
  ChangePasswordRequest,
  CreateApiKeyRequest,
  CreatedApiKey,
  LoginRequest,
  LogoutRequest,
  PublicSettings,
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
      'After the first account, the signup mode decides: `open`, `invite` (an unused, unexpired `inviteCode` is required and spent) or `closed`.',
    security: PUBLIC,
    request: { body: jsonBody(SignupRequest) },
    responses: {
      201: jsonContent(TokenPair, 'The account, signed in'),
      ...errors(...BODY_ERRORS),
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
      'Failed attempts are counted per account and per client address; past the limit every attempt answers 429 until the window ends.',
    security: PUBLIC,
    request: { body: jsonBody(LoginRequest) },
    responses: {
      200: jsonContent(TokenPair, 'Signed in'),
      ...errors(...BODY_ERRORS, 429),
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
      'Refresh tokens rotate: each is good once. Presenting a spent one again closes the whole session (`token_reused`).',
    security: PUBLIC,
    request: { body: jsonBody(RefreshRequest) },
    responses: {
      200: jsonContent(TokenPair, 'The next token pair'),
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
    security: PUBLIC,
    request: { body: jsonBody(LogoutRequest) },
    responses: { 204: noContent('Signed out'), ...errors(...BODY_ERRORS) },
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
    responses: {
      204: noContent('Changed; sign in again with the new password'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404),
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
      201: jsonContent(CreatedApiKey, 'The key, with its secret'),
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
