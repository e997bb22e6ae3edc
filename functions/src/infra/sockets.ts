import { WS_SESSION_ENDED } from '@sokoul/contracts';
import { type Env, userSessionStub } from '@sokoul/durable-objects';

/** The users' open WebSockets, held by their UserSession objects. */
export interface Sockets {
  /** Closes every socket of a user whose session the server ended; answers how many were open. */
  endSession(userId: string, reason: string): Promise<number>;
}

export function createSockets(env: Env): Sockets {
  return {
    endSession: (userId, reason) => userSessionStub(env, userId).closeAll(WS_SESSION_ENDED, reason),
  };
}
