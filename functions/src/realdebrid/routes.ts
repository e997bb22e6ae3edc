import {
  type RealDebridAccount,
  RealDebridAccount as RealDebridAccountSchema,
  RealDebridRoutes,
  Subjects,
} from '@sokoul/contracts';
import { assertAdmin } from '../auth/roles.js';
import type { Deps, Principal } from '../context.js';
import { ApiError, unavailable } from '../errors.js';
import { createRouter, handle } from '../http/openapi.js';

/** Real-Debrid's /user (and its retries on a 429) within this. */
const ACCOUNT_TIMEOUT_MS = 20_000;

/** GET /admin/realdebrid: torrent-node holds the key, so it asks Real-Debrid and answers here. */
export async function account(deps: Deps, principal: Principal): Promise<RealDebridAccount> {
  assertAdmin(principal);
  let answer: unknown;
  try {
    answer = await deps.infra.bus.request(Subjects.realDebridAccount, {}, ACCOUNT_TIMEOUT_MS);
  } catch {
    throw unavailable('torrent-node');
  }
  const reply = RealDebridAccountSchema.safeParse(answer);
  if (!reply.success)
    throw new ApiError(502, 'upstream_error', 'torrent-node answered the Real-Debrid test badly');
  return reply.data;
}

/** Authentication comes from the declaration; the service refuses non-admins (403). */
export const realDebridRoutes = createRouter();
handle(realDebridRoutes, RealDebridRoutes.account, async (c) =>
  c.json(await account(c.var.deps, c.var.principal), 200),
);
