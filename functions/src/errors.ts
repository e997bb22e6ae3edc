import type { ErrorCode } from '@sokoul/contracts';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

/**
 * The errors services throw. Kept free of any HTTP context so services, the infrastructure and
 * (later) the Telegram bot share them; `http/errors.ts` turns them into answers.
 */
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
