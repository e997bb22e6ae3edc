import {
  ChangePasswordRequest,
  LoginRequest,
  LogoutRequest,
  type PublicSettings,
  RefreshRequest,
  SignupRequest,
  UpdateProfileRequest,
} from '@sokoul/contracts';
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { notFound } from '../http/errors.js';
import { readJson } from '../http/validation.js';
import { clientAddress, requireAuth } from './principal.js';
import * as auth from './service.js';
import { revokeByToken, rotateRefreshToken } from './sessions.js';
import { hasUsers, readSettings } from './settings.js';
import { cachedUser, toUser } from './users.js';

export const authRoutes = new Hono<AppEnv>()
  .get('/settings', async (c) => {
    const [settings, exists] = await Promise.all([readSettings(c.var.infra.db), hasUsers(c.var.infra.db)]);
    return c.json({ signupMode: settings.signupMode, needsSetup: !exists } satisfies PublicSettings);
  })
  .post('/signup', async (c) => {
    const input = await readJson(c, SignupRequest);
    return c.json(await auth.signup(c.var.infra, c.var.config, input, c.req.header('user-agent')), 201);
  })
  .post('/login', async (c) => {
    const input = await readJson(c, LoginRequest);
    return c.json(
      await auth.login(c.var.infra, c.var.config, input, clientAddress(c), c.req.header('user-agent')),
    );
  })
  .post('/refresh', async (c) => {
    const { refreshToken } = await readJson(c, RefreshRequest);
    return c.json(
      await rotateRefreshToken(c.var.infra.db, c.var.config, refreshToken, c.req.header('user-agent')),
    );
  })
  .post('/logout', async (c) => {
    const { refreshToken } = await readJson(c, LogoutRequest);
    await revokeByToken(c.var.infra.db, refreshToken);
    return c.body(null, 204);
  })
  .get('/me', requireAuth, async (c) => {
    const user = await cachedUser(c.var.infra.db, c.var.principal.userId);
    if (!user) throw notFound('User');
    return c.json(toUser(user));
  })
  .patch('/me', requireAuth, async (c) => {
    const input = await readJson(c, UpdateProfileRequest);
    return c.json(await auth.updateProfile(c.var.infra, c.var.principal.userId, input));
  })
  .post('/password', requireAuth, async (c) => {
    const input = await readJson(c, ChangePasswordRequest);
    await auth.changePassword(c.var.infra, c.var.principal.userId, input);
    return c.body(null, 204);
  })
  .post('/ws-ticket', requireAuth, async (c) =>
    c.json(await auth.createWsTicket(c.var.infra, c.var.principal.userId)),
  );
