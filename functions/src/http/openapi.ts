import { createRoute, type Hook, OpenAPIHono, type RouteHandler } from '@hono/zod-openapi';
import { type ApiRoute, type JsonText, USER_AUTH } from '@sokoul/contracts';
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import { requireAuth } from '../auth/principal.js';
import type { AppEnv } from '../context.js';
import { ApiError, validationError } from '../errors.js';

const WHERE = {
  json: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'cookie',
  form: 'body',
};

/**
 * Validation failures keep the API's `{ error: { code, message } }` shape: 400 naming the field,
 * except a malformed id in the path, which can never match a row and so is a 404 like a missing one
 * (contracts' `idParam` words that message).
 */
function invalid(error: ZodError, target: string): ApiError {
  if (target === 'param') {
    const badId = error.issues.find((i) => i.code === 'invalid_format' && i.format === 'uuid');
    if (badId) return new ApiError(404, 'not_found', badId.message);
  }
  return validationError(error, WHERE[target as keyof typeof WHERE] ?? target);
}

export const defaultHook: Hook<unknown, AppEnv, string, undefined> = (result) => {
  if (!result.success) throw invalid(result.error, result.target);
};

/** A router whose routes are declared as data (contracts/src/routes) and documented from it. */
export const createRouter = () => new OpenAPIHono<AppEnv>({ defaultHook });
export type Router = ReturnType<typeof createRouter>;

const needsUser = (route: ApiRoute) => route.security === USER_AUTH;

/**
 * Registers a handler on a declared route. Authentication follows the declaration (a route that
 * documents the user security scheme gets `requireAuth`), so the document cannot disagree with
 * what the API enforces; authorisation (roles, ownership) is the services' business.
 */
export function handle<const R extends ApiRoute>(
  router: Router,
  route: R,
  handler: RouteHandler<R, AppEnv>,
): void {
  router.openapi(createRoute({ ...route, middleware: needsUser(route) ? [requireAuth] : [] }), handler);
}

/**
 * JSON that PostgreSQL or the cache already serialised, sent as it is (parsing and re-serialising
 * large pages cost most of their time). The text's shape is the route's declared schema: the one
 * cast that says so lives here.
 */
export function rawJson<T>(c: Context<AppEnv>, text: JsonText<T>, headers: Record<string, string> = {}) {
  return c.body(text, 200, {
    'content-type': 'application/json; charset=utf-8',
    ...headers,
  }) as unknown as ReturnType<typeof c.json<T, 200>>;
}
