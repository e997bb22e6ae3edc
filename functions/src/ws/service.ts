import { WS_BEARER_PREFIX, WS_PROTOCOL } from '@sokoul/contracts';
import { resolvePrincipal } from '../auth/principal.js';
import { redeemWsTicket } from '../auth/service.js';
import { cachedUser } from '../auth/users.js';
import type { Deps } from '../context.js';
import { ApiError, unauthorized } from '../errors.js';

/** What the WebSocket handshake carries, read from the request by the handler. */
export interface SocketHandshake {
  /** The `Upgrade` header. */
  upgrade: string | undefined;
  /** The offered subprotocols (`Sec-WebSocket-Protocol`), in order. */
  protocols: string[];
  /** `?ticket=`, a single-use ticket from POST /auth/ws-ticket. */
  ticket: string | undefined;
}

/**
 * `GET /ws`: browsers cannot set headers on a WebSocket, so the access token travels as an offered
 * subprotocol (`sokoul.v1, bearer.<token>`), or a single-use ticket from `POST /auth/ws-ticket` is
 * passed as `?ticket=`. Long-lived credentials never go in the URL. Answers whose socket it is.
 */
export async function authorizeSocket(deps: Deps, handshake: SocketHandshake): Promise<{ userId: string }> {
  if (handshake.upgrade?.toLowerCase() !== 'websocket') {
    throw new ApiError(426, 'bad_request', 'This endpoint only accepts WebSocket upgrades');
  }
  const offered = handshake.protocols;
  if (!offered.includes(WS_PROTOCOL)) {
    throw new ApiError(400, 'bad_request', `Offer the ${WS_PROTOCOL} subprotocol`);
  }
  const bearer = offered.find((p) => p.startsWith(WS_BEARER_PREFIX))?.slice(WS_BEARER_PREFIX.length);
  if (handshake.ticket) {
    const owner = await redeemWsTicket(deps, handshake.ticket);
    const user = owner ? await cachedUser(deps.infra.db, owner) : undefined;
    if (!user || user.disabled) throw unauthorized('This ticket is invalid, used or expired');
    return { userId: user.id };
  }
  if (bearer) return { userId: (await resolvePrincipal(deps, bearer)).userId };
  throw unauthorized('Send a token as the bearer.<token> subprotocol or a ticket');
}
