import { AUTH_ERRORS, BODY_ERRORS, errors, jsonBody, jsonContent, route, USER_AUTH } from '../http.js';
import {
  ConfigList,
  IndexerTestReply,
  IndexerTestRequest,
  OracleTestReply,
  PutConfigRequest,
} from '../settings.js';

const tags = ['Admin'];

/** The configuration admins change at run time: every route answers 403 to a non-admin. */
export const SettingsRoutes = {
  config: route({
    method: 'get',
    path: '/admin/config',
    tags,
    summary: 'Every run-time setting: its effective value (never a secret’s), where it comes from',
    security: USER_AUTH,
    responses: { 200: jsonContent(ConfigList, 'The settings'), ...errors(...AUTH_ERRORS) },
  }),
  putConfig: route({
    method: 'put',
    path: '/admin/config',
    tags,
    summary: 'Set settings, or clear them with null (back to the environment’s value or the default)',
    description:
      'Values are validated like the environment variables of the same name; a bad value is a 400 naming the key. The change applies at once, without a restart.',
    security: USER_AUTH,
    request: { body: jsonBody(PutConfigRequest) },
    responses: {
      200: jsonContent(ConfigList, 'The settings after the change'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS),
    },
  }),
  testIndexers: route({
    method: 'post',
    path: '/admin/indexers/test',
    tags,
    summary: 'Ask the search endpoints (all, or one by name) for their capabilities, from torrent-node',
    security: USER_AUTH,
    request: { body: jsonBody(IndexerTestRequest) },
    responses: {
      200: jsonContent(IndexerTestReply, 'Each endpoint’s answer'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 503),
    },
  }),
  testOracle: route({
    method: 'post',
    path: '/admin/oracle/test',
    tags,
    summary:
      'Call the LLM at LLAMA_ENDPOINT once with a tiny prompt, from torrent-node: ok and latency, or why not',
    security: USER_AUTH,
    responses: {
      200: jsonContent(OracleTestReply, 'The endpoint’s answer'),
      ...errors(...AUTH_ERRORS, 502, 503),
    },
  }),
};
