import type { RouteConfig } from '@hono/zod-openapi';
import { z } from 'zod';
import { ErrorBody } from './errors.js';

/**
 * The HTTP surface as data. Every route of the API is one of these objects (method, path, auth,
 * inputs and every response with its schema): the API registers handlers on them, the OpenAPI
 * document is generated from them, and the web app's client is typed by them. Only the type of
 * `@hono/zod-openapi` is used here, so the web bundle carries none of it.
 */
export type ApiRoute = RouteConfig;

/** Security requirements, as OpenAPI writes them: a bearer token or a personal API key. */
export const USER_AUTH = [{ bearer: [] }, { apiKey: [] }] as const satisfies RouteConfig['security'];
export const PUBLIC = [] as const satisfies RouteConfig['security'];

/** Declares a route, keeping its literal type for the handler and the client. */
export const route = <const R extends ApiRoute>(config: R): R => config;

export const jsonContent = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <S extends z.ZodType>(schema: S) => ({
  required: true,
  content: { 'application/json': { schema } },
});

const ERROR_TEXT = {
  400: 'Invalid input: `validation_failed` or `invalid_json`, with the fields at fault',
  401: 'Missing, invalid or expired credentials',
  403: 'Not allowed for this account',
  404: 'Not found (a malformed id is a 404 too)',
  409: 'Conflicts with the current state',
  413: 'The body is too large',
  415: 'The body is not JSON',
  429: 'Too many attempts; `Retry-After` says when to try again',
  502: 'An upstream service answered badly',
  503: 'A dependency is unavailable or not configured; `Retry-After` when known',
} as const;
export type ErrorStatus = keyof typeof ERROR_TEXT;

/** The `{ error: { code, message } }` answers a route can give. */
export function errors<const S extends readonly ErrorStatus[]>(
  ...statuses: S
): { [K in S[number]]: ReturnType<typeof jsonContent<typeof ErrorBody>> } {
  return Object.fromEntries(statuses.map((s) => [s, jsonContent(ErrorBody, ERROR_TEXT[s])])) as {
    [K in S[number]]: ReturnType<typeof jsonContent<typeof ErrorBody>>;
  };
}

/** Errors every authenticated route can answer. */
export const AUTH_ERRORS = [401, 403] as const;
/** Errors every route with a JSON body can answer. */
export const BODY_ERRORS = [400, 413, 415] as const;

export const noContent = (description: string) => ({ description });

/**
 * A UUID in the path. A malformed one can never match a row, so it answers 404 like a missing
 * one: the API's validation hook turns this schema's failure into `not_found` with this message.
 */
export const idParam = (what: string) =>
  z.uuid({ error: `${what} not found` }).meta({ description: `${what} id (UUID)` });

/** A TMDB id in the path: a positive integer. */
export const TmdbIdParam = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a positive TMDB id')
  .transform(Number)
  .refine((n) => n > 0, 'must be a positive TMDB id')
  .meta({ description: 'TMDB id', example: '603' });

/** A season number in the path. */
export const SeasonNumberParam = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a season number')
  .transform(Number)
  .meta({ description: 'Season number (0 for specials)', example: '1' });

export const MediaTypeParam = z.enum(['movie', 'tv'], { error: 'must be movie or tv' });

/** JSON text of a known shape (pages PostgreSQL serialised, cached answers), sent as it is. */
export type JsonText<T> = string & { readonly __json?: T };

/** What a route's handler receives, read from its declaration. */
type Schema<T> = T extends { content: { 'application/json': { schema: infer S } } } ? S : never;
type Part<R, K extends string> = R extends { request: Record<K, infer S> } ? S : never;

export type RouteParams<R extends ApiRoute> = z.input<Part<R, 'params'> & z.ZodType>;
export type RouteQuery<R extends ApiRoute> = z.input<Part<R, 'query'> & z.ZodType>;
export type RouteBody<R extends ApiRoute> = z.input<Schema<Part<R, 'body'>> & z.ZodType>;

type SuccessStatus = 200 | 201 | 202 | 204;
type SuccessOf<R extends ApiRoute> = Extract<keyof R['responses'], SuccessStatus>;
/** The JSON a route answers on success (undefined for 204). */
export type RouteOutput<R extends ApiRoute> = {
  [S in SuccessOf<R>]: Schema<R['responses'][S]> extends never
    ? undefined
    : z.output<Schema<R['responses'][S]> & z.ZodType>;
}[SuccessOf<R>];
