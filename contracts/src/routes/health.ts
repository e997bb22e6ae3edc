import { z } from 'zod';
import { ErrorBody } from '../errors.js';
import { WS_BEARER_PREFIX, WS_PROTOCOL } from '../events.js';
import { HealthReport } from '../health.js';
import { AUTH_ERRORS, errors, jsonContent, PUBLIC, route, USER_AUTH } from '../http.js';

/** The Prometheus text exposition format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Operations: the health probe load balancers and the launcher poll, and the metrics Prometheus scrapes. */
export const SystemRoutes = {
  health: route({
    method: 'get',
    path: '/health',
    tags: ['System'],
    summary: 'Probe every dependency (database, NATS, cache, torrent-node)',
    description:
      'Probes are shared for a second. The body is the same report either way; the status says whether every dependency is up.',
    security: PUBLIC,
    responses: {
      200: jsonContent(HealthReport, 'Every dependency is up'),
      503: jsonContent(HealthReport, 'Degraded: `failing` names the dependencies that are down'),
    },
  }),
  metrics: route({
    method: 'get',
    path: '/metrics',
    tags: ['System'],
    summary: 'API request counts and latency histograms for Prometheus',
    description:
      'Prometheus scrapes with `Authorization: Bearer <METRICS_TOKEN>` when the instance sets METRICS_TOKEN; otherwise, or with any other credential, only an administrator (access token or API key) may read them.',
    security: USER_AUTH,
    responses: {
      200: {
        description: 'The Prometheus text exposition',
        content: { [METRICS_CONTENT_TYPE]: { schema: z.string() } },
      },
      ...errors(...AUTH_ERRORS),
    },
  }),
};

/** `GET /ws`'s query: the single-use ticket from POST /auth/ws-ticket, when no token is offered. */
export const WsConnectQuery = z.object({
  ticket: z
    .string()
    .optional()
    .meta({ description: 'A single-use ticket from POST /auth/ws-ticket (valid 30 s)' }),
});
export type WsConnectQuery = z.infer<typeof WsConnectQuery>;

export const WsConnectHeaders = z.object({
  upgrade: z.string().optional().meta({ description: 'Must be `websocket`', example: 'websocket' }),
  'sec-websocket-protocol': z
    .string()
    .optional()
    .meta({
      description: `The offered subprotocols: \`${WS_PROTOCOL}\`, and \`${WS_BEARER_PREFIX}<access token or API key>\` unless a ticket is given`,
      example: `${WS_PROTOCOL}, ${WS_BEARER_PREFIX}eyJhbGciOi...`,
    }),
});

/** The live event socket: task updates and other per-user events, with resumption. */
export const WsRoutes = {
  connect: route({
    method: 'get',
    path: '/ws',
    tags: ['Events'],
    summary: 'Open the caller’s live event socket (WebSocket upgrade)',
    description: [
      `Browsers cannot set headers on a WebSocket, so the credential travels in the handshake instead of an Authorization header: offer the \`${WS_PROTOCOL}\` subprotocol together with \`${WS_BEARER_PREFIX}<token>\` (an access token or API key), or offer \`${WS_PROTOCOL}\` alone and pass a single-use \`?ticket=\` from POST /auth/ws-ticket. Long-lived credentials never go in the URL.`,
      `The server answers with the \`${WS_PROTOCOL}\` subprotocol; the first message is \`hello\` (with the sequence number to resume from), then \`event\` messages and periodic \`heartbeat\`s. Send \`{ "type": "ping" }\` for a \`pong\`, or \`{ "type": "resume", "since": <seq> }\` to replay missed events (\`resync\` when they are too old to replay). A message the server does not understand closes the socket with code 1003.`,
    ].join('\n\n'),
    security: USER_AUTH,
    request: { query: WsConnectQuery, headers: WsConnectHeaders },
    responses: {
      101: { description: 'Switching protocols: the socket is open' },
      400: jsonContent(ErrorBody, `The \`${WS_PROTOCOL}\` subprotocol was not offered`),
      401: jsonContent(ErrorBody, 'No credential, or the token or ticket is invalid, used or expired'),
      ...errors(403),
      426: jsonContent(ErrorBody, 'Not a WebSocket upgrade request'),
    },
  }),
};
