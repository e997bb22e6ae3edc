/** A failure of the upstream service, kept briefly so that waiting requests share it. */
export class UpstreamFailure extends Error {
  constructor(
    readonly kind: 'not_found' | 'rate_limited' | 'unavailable',
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
