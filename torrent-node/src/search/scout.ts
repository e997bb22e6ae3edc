import type {
  IndexerCaps,
  IndexerHealth,
  IndexerReport,
  IndexerResult,
  IndexerSearch,
  MergedResult,
} from '@sokoul/contracts';
import { observeIndexerCircuits, observeIndexerQuery } from '../metrics.js';
import { normalizeTitle } from './release.js';
import { fetchCaps, IndexerError, search, type TorznabEndpoint } from './torznab.js';

/*
 * Scout: every indexer at once, each with its own timeout, so a slow or dead one never holds the
 * others back; results are handed over as each indexer answers. Indexers that keep failing are
 * left alone for a while (circuit breaker) and bursts are held to a per-indexer rate.
 */

export interface IndexerPoolOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /** How long an open circuit waits before one trial request; doubles on each reopening. */
  openMs?: number;
  maxOpenMs?: number;
  /** Requests per minute allowed to one indexer, with bursts of a sixth of it. */
  ratePerMinute?: number;
  capsTtlMs?: number;
  now?: () => number;
}

interface State {
  successes: number;
  failures: number;
  consecutiveFailures: number;
  latencies: number[];
  lastError: string | null;
  openUntil: number;
  openMs: number;
  trialInFlight: boolean;
  tokens: number;
  refilledAt: number;
  caps: { value: IndexerCaps; until: number } | null;
}

const LATENCY_WINDOW = 20;

export class IndexerPool {
  readonly #states = new Map<string, State>();
  readonly #options: Required<IndexerPoolOptions>;

  constructor(options: IndexerPoolOptions = {}) {
    this.#options = {
      failureThreshold: options.failureThreshold ?? 3,
      openMs: options.openMs ?? 60_000,
      maxOpenMs: options.maxOpenMs ?? 15 * 60_000,
      ratePerMinute: options.ratePerMinute ?? 60,
      capsTtlMs: options.capsTtlMs ?? 6 * 3600_000,
      now: options.now ?? Date.now,
    };
  }

  #state(name: string): State {
    let state = this.#states.get(name);
    if (!state) {
      state = {
        successes: 0,
        failures: 0,
        consecutiveFailures: 0,
        latencies: [],
        lastError: null,
        openUntil: 0,
        openMs: this.#options.openMs,
        trialInFlight: false,
        tokens: Math.max(1, this.#options.ratePerMinute / 6),
        refilledAt: this.#options.now(),
        caps: null,
      };
      this.#states.set(name, state);
    }
    return state;
  }

  health(): IndexerHealth[] {
    const now = this.#options.now();
    return [...this.#states].map(([indexer, s]) => ({
      indexer,
      state: s.openUntil === 0 ? 'closed' : s.openUntil > now ? 'open' : 'half-open',
      successes: s.successes,
      failures: s.failures,
      consecutiveFailures: s.consecutiveFailures,
      averageLatencyMs: s.latencies.length
        ? Math.round(s.latencies.reduce((a, b) => a + b, 0) / s.latencies.length)
        : null,
      lastError: s.lastError,
      retryAt: s.openUntil > now ? new Date(s.openUntil).toISOString() : null,
    }));
  }

  /** Why this indexer must not be asked now, or null when it may. */
  #refusal(state: State): string | null {
    const now = this.#options.now();
    if (state.openUntil > now) {
      return `left alone after ${state.consecutiveFailures} failures, retried in ${Math.ceil((state.openUntil - now) / 1000)} s`;
    }
    if (state.openUntil !== 0 && state.trialInFlight) return 'a trial request is already under way';
    const capacity = Math.max(1, this.#options.ratePerMinute / 6);
    state.tokens = Math.min(
      capacity,
      state.tokens + ((now - state.refilledAt) / 60_000) * this.#options.ratePerMinute,
    );
    state.refilledAt = now;
    if (state.tokens < 1) return `over ${this.#options.ratePerMinute} requests a minute`;
    state.tokens -= 1;
    if (state.openUntil !== 0) state.trialInFlight = true;
    return null;
  }

  #record(state: State, latencyMs: number, error: IndexerError | null): void {
    state.latencies.push(latencyMs);
    if (state.latencies.length > LATENCY_WINDOW) state.latencies.shift();
    state.trialInFlight = false;
    if (!error) {
      state.successes++;
      state.consecutiveFailures = 0;
      state.openUntil = 0;
      state.openMs = this.#options.openMs;
      return;
    }
    state.failures++;
    state.consecutiveFailures++;
    state.lastError = error.message;
    const now = this.#options.now();
    if (error.kind === 'rate_limited' && error.retryAfterSeconds) {
      state.openUntil = now + error.retryAfterSeconds * 1000;
    } else if (state.consecutiveFailures >= this.#options.failureThreshold) {
      const reopening = state.openUntil !== 0;
      if (reopening) state.openMs = Math.min(this.#options.maxOpenMs, state.openMs * 2);
      state.openUntil = now + state.openMs;
    }
  }

  async #caps(endpoint: TorznabEndpoint, state: State): Promise<IndexerCaps> {
    const now = this.#options.now();
    if (state.caps && state.caps.until > now) return state.caps.value;
    const value = await fetchCaps(endpoint);
    state.caps = { value, until: now + this.#options.capsTtlMs };
    return value;
  }

  /**
   * One indexer, one search, and remembered either way: `skipped` (the breaker or the rate limit
   * refused, with why), `timeout` (cut at its deadline), `failed` (with the reason) or `ok`.
   */
  async query(
    endpoint: TorznabEndpoint,
    request: IndexerSearch,
  ): Promise<{ results: IndexerResult[]; report: IndexerReport }> {
    const state = this.#state(endpoint.name);
    const refusal = this.#refusal(state);
    if (refusal) {
      return {
        results: [],
        report: { indexer: endpoint.name, status: 'skipped', results: 0, latencyMs: 0, error: refusal },
      };
    }
    const started = this.#options.now();
    try {
      // One deadline for caps and search together.
      const deadline = started + endpoint.timeoutMs;
      const caps = await this.#caps(endpoint, state);
      const remaining = Math.max(1, deadline - this.#options.now());
      const results = await search({ ...endpoint, timeoutMs: remaining }, caps, request);
      const latencyMs = this.#options.now() - started;
      this.#record(state, latencyMs, null);
      return {
        results,
        report: { indexer: endpoint.name, status: 'ok', results: results.length, latencyMs, error: null },
      };
    } catch (caught) {
      const error = asIndexerError(caught, endpoint);
      const latencyMs = this.#options.now() - started;
      this.#record(state, latencyMs, error);
      return {
        results: [],
        report: {
          indexer: endpoint.name,
          // Cut at its timeout is not the same as answering badly: the report says which.
          status: error.kind === 'timeout' ? 'timeout' : 'failed',
          results: 0,
          latencyMs,
          error: error.message,
        },
      };
    }
  }
}

/** Any failure as an IndexerError; a deadline reached while reading the answer is a timeout too. */
function asIndexerError(caught: unknown, endpoint: TorznabEndpoint): IndexerError {
  if (caught instanceof IndexerError) return caught;
  if (caught instanceof Error && caught.name === 'TimeoutError') {
    return new IndexerError('timeout', `${endpoint.name} did not answer within ${endpoint.timeoutMs} ms`);
  }
  return new IndexerError('invalid', caught instanceof Error ? caught.message : String(caught));
}

const MB = 1024 * 1024;
const keyOf = (r: IndexerResult) =>
  r.infoHash ?? `${normalizeTitle(r.title)}|${Math.round((r.size ?? 0) / MB)}`;

/** Folds results into the merged list: one entry per release, the best counts, every source. */
export function merge(into: Map<string, MergedResult>, results: IndexerResult[]): void {
  for (const result of results) {
    const key = keyOf(result);
    const known = into.get(key);
    if (!known) {
      into.set(key, { ...result, sources: [result.indexer] });
      continue;
    }
    if (!known.sources.includes(result.indexer)) known.sources.push(result.indexer);
    known.seeders = Math.max(known.seeders ?? 0, result.seeders ?? 0);
    known.peers = Math.max(known.peers ?? 0, result.peers ?? 0);
    known.downloadUrl ??= result.downloadUrl;
    known.magnetUrl ??= result.magnetUrl;
    known.infoHash ??= result.infoHash;
    known.imdbId ??= result.imdbId;
    if (result.downloadVolumeFactor === 0) known.downloadVolumeFactor = 0;
  }
}

/**
 * Every indexer in parallel. `onAnswer` runs as each one answers, with its report and the merged
 * results so far, so the first results reach the user while slow indexers are still working.
 */
export async function scout(
  pool: IndexerPool,
  endpoints: TorznabEndpoint[],
  request: IndexerSearch,
  onAnswer: (report: IndexerReport, merged: MergedResult[]) => void = () => {},
): Promise<{ results: MergedResult[]; reports: IndexerReport[] }> {
  const merged = new Map<string, MergedResult>();
  const reports = await Promise.all(
    endpoints.map(async (endpoint) => {
      const { results, report } = await pool.query(endpoint, request);
      observeIndexerQuery(report);
      merge(merged, results);
      onAnswer(report, [...merged.values()]);
      return report;
    }),
  );
  observeIndexerCircuits(pool.health());
  return { results: [...merged.values()], reports };
}
