import { createLogger } from '@sokoul/durable-objects';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { getConfig } from '../config.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { createInfra } from '../infra/index.js';
import { recordRequest } from './metrics.js';

/**
 * First middleware: builds the request's config, infrastructure and logger, then writes one log
 * line and the metrics for the request. Query strings are left out of logs: they can hold tickets.
 */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  const config = getConfig(c.env);
  const requestId = c.req.header('x-request-id') ?? crypto.randomUUID();
  const infra = createInfra(c.env, config);
  const log = createLogger(config.LOG_LEVEL, { component: 'api', requestId });
  c.set('config', config);
  c.set('infra', infra);
  c.set('log', log);
  c.set('deps', { config, infra, log, defer: (work) => c.executionCtx.waitUntil(work) });
  c.header('x-request-id', requestId);
  c.header('x-content-type-options', 'nosniff');
  await next();
  const matched = routePath(c, -1);
  const route = matched === '*' || matched === '/*' ? '(unmatched)' : matched;
  const status = String(c.res.status);
  const seconds = (Date.now() - started) / 1000;
  recordRequest(c.req.method, route, status, seconds);
  // A degraded /health is a state, reported by the health body itself, not a server error; nor is
  // a 503 for a feature nobody configured (`not_configured`, `telegram_not_configured`…).
  const level =
    c.res.status >= 500 ? (route === '/health' || expected503(c.error) ? 'warn' : 'error') : 'info';
  if (!c.var.log.enabled(level)) return;
  c.var.log[level]('request', {
    method: c.req.method,
    route,
    path: c.req.path,
    status: c.res.status,
    durationMs: Math.round(seconds * 1000),
    userId: c.var.principal?.userId,
  });
};

/** An answer the setup explains, not a fault: the error the route threw (Hono keeps it in c.error). */
function expected503(error: Error | undefined): boolean {
  return error instanceof ApiError && error.status === 503 && error.code.endsWith('not_configured');
}
