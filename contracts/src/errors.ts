import { z } from 'zod';

/** Machine-readable error codes returned in `{ error: { code, message } }`. */
export const ErrorCode = z.enum([
  'bad_request',
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unauthorized',
  'invalid_credentials',
  'token_expired',
  'token_reused',
  'forbidden',
  'account_disabled',
  'signup_closed',
  'invite_required',
  'not_found',
  'conflict',
  /** POST /downloads: another user is already downloading this release (whose is not said). */
  'already_downloading',
  /** POST /downloads: the release is refused for this title (it stalled or failed before). */
  'blocklisted',
  /** A change the resource's current state does not allow (pausing a completed download…). */
  'invalid_state',
  'rate_limited',
  'not_configured',
  'dependency_unavailable',
  'upstream_error',
  'upstream_rate_limited',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    /** Field-level details for validation errors. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
