import { MediaType } from '@sokoul/contracts';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../context.js';
import { ApiError, validationError } from './errors.js';

/** Reads and validates a JSON body: bad JSON and schema failures are 400s with a clear message. */
export async function readJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new ApiError(415, 'bad_request', 'Expected a JSON body (Content-Type: application/json)');
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
  }
  const result = schema.safeParse(body);
  if (!result.success) throw validationError(result.error, 'body');
  return result.data;
}

export function readQuery<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.infer<S> {
  const result = schema.safeParse(c.req.query());
  if (!result.success) throw validationError(result.error, 'query');
  return result.data;
}

const Uuid = z.uuid();

/** Path ids are UUIDs; anything else can never match a row, so it is a 404 like a missing one. */
export function readId(c: Context<AppEnv>, name: string, what: string): string {
  const value = c.req.param(name);
  if (!value || !Uuid.safeParse(value).success) throw new ApiError(404, 'not_found', `${what} not found`);
  return value;
}

/** A TMDB id in the path: a positive integer, else a 400 naming the parameter. */
export function readTmdbId(c: Context<AppEnv>, name: string): number {
  const value = c.req.param(name) ?? '';
  if (!/^\d{1,9}$/.test(value) || Number(value) === 0) {
    throw new ApiError(400, 'validation_failed', `Invalid path: ${name} must be a positive TMDB id`);
  }
  return Number(value);
}

/** `movie` or `tv` in the path. */
export function readMediaType(c: Context<AppEnv>, name = 'type'): MediaType {
  const parsed = MediaType.safeParse(c.req.param(name));
  if (!parsed.success)
    throw new ApiError(400, 'validation_failed', `Invalid path: ${name} must be movie or tv`);
  return parsed.data;
}
