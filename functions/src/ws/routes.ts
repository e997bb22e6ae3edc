import { WS_BEARER_PREFIX, WS_PROTOCOL } from '@sokoul/contracts';
import { USER_HEADER, userSessionStub } from '@sokoul/durable-objects';
import { Hono } from 'hono';
import { resolvePrincipal } from '../auth/principal.js';
import { redeemWsTicket } from '../auth/service.js';
import { cachedUser } from '../auth/users.js';
import type { AppEnv } from '../context.js';
import { ApiError, unauthorized } from '../http/errors.js';

/**
 * `GET /ws`: browsers cannot set headers on a WebSocket, so the access token travels as an offered
 * subprotocol (`sokoul.v1, bearer.<token>`), or a single-use ticket from `POST /auth/ws-ticket` is
 * passed as `?ticket=`. Long-lived credentials never go in the URL.
 */
export const wsRoutes = new Hono<AppEnv>().get('/', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new ApiError(426, 'bad_request', 'This endpoint only accepts WebSocket upgrades');
  }
  const offered = (c.req.header('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
  if (!offered.includes(WS_PROTOCOL)) {
    throw new ApiError(400, 'bad_request', `Offer the ${WS_PROTOCOL} subprotocol`);
  }
  let userId: string;
  const ticket = c.req.query('ticket');
  const bearer = offered.find((p) => p.startsWith(WS_BEARER_PREFIX))?.slice(WS_BEARER_PREFIX.length);
  if (ticket) {
    const owner = await redeemWsTicket(c.var.infra, ticket);
    const user = owner ? await cachedUser(c.var.infra.db, owner) : undefined;
    if (!user || user.disabled) throw unauthorized('This ticket is invalid, used or expired');
    userId = user.id;
  } else if (bearer) {
    userId = (await resolvePrincipal(c, bearer)).userId;
  } else {
    throw unauthorized('Send a token as the bearer.<token> subprotocol or a ticket');
  }
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
