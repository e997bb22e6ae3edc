import type { ErrorBody, ErrorCode } from '@sokoul/contracts';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import type { AppEnv } from '../context.js';
import { ApiError, validationError } from '../errors.js';

export function errorResponse(c: Context<AppEnv>, error: ApiError): Response {
  const body: ErrorBody = {
    error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) },
  };
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(body, error.status);
}

/** Hono's own refusals (body limit, media type gate, unreadable JSON) in the API's error shape. */
function fromHttpException(error: HTTPException): ApiError {
  const status = error.status as ContentfulStatusCode;
  if (status === 415) {
    return new ApiError(415, 'bad_request', 'Expected a JSON body (Content-Type: application/json)');
  }
  if (status === 400 && /json/i.test(error.message)) {
    return new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
  }
  const code: ErrorCode =
    status === 413 ? 'payload_too_large' : status === 401 ? 'unauthorized' : 'bad_request';
  return new ApiError(status, code, error.message || code);
}

export function handleError(error: unknown, c: Context<AppEnv>): Response {
  if (error instanceof ApiError) return errorResponse(c, error);
  if (error instanceof ZodError) return errorResponse(c, validationError(error, 'input'));
  if (error instanceof HTTPException) return errorResponse(c, fromHttpException(error));
  c.var.log?.error('unhandled error', {
    error: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
  return errorResponse(c, new ApiError(500, 'internal', 'Something went wrong on our side'));
}
