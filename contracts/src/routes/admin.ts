import { z } from 'zod';
import {
  CreateInviteRequest,
  Invite,
  Settings,
  UpdateSettingsRequest,
  UpdateUserRequest,
  User,
  UserList,
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
  route,
  USER_AUTH,
} from '../http.js';
import {
  CreateIndexerRequest,
  Indexer,
  IndexerList,
  PutQualityProfilesRequest,
  QualityProfileList,
  UpdateIndexerRequest,
} from '../search.js';

const tags = ['Admin'];
const UserParams = z.object({ id: idParam('User') });
const IndexerParams = z.object({ id: idParam('Indexer') });
const lastAdmin = jsonContent(
  ErrorBody,
  '`conflict`: this would leave no active administrator; promote someone else first',
);

/** The instance's administration: every route answers 403 to an account that is not an admin. */
export const AdminRoutes = {
  users: route({
    method: 'get',
    path: '/admin/users',
    tags,
    summary: 'Every account, oldest first',
    security: USER_AUTH,
    responses: { 200: jsonContent(UserList, 'The accounts'), ...errors(...AUTH_ERRORS) },
  }),
  updateUser: route({
    method: 'patch',
    path: '/admin/users/{id}',
    tags,
    summary: 'Change an account’s role or disable it (disabling ends its sessions)',
    security: USER_AUTH,
    request: { params: UserParams, body: jsonBody(UpdateUserRequest) },
    responses: {
      200: jsonContent(User, 'The updated account'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404),
      409: lastAdmin,
    },
  }),
  deleteUser: route({
    method: 'delete',
    path: '/admin/users/{id}',
    tags,
    summary: 'Delete an account',
    security: USER_AUTH,
    request: { params: UserParams },
    responses: { 204: noContent('Deleted'), ...errors(...AUTH_ERRORS, 404), 409: lastAdmin },
  }),
  createInvite: route({
    method: 'post',
    path: '/admin/invites',
    tags,
    summary: 'Create a single-use invite code for the `invite` signup mode',
    security: USER_AUTH,
    request: { body: jsonBody(CreateInviteRequest) },
    responses: {
      201: jsonContent(Invite, 'The code, shown once, and when it expires'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS),
    },
  }),
  settings: route({
    method: 'get',
    path: '/admin/settings',
    tags,
    summary: 'The instance settings',
    security: USER_AUTH,
    responses: { 200: jsonContent(Settings, 'The settings'), ...errors(...AUTH_ERRORS) },
  }),
  updateSettings: route({
    method: 'patch',
    path: '/admin/settings',
    tags,
    summary: 'Change instance settings (the signup mode)',
    security: USER_AUTH,
    request: { body: jsonBody(UpdateSettingsRequest) },
    responses: {
      200: jsonContent(Settings, 'The settings after the change'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS),
    },
  }),
  indexers: route({
    method: 'get',
    path: '/admin/indexers',
    tags,
    summary: 'The Torznab indexers searches ask, by name',
    security: USER_AUTH,
    responses: { 200: jsonContent(IndexerList, 'The indexers'), ...errors(...AUTH_ERRORS) },
  }),
  createIndexer: route({
    method: 'post',
    path: '/admin/indexers',
    tags,
    summary: 'Add a Torznab indexer',
    security: USER_AUTH,
    request: { body: jsonBody(CreateIndexerRequest) },
    responses: {
      201: jsonContent(Indexer, 'The indexer (its API key is never sent back)'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 409),
    },
  }),
  updateIndexer: route({
    method: 'patch',
    path: '/admin/indexers/{id}',
    tags,
    summary: 'Change an indexer (`apiKey: null` removes its key)',
    security: USER_AUTH,
    request: { params: IndexerParams, body: jsonBody(UpdateIndexerRequest) },
    responses: {
      200: jsonContent(Indexer, 'The updated indexer'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 409),
    },
  }),
  deleteIndexer: route({
    method: 'delete',
    path: '/admin/indexers/{id}',
    tags,
    summary: 'Remove an indexer',
    security: USER_AUTH,
    request: { params: IndexerParams },
    responses: { 204: noContent('Removed'), ...errors(...AUTH_ERRORS, 404) },
  }),
  qualityProfiles: route({
    method: 'get',
    path: '/admin/quality-profiles',
    tags,
    summary: 'The admin’s own quality profiles (the presets are not included)',
    security: USER_AUTH,
    responses: { 200: jsonContent(QualityProfileList, 'The profiles'), ...errors(...AUTH_ERRORS) },
  }),
  putQualityProfiles: route({
    method: 'put',
    path: '/admin/quality-profiles',
    tags,
    summary: 'Replace the admin’s quality profiles (names unique, none named like a preset)',
    security: USER_AUTH,
    request: { body: jsonBody(PutQualityProfilesRequest) },
    responses: {
      200: jsonContent(QualityProfileList, 'The profiles, as saved'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS),
    },
  }),
};
