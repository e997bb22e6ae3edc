import type { ErrorBody, ErrorCode } from '@sokoul/contracts';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import type { AppEnv } from '../context.js';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const unauthorized = (message = 'Authentication required') =>
  new ApiError(401, 'unauthorized', message);
export const forbidden = (message = 'You are not allowed to do this') =>
  new ApiError(403, 'forbidden', message);
export const unavailable = (what: string) =>
  new ApiError(503, 'dependency_unavailable', `${what} is unavailable, try again shortly`);

export function validationError(error: ZodError, where: string): ApiError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || where,
    message: issue.message,
  }));
  const first = issues[0];
  return new ApiError(
    400,
    'validation_failed',
    first ? `Invalid ${where}: ${first.path} ${first.message}` : `Invalid ${where}`,
    {},
    issues,
  );
}

export function errorResponse(c: Context<AppEnv>, error: ApiError): Response {
  const body: ErrorBody = {
    error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) },
  };
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(body, error.status);
}

export function handleError(error: unknown, c: Context<AppEnv>): Response {
  if (error instanceof ApiError) return errorResponse(c, error);
  if (error instanceof ZodError) return errorResponse(c, validationError(error, 'input'));
  if (error instanceof HTTPException) {
    const code: ErrorCode =
      error.status === 413 ? 'payload_too_large' : error.status === 401 ? 'unauthorized' : 'bad_request';
    return errorResponse(c, new ApiError(error.status as ContentfulStatusCode, code, error.message || code));
  }
  c.var.log?.error('unhandled error', {
    error: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
  return errorResponse(c, new ApiError(500, 'internal', 'Something went wrong on our side'));
}
