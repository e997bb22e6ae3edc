import { parseRetryAfter } from '@sokoul/contracts';
import type { Logger } from '@sokoul/durable-objects';
import { Counter, Histogram } from 'prom-client';
import { increment, registry } from '../http/metrics.js';
import type { Cache } from '../infra/cache.js';
import { UpstreamFailure } from '../infra/upstream.js';

export type TmdbParams = Record<string, string | number | undefined>;

export interface TmdbClient {
  get(path: string, params: TmdbParams): Promise<unknown>;
}

const upstreamCalls = new Counter({
  name: 'sokoul_tmdb_requests_total',
  help: 'Calls to the TMDB API, by outcome (ok, not_found, rate_limited, error, timeout).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const upstreamDuration = new Histogram({
  name: 'sokoul_tmdb_request_duration_seconds',
  help: 'Duration of calls to the TMDB API.',
  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** Shared by every request and instance: after a 429 nobody calls TMDB until Retry-After passes. */
const BACKOFF_KEY = 'tmdb:backoff';
const DEFAULT_RETRY_AFTER = 10;

/** A v3 key is 32 hex characters and goes in the query; anything else is a v4 read token (Bearer). */
const isV3Key = (key: string) => /^[0-9a-f]{32}$/i.test(key);

export function createTmdbClient(options: {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  cache: Cache;
  log: Logger;
}): TmdbClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const v3 = isV3Key(options.apiKey);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (!v3) headers.authorization = `Bearer ${options.apiKey}`;

  async function fail(outcome: string, failure: UpstreamFailure): Promise<never> {
    increment(upstreamCalls, outcome);
    throw failure;
  }

  return {
    async get(path, params) {
      const backoff = await options.cache.ttl(BACKOFF_KEY);
      if (backoff > 0) {
        return fail(
          'rate_limited',
          new UpstreamFailure('rate_limited', 'TMDB asked us to slow down; try again shortly', backoff),
        );
      }
      const url = new URL(`${base}${path}`);
      for (const [name, value] of Object.entries(params)) {
        if (value !== undefined) url.searchParams.set(name, String(value));
      }
      if (v3) url.searchParams.set('api_key', options.apiKey);

      const started = Date.now();
      let response: Response;
      try {
        response = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        options.log.warn('tmdb request failed', { path, error: String(error) });
        return fail(
          timedOut ? 'timeout' : 'error',
          new UpstreamFailure(
            'unavailable',
            timedOut ? `TMDB did not answer within ${options.timeoutMs} ms` : 'TMDB could not be reached',
          ),
        );
      } finally {
        upstreamDuration.observe((Date.now() - started) / 1000);
      }

      if (response.status === 429) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
        const seconds = retryAfter ? Math.min(retryAfter, 3600) : DEFAULT_RETRY_AFTER;
        await options.cache.set(BACKOFF_KEY, '1', seconds);
        options.log.warn('tmdb rate limit', { path, retryAfter: seconds });
        return fail(
          'rate_limited',
          new UpstreamFailure('rate_limited', 'TMDB asked us to slow down; try again shortly', seconds),
        );
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return fail('not_found', new UpstreamFailure('not_found', 'TMDB has no such title'));
      }
      if (!response.ok) {
        await response.body?.cancel();
        options.log.warn('tmdb error status', { path, status: response.status });
        const message =
          response.status === 401
            ? 'TMDB rejected the API key (check TMDB_API_KEY)'
            : `TMDB answered with HTTP ${response.status}`;
        return fail('error', new UpstreamFailure('unavailable', message));
      }
      try {
        const data: unknown = await response.json();
        increment(upstreamCalls, 'ok');
        return data;
      } catch {
        return fail('error', new UpstreamFailure('unavailable', 'TMDB sent a malformed answer'));
      }
    },
  };
}
