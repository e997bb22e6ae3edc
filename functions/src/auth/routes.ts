import { AuthRoutes } from '@sokoul/contracts';
import type { Context } from 'hono';
import type { AppEnv } from '../context.js';
import { createRouter, handle } from '../http/openapi.js';
import { clientAddress } from './principal.js';
import * as auth from './service.js';

/** The request facts sessions record, read here so the services never see the request. */
const clientOf = (c: Context<AppEnv>): auth.Client => ({
  address: clientAddress(c),
  userAgent: c.req.header('user-agent'),
});

export const authRoutes = createRouter();
handle(authRoutes, AuthRoutes.settings, async (c) => c.json(await auth.publicSettings(c.var.deps), 200));
handle(authRoutes, AuthRoutes.signup, async (c) =>
  c.json(await auth.signup(c.var.deps, { account: c.req.valid('json'), client: clientOf(c) }), 201),
);
handle(authRoutes, AuthRoutes.login, async (c) =>
  c.json(await auth.login(c.var.deps, { credentials: c.req.valid('json'), client: clientOf(c) }), 200),
);
handle(authRoutes, AuthRoutes.refresh, async (c) =>
  c.json(await auth.refresh(c.var.deps, { ...c.req.valid('json'), client: clientOf(c) }), 200),
);
handle(authRoutes, AuthRoutes.logout, async (c) => {
  await auth.logout(c.var.deps, c.req.valid('json'));
  return c.body(null, 204);
});
handle(authRoutes, AuthRoutes.me, async (c) => c.json(await auth.me(c.var.deps, c.var.principal), 200));
handle(authRoutes, AuthRoutes.updateMe, async (c) =>
  c.json(await auth.updateProfile(c.var.deps, c.var.principal, c.req.valid('json')), 200),
);
handle(authRoutes, AuthRoutes.changePassword, async (c) => {
  await auth.changePassword(c.var.deps, c.var.principal, c.req.valid('json'));
  return c.body(null, 204);
});
handle(authRoutes, AuthRoutes.wsTicket, async (c) =>
  c.json(await auth.createWsTicket(c.var.deps, c.var.principal), 200),
);
