import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { health } from './service.js';

export const healthRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const report = await health(c.var.infra);
  return c.json(report, report.status === 'ok' ? 200 : 503);
});
