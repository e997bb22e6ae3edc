import { createRoute } from '@hono/zod-openapi';
import { WsRoutes } from '@sokoul/contracts';
import { USER_HEADER, userSessionStub } from '@sokoul/durable-objects';
import { createRouter } from '../http/openapi.js';
import { authorizeSocket } from './service.js';

/**
 * `GET /ws` documents the user security schemes, but its credential is in the handshake (an
 * offered `bearer.<token>` subprotocol or `?ticket=`), which no Authorization-header middleware can
 * read: it is registered without `handle`'s requireAuth and the service authenticates it.
 */
export const wsRoutes = createRouter();
wsRoutes.openapi(createRoute(WsRoutes.connect), async (c) => {
  const { userId } = await authorizeSocket(c.var.deps, {
    upgrade: c.req.header('upgrade'),
    protocols: (c.req.header('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim()),
    ticket: c.req.valid('query').ticket,
  });
  const headers = new Headers(c.req.raw.headers);
  headers.set(USER_HEADER, userId);
  const upgraded = await userSessionStub(c.env, userId).fetch(new Request(c.req.raw.url, { headers }));
  // A response from another object has immutable headers; later middleware adds its own.
  return new Response(upgraded.body, {
    status: upgraded.status,
    headers: upgraded.headers,
    webSocket: upgraded.webSocket,
  });
});
