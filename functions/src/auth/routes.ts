import { AuthRoutes } from '@sokoul/contracts';
import type { Context } from 'hono';
import type { AppEnv } from '../context.js';
import { createRouter, handle } from '../http/openapi.js';
import {
  deliverSession,
  deviceCookie,
  forgetRefreshCookie,
  refreshCookie,
  rememberDevice,
} from './cookies.js';
import { clientAddress } from './principal.js';
import * as auth from './service.js';

/** The request facts sessions record, read here so the services never see the request. */
const clientOf = (c: Context<AppEnv>): auth.Client => ({
  address: clientAddress(c),
  userAgent: c.req.header('user-agent'),
  deviceToken: deviceCookie(c),
});

export const authRoutes = createRouter();
handle(authRoutes, AuthRoutes.settings, async (c) => c.json(await auth.publicSettings(c.var.deps), 200));
handle(authRoutes, AuthRoutes.signup, async (c) => {
  const input = c.req.valid('json');
  const signedIn = await auth.signup(c.var.deps, { account: input, client: clientOf(c) });
  rememberDevice(c, signedIn.deviceToken);
  return c.json(deliverSession(c, signedIn.tokens, input.session ?? 'body'), 201);
});
handle(authRoutes, AuthRoutes.login, async (c) => {
  const input = c.req.valid('json');
  const signedIn = await auth.login(c.var.deps, { credentials: input, client: clientOf(c) });
  rememberDevice(c, signedIn.deviceToken);
  return c.json(deliverSession(c, signedIn.tokens, input.session ?? 'body'), 200);
});
// A token in the body is an API client's (the answer carries the next one); without one, the
// browser's cookie is spent and the next token goes back into the cookie only.
handle(authRoutes, AuthRoutes.refresh, async (c) => {
  const fromBody = c.req.valid('json').refreshToken;
  const refreshToken = fromBody ?? refreshCookie(c);
  const tokens = await auth.refresh(c.var.deps, { refreshToken, client: clientOf(c) });
  return c.json(deliverSession(c, tokens, fromBody ? 'body' : 'cookie'), 200);
});
handle(authRoutes, AuthRoutes.logout, async (c) => {
  await auth.logout(c.var.deps, { refreshToken: c.req.valid('json').refreshToken ?? refreshCookie(c) });
  forgetRefreshCookie(c);
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
