import type { ApiRoute } from '@sokoul/contracts';
import * as contracts from '@sokoul/contracts';
import type { z } from 'zod';

/**
 * Every answer the integration tests receive is checked against the route data the OpenAPI
 * document is generated from: the status must be declared for that route, and a JSON body must
 * validate against the declared schema. A route the tests reach that is not declared is left to
 * the coverage test (tests/openapi.test.ts).
 */
interface Known {
  route: ApiRoute;
  pattern: RegExp;
  params: number;
}

const isRoute = (value: unknown): value is ApiRoute =>
  typeof value === 'object' &&
  value !== null &&
  'method' in value &&
  'path' in value &&
  'responses' in value &&
  typeof value.path === 'string';

/** All declared routes: every exported object of contracts whose values are routes. */
export const DECLARED: ApiRoute[] = Object.values(contracts).flatMap((value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.values(value).filter(isRoute)
    : [],
);

const KNOWN: Known[] = DECLARED.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  params: (route.path.match(/\{/g) ?? []).length,
}))
  // Static segments win over parameters (`/search/profiles` before `/search/{mediaId}`).
  .sort((a, b) => a.params - b.params);

export function declaredRoute(method: string, path: string): ApiRoute | undefined {
  const pathname = new URL(path, 'http://x').pathname;
  return KNOWN.find((k) => k.route.method === method.toLowerCase() && k.pattern.test(pathname))?.route;
}

/** Why an answer breaks its route's declaration, or null when it conforms. */
export function nonConformance(
  method: string,
  path: string,
  status: number,
  contentType: string,
  body: unknown,
): string | null {
  const route = declaredRoute(method, path);
  if (!route) return null;
  const declared = route.responses[String(status)] as
    | { content?: Record<string, { schema?: z.ZodType }> }
    | undefined;
  const where = `${method} ${path} → ${status}`;
  if (!declared) return `${where}: status not declared for ${route.method.toUpperCase()} ${route.path}`;
  const schema = declared.content?.['application/json']?.schema;
  if (!schema) return null;
  if (!contentType.includes('json')) return `${where}: declared JSON, answered ${contentType || 'no body'}`;
  const parsed = schema.safeParse(body);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  return `${where}: body does not match the declared schema (${issue?.path.join('.')}: ${issue?.message})`;
}
