import { request as httpRequest } from 'node:http';
import { type ApiRoute, ErrorBody, type Media, USER_AUTH } from '@sokoul/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { adminSession, api, memberSession, stack } from './helpers/api.js';
import { DECLARED } from './helpers/conformance.js';
import { prng } from './helpers/random.js';

/**
 * Malformed input derived from every declared route (tests/helpers/conformance.ts's DECLARED: the
 * method, path and zod schemas of params, query and body): wrong types, missing and extra fields,
 * NUL bytes, lone surrogates, out-of-range numbers, huge strings, bad cursors, path tricks,
 * wrong content types and malformed JSON, as an authenticated member (and without credentials).
 * Seeded and bounded: the same requests every run.
 *
 * Acceptable answers: any 2xx, 3xx or 4xx, every 4xx in the API's JSON error shape. No 5xx, with
 * one documented exception: GET /health answers 503 with its report when a dependency is down
 * (that is its answer, not an error). The shared stack has every dependency configured (a fake
 * TMDB, a fake Jackett), so no 503 `not_configured` is expected either.
 */

const SEED = 20260601;
/** Mutations drawn per route and input part; path tricks and transport cases come on top. */
const PER_PART = 25;

const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

// ---- valid samples from the schemas (their JSON Schema, as the OpenAPI document has them) ----

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: Json[];
  const?: Json;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  default?: Json;
  additionalProperties?: boolean | JsonSchema;
}

const jsonSchemaOf = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

const PATTERN_CANDIDATES = ['fr-FR', 'FR', 'fr', '603', '1', '0:0:q:p', 'movie'];
const TAG = `fuzz-${SEED}`;

function sample(schema: JsonSchema): Json {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0] ?? null;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return sample(alternatives.find((s) => s.type !== 'null') ?? alternatives[0] ?? {});
  if (schema.allOf?.[0]) return sample(schema.allOf[0]);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, Json> = {};
      for (const key of schema.required ?? []) out[key] = sample(schema.properties?.[key] ?? {});
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items ?? {}));
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
      return Math.min(Math.max(low, 1874 <= low ? low : 1), schema.maximum ?? Number.MAX_SAFE_INTEGER);
    }
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'string': {
      if (schema.format === 'uuid') return '00000000-0000-4000-8000-0000000000f2';
      if (schema.format === 'email') return `${TAG}@example.test`;
      if (schema.format === 'uri') return 'https://indexer.example.org/api';
      if (schema.format === 'date-time') return new Date(Date.now() - 60_000).toISOString();
      if (schema.pattern) {
        const pattern = new RegExp(schema.pattern);
        return PATTERN_CANDIDATES.find((c) => pattern.test(c)) ?? 'x';
      }
      const text = `${TAG} value`;
      return text.padEnd(schema.minLength ?? 0, 'x').slice(0, schema.maxLength ?? text.length);
    }
    default:
      return 'x';
  }
}

// ---- malformed values ----

const BAD_CURSORS = [
  'WyJub3QtYS1kYXRlIiwiMDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAwIl0',
  Buffer.from(JSON.stringify(['2024-01-01T00:00:00Z', '-'.repeat(36)])).toString('base64url'),
  Buffer.from(JSON.stringify([{}, '00000000-0000-4000-8000-000000000000'])).toString('base64url'),
  Buffer.from('[1e400,"00000000-0000-4000-8000-000000000000"]').toString('base64url'),
  Buffer.from(JSON.stringify(['2024-02-30T00:00:00Z', '00000000-0000-4000-8000-000000000000'])).toString(
    'base64url',
  ),
  '!!!',
  'A'.repeat(10_000),
];

/** Values of the wrong type or outside every column's range, for a JSON field (drawn at random). */
const BAD_JSON_VALUES: Json[] = [
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  'x'.repeat(100_000),
  '',
  ' ',
  2_147_483_648,
  -2_147_483_649,
  1e308,
  -1,
  0,
  1.5,
  Number.MAX_SAFE_INTEGER + 2,
  true,
  null,
  [],
  [null],
  {},
  { nested: { deeper: ['x'] } },
  '00000000-0000-0000-0000-000000000000',
  '-'.repeat(36),
  '../../etc/passwd',
  '0000-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  'http://2130706433/',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
];

/** Tried on every body field, whatever the draw: what most often reached PostgreSQL before. */
const CORE_JSON_VALUES: Json[] = ['a\u0000b', '\ud800', 2_147_483_648, { wrong: 'type' }];

/** The same for a query string or path segment (already URL-encoded). */
const BAD_QUERY_VALUES = [
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%FF%FE',
  '99999999999999999999',
  '2147483648',
  '-2147483649',
  '1e400',
  '-1',
  '0',
  '1.5',
  'NaN',
  'Infinity',
  '',
  '%20',
  'x'.repeat(5000),
  'true',
  '%5B%5D',
  '..%2F..%2Fetc',
  '%27%20OR%201%3D1--',
  ...BAD_CURSORS,
];

const PATH_TRICKS = [
  '..',
  '%2e%2e',
  '.%2e',
  '%2F',
  'a%2Fb',
  '%00',
  'not-a-uuid',
  '00000000-0000-4000-8000-00000000000g',
  '-'.repeat(36),
  `00000000-0000-4000-8000-000000000000${'0'.repeat(5000)}`,
  '99999999999999999999',
  '-1',
  '0',
  '%E2%80%AE',
  '%ED%A0%80',
  'movie%00',
];

// ---- requests ----

interface Case {
  route: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  authenticated: boolean;
  /** Who sends it: the member, or the admin (values meant to be refused, on routes that change things). */
  as?: 'member' | 'admin';
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** A raw request: no URL normalisation (`..` and encoded slashes reach the server as written). */
function send(c: Case, tokens: { member: string; admin: string }): Promise<Answer> {
  const token = tokens[c.as ?? 'member'];
  const base = new URL(stack().url);
  const headers: Record<string, string> = { ...c.headers };
  if (c.authenticated && token) headers.authorization = `Bearer ${token}`;
  if (c.body !== undefined) headers['content-length'] = String(Buffer.byteLength(c.body));
  // A body above the limit is refused before it is read, and workerd then resets the connection
  // while the client still writes (EPIPE, sometimes losing the 413). Large bodies are offered the
  // way curl does it: `Expect: 100-continue`, the body written only if the server asks for it.
  const offered = c.body !== undefined && Buffer.byteLength(c.body) > 64 * 1024;
  if (offered) headers.expect = '100-continue';
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: c.method,
        path: c.path,
        headers,
        // Public auth routes are throttled per address: the fuzz run sends from an address of its own.
        localAddress: '127.0.0.9',
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          });
          // Answered without asking for the body: this request is over.
          if (offered && !req.writableEnded) req.destroy();
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out: ${c.method} ${c.path}`)));
    req.on('error', reject);
    if (offered) req.on('continue', () => req.end(c.body));
    else req.end(c.body);
  });
}

const part = (route: ApiRoute, name: 'params' | 'query') =>
  (route.request as Record<string, z.ZodType | undefined> | undefined)?.[name];
const bodySchema = (route: ApiRoute) =>
  (route.request?.body as { content?: Record<string, { schema?: z.ZodType }> } | undefined)?.content?.[
    'application/json'
  ]?.schema;

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);
/** Routes whose upgrade or content is not JSON: reached, but with the checks that apply to them. */
const SKIPPED = new Set(['GET /ws']);

function buildPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => params[name] ?? 'x');
}

const encodeQuery = (query: Record<string, string>) =>
  Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${v}`)
    .join('&');

function casesFor(route: ApiRoute): Case[] {
  const method = route.method.toUpperCase();
  const name = `${method} ${route.path}`;
  const authenticated = route.security === USER_AUTH;
  const paramsSchema = part(route, 'params');
  const querySchema = part(route, 'query');
  const body = bodySchema(route);
  const paramSample = paramsSchema ? (sample(jsonSchemaOf(paramsSchema)) as Record<string, Json>) : {};
  const baseParams = Object.fromEntries(
    Object.entries(paramSample).map(([k, v]) => [k, encodeURIComponent(String(v))]),
  );
  const querySample = querySchema ? (sample(jsonSchemaOf(querySchema)) as Record<string, Json>) : {};
  const baseQuery = Object.fromEntries(
    Object.entries(querySample).map(([k, v]) => [k, encodeURIComponent(String(v))]),
  );
  const bodyJson = body ? jsonSchemaOf(body) : null;
  const baseBody = bodyJson ? sample(bodyJson) : null;
  const jsonHeaders = { 'content-type': 'application/json' };
  const cases: Case[] = [];
  const add = (c: Omit<Case, 'route' | 'authenticated' | 'method'> & { authenticated?: boolean }) =>
    cases.push({ route: name, method, authenticated: c.authenticated ?? authenticated, ...c });
  const url = (params = baseParams, query = baseQuery) => {
    const q = encodeQuery(query);
    return `${buildPath(route.path, params)}${q ? `?${q}` : ''}`;
  };
  /** A mutation the route's own schema would accept is valid input: sent only to routes that read. */
  const stillValid = (schema: z.ZodType | undefined, value: unknown) =>
    MUTATING.has(route.method) && schema?.safeParse(value).success === true;

  // Path tricks on every parameter.
  for (const key of Object.keys(baseParams)) {
    for (let i = 0; i < 4; i++)
      add({ path: url({ ...baseParams, [key]: pick(PATH_TRICKS) }), headers: jsonHeaders });
  }
  // Query: wrong values, unknown and repeated parameters.
  const queryKeys = Object.keys(jsonSchemaOf(querySchema ?? z.object({})).properties ?? {});
  for (const key of queryKeys) {
    for (const value of key === 'cursor'
      ? BAD_CURSORS.slice(0, 3)
      : ['a%00b', '2147483648', '99999999999999999999'])
      add({ path: url(baseParams, { ...baseQuery, [key]: value }), headers: {} });
  }
  for (let i = 0; querySchema && i < PER_PART; i++) {
    const key = pick(queryKeys);
    if (key === undefined) break;
    const value = key === 'cursor' ? pick(BAD_CURSORS) : pick(BAD_QUERY_VALUES);
    add({ path: url(baseParams, { ...baseQuery, [key]: value }), headers: {} });
  }
  if (querySchema) {
    add({
      path: `${url()}${Object.keys(baseQuery).length ? '&' : '?'}unknown=%00&${queryKeys[0] ?? 'x'}=1&${queryKeys[0] ?? 'x'}=2`,
      headers: {},
    });
  }
  // Bodies: transport-level faults, then field mutations.
  if (bodyJson) {
    const path = url();
    for (const text of [
      '{"a":',
      '[',
      'nul',
      '\u0000',
      '{"a":1}}',
      '{"a":"\\ud800',
      `${'['.repeat(2000)}${']'.repeat(2000)}`,
    ])
      add({ path, headers: jsonHeaders, body: text });
    for (const value of [42, 'text', null, [], true])
      add({ path, headers: jsonHeaders, body: JSON.stringify(value) });
    add({ path, headers: { 'content-type': 'text/plain' }, body: JSON.stringify(baseBody) });
    add({ path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=2' });
    add({ path, headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x\r\n\r\n--x--' });
    add({ path, headers: {}, body: JSON.stringify(baseBody) });
    add({ path, headers: jsonHeaders, body: JSON.stringify({ pad: 'x'.repeat(1_100_000) }) });
    // A union body (a title by TMDB id or by hand…): every alternative, with its own fields.
    const variants = (bodyJson.anyOf ?? bodyJson.oneOf ?? [bodyJson]).filter((v) => v.properties);
    // The values meant to be refused are sent whatever the schema says: a schema that accepts them
    // is the bug this looks for.
    for (const variant of variants) {
      const variantBase = sample(variant) as Record<string, Json>;
      for (const field of Object.keys(variant.properties ?? {}))
        for (const value of CORE_JSON_VALUES) {
          const text = JSON.stringify({ ...variantBase, [field]: value });
          add({ path, headers: jsonHeaders, body: text });
          // Admin-only changes (files, indexers, profiles…) would stop at 403 for the member.
          if (authenticated && MUTATING.has(route.method))
            add({ path, headers: jsonHeaders, body: text, as: 'admin' });
        }
    }
    const chosen = pick(variants.length ? variants : [bodyJson]);
    const fields = Object.keys(chosen.properties ?? {});
    const chosenBase = sample(chosen);
    const base = (
      chosenBase && typeof chosenBase === 'object' && !Array.isArray(chosenBase) ? chosenBase : {}
    ) as Record<string, Json>;
    let drawn = 0;
    for (let attempt = 0; drawn < PER_PART && attempt < PER_PART * 5; attempt++) {
      const mutated: Record<string, Json> = { ...base };
      const roll = random();
      if (roll < 0.15 && fields.length) delete mutated[pick(fields)];
      else if (roll < 0.25) mutated[`extra_${attempt}`] = pick(BAD_JSON_VALUES);
      else if (fields.length) mutated[pick(fields)] = pick(BAD_JSON_VALUES);
      else mutated.unexpected = pick(BAD_JSON_VALUES);
      if (stillValid(body, mutated)) continue;
      drawn++;
      add({ path, headers: jsonHeaders, body: JSON.stringify(mutated) });
    }
  } else if (MUTATING.has(route.method)) {
    // No body expected: an unexpected one must not hurt either.
    add({ path: url(), headers: { 'content-type': 'application/json' }, body: '{"x":"\\u0000"}' });
  }
  // Without credentials: public routes answer, the others 401.
  add({
    path: url(),
    headers: bodyJson ? jsonHeaders : {},
    body: bodyJson ? '{}' : undefined,
    authenticated: false,
  });
  add({
    path: url(),
    headers: { authorization: pick(['Bearer x', 'Basic Zm9vOmJhcg==', 'Bearer '.padEnd(9000, 'a')]) },
    authenticated: false,
  });
  return cases;
}

// ---- the run ----

let member: string;
let admin: string;
const createdMedia: string[] = [];

beforeAll(async () => {
  member = (await memberSession('fuzz')).accessToken;
  admin = (await adminSession()).accessToken;
});
afterAll(async () => {
  // Titles a member may create (a valid variant of a GET-style input never creates any; this only
  // catches what slipped through): the shared stack's media list stays as other tests expect it.
  for (const id of createdMedia) await api('DELETE', `/media/${id}`, { token: admin });
});

describe('fuzzing every declared route', () => {
  it('never answers 5xx, and every 4xx is a JSON error', async () => {
    const routes = DECLARED.filter((r) => !SKIPPED.has(`${r.method.toUpperCase()} ${r.path}`));
    const cases = routes.flatMap(casesFor);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let fiveHundreds = 0;
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < cases.length) {
          const c = cases[next++] as Case;
          let answer: Answer;
          try {
            answer = await send(c, { member, admin });
          } catch (error) {
            failures.push(`${c.method} ${c.path.slice(0, 120)}: ${(error as Error).message}`);
            continue;
          }
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const where = `${c.route} ← ${c.as === 'admin' ? 'admin ' : ''}${c.method} ${c.path.slice(0, 160)}${c.body ? ` ${c.body.slice(0, 80)}` : ''}`;
          if (answer.status >= 500) {
            const documented = c.route === 'GET /health' && answer.status === 503;
            if (!documented) {
              fiveHundreds++;
              failures.push(`${answer.status} ${where}: ${answer.text.slice(0, 200)}`);
            }
          } else if (answer.status >= 400) {
            let body: unknown;
            try {
              body = JSON.parse(answer.text);
            } catch {
              body = undefined;
            }
            if (!answer.contentType.includes('json') || !ErrorBody.safeParse(body).success)
              failures.push(`${answer.status} not a JSON error: ${where}: ${answer.text.slice(0, 120)}`);
          } else if (c.method === 'POST' && c.route === 'POST /media' && answer.status === 201) {
            createdMedia.push((JSON.parse(answer.text) as Media).id);
          }
        }
      }),
    );
    const summary = {
      routes: routes.length,
      requests: cases.length,
      fiveHundreds,
      statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    console.log(`fuzz: ${JSON.stringify(summary)}`);
    expect(failures).toEqual([]);
    expect(fiveHundreds).toBe(0);
    expect(cases.length).toBeGreaterThan(500);
  }, 120_000);
});
