import { Counter } from 'prom-client';
import { increment, registry } from '../http/metrics.js';
import { boundedCache } from './bounded-cache.js';
import type { Cache } from './cache.js';
import { UpstreamFailure } from './upstream.js';

/** How long an answer is fresh, and how much longer it may still be served while it is refreshed. */
export interface SwrPolicy {
  freshSeconds: number;
  staleSeconds: number;
}

export type SwrState = 'hit' | 'miss' | 'stale';

const cacheLookups = new Counter({
  name: 'sokoul_swr_cache_total',
  help: 'Cached upstream answers served, by namespace and state (hit, stale, miss, error).',
  labelNames: ['namespace', 'state'] as const,
  registers: [registry],
});

/** How long waiters poll for the answer the lock holder is fetching. */
const POLL_MS = 20;
/** Failures are remembered briefly: long enough to answer the requests waiting on the same key. */
const FAILURE_SECONDS = { not_found: 300, rate_limited: 2, unavailable: 2 } as const;
/** Per-isolate copies of fresh answers, so hot keys skip the shared cache. */
const LOCAL_MAX_AGE_MS = 5000;
const local = boundedCache<string, string>({ max: 1000 });

/** Kept at most 5 s, and never past the answer's own freshness. */
function remember(key: string, body: string, freshUntil: number): void {
  const ttl = Math.min(freshUntil - Date.now(), LOCAL_MAX_AGE_MS);
  if (ttl > 0) local.set(key, body, { ttl });
}

/**
 * A stored entry is `<fresh-until ms>\n<JSON body>`, or `<until>\n!<failure JSON>`: the timestamp is
 * read without parsing the body, and the body goes to the client as stored.
 */
type Entry =
  | { kind: 'body'; freshUntil: number; body: string }
  | { kind: 'failure'; until: number; failure: UpstreamFailure };

function decode(raw: string | null): Entry | null {
  if (raw === null) return null;
  const newline = raw.indexOf('\n');
  const until = Number(raw.slice(0, newline));
  if (newline < 0 || !Number.isFinite(until)) return null;
  if (raw[newline + 1] !== '!') return { kind: 'body', freshUntil: until, body: raw.slice(newline + 1) };
  try {
    const f = JSON.parse(raw.slice(newline + 2)) as {
      kind: UpstreamFailure['kind'];
      message: string;
      retry?: number;
    };
    return { kind: 'failure', until, failure: new UpstreamFailure(f.kind, f.message, f.retry) };
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SwrOptions {
  cache: Cache;
  /** Label for metrics and logs ("tmdb"). */
  namespace: string;
  /** Keeps background refreshes alive after the response is sent (ExecutionContext.waitUntil). */
  defer: (work: Promise<unknown>) => void;
  /** Upper bound of one load; waiters give up after it. */
  loadTimeoutMs: number;
  onRefreshError?: (error: unknown) => void;
}

/**
 * Stale-while-revalidate over the shared cache: fresh answers are served as is; stale ones are
 * served at once and refreshed in the background; misses take a lock in the shared cache so that
 * one request loads while identical ones wait for its answer (one upstream call across requests,
 * isolates and instances).
 */
export function createSwr(options: SwrOptions) {
  const { cache, namespace } = options;
  const lockSeconds = Math.ceil(options.loadTimeoutMs / 1000) + 2;

  async function store(key: string, body: string, policy: SwrPolicy): Promise<void> {
    const freshUntil = Date.now() + policy.freshSeconds * 1000;
    await cache.set(key, `${freshUntil}\n${body}`, policy.freshSeconds + policy.staleSeconds);
    remember(key, body, freshUntil);
  }

  async function storeFailure(key: string, failure: UpstreamFailure): Promise<void> {
    const seconds = failure.retryAfterSeconds ?? FAILURE_SECONDS[failure.kind];
    const payload = JSON.stringify({
      kind: failure.kind,
      message: failure.message,
      retry: failure.retryAfterSeconds,
    });
    await cache.set(key, `${Date.now() + seconds * 1000}\n!${payload}`, seconds);
  }

  async function refresh(key: string, policy: SwrPolicy, load: () => Promise<unknown>): Promise<void> {
    if (!(await cache.add(`${key}:lock`, '1', lockSeconds))) return;
    try {
      await store(key, JSON.stringify(await load()), policy);
    } catch (error) {
      // The stale copy stays until its own expiry: an upstream failure never blanks the cache.
      options.onRefreshError?.(error);
    } finally {
      await cache.delete(`${key}:lock`);
    }
  }

  async function loadOnce(key: string, policy: SwrPolicy, load: () => Promise<unknown>): Promise<string> {
    const deadline = Date.now() + options.loadTimeoutMs + 1000;
    for (;;) {
      if (await cache.add(`${key}:lock`, '1', lockSeconds)) {
        // The answer goes out as soon as it is here; storing it and unlocking happen after.
        const settle = (write: () => Promise<void>) =>
          options.defer(write().finally(() => cache.delete(`${key}:lock`)));
        // The holder before may have stored the answer and unlocked between this waiter's last
        // look and its taking the lock: look again before asking upstream a second time.
        const stored = decode(await cache.get(key));
        if (stored) {
          options.defer(cache.delete(`${key}:lock`));
          if (stored.kind === 'failure') throw stored.failure;
          return stored.body;
        }
        try {
          const body = JSON.stringify(await load());
          remember(key, body, Date.now() + policy.freshSeconds * 1000);
          settle(() => store(key, body, policy));
          return body;
        } catch (error) {
          settle(async () => {
            if (error instanceof UpstreamFailure) await storeFailure(key, error);
          });
          throw error;
        }
      }
      await sleep(POLL_MS);
      const entry = decode(await cache.get(key));
      if (entry?.kind === 'body') return entry.body;
      if (entry?.kind === 'failure') throw entry.failure;
      if (Date.now() > deadline)
        throw new UpstreamFailure('unavailable', 'Timed out waiting for the upstream answer');
    }
  }

  return {
    async get(
      key: string,
      policy: SwrPolicy,
      load: () => Promise<unknown>,
    ): Promise<{ body: string; state: SwrState }> {
      const now = Date.now();
      const mine = local.get(key);
      if (mine !== undefined) {
        increment(cacheLookups, namespace, 'hit');
        return { body: mine, state: 'hit' };
      }
      const entry = decode(await cache.get(key));
      if (entry?.kind === 'body') {
        if (entry.freshUntil > now) {
          remember(key, entry.body, entry.freshUntil);
          increment(cacheLookups, namespace, 'hit');
          return { body: entry.body, state: 'hit' };
        }
        options.defer(refresh(key, policy, load));
        increment(cacheLookups, namespace, 'stale');
        return { body: entry.body, state: 'stale' };
      }
      if (entry?.kind === 'failure' && entry.until > now) {
        increment(cacheLookups, namespace, 'error');
        throw entry.failure;
      }
      try {
        const body = await loadOnce(key, policy, load);
        increment(cacheLookups, namespace, 'miss');
        return { body, state: 'miss' };
      } catch (error) {
        increment(cacheLookups, namespace, 'error');
        throw error;
      }
    },
  };
}
