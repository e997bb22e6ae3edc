import {
  healthForMember,
  type IndexerReport,
  type RankedResult,
  reportForMember,
  type SearchOutcome,
  SearchTaskPayload,
} from '@sokoul/contracts';
import { completeSearch, reuseRecentSearch, searchToFill } from '@sokoul/db';
import { configuredIndexers } from '../search/indexers.js';
import { createOracle } from '../search/oracle.js';
import { rank } from '../search/rank.js';
import { IndexerPool, scout } from '../search/scout.js';
import type { TaskContext } from './context.js';

/** How many of the best results each live update carries. */
const LIVE_RESULTS = 50;

/** Indexer health lives as long as the process: a dead indexer stays left alone across searches. */
export const pool = new IndexerPool();
let oracle: ReturnType<typeof createOracle> | null = null;
/** The endpoint `oracle` was made for: an admin may change LLAMA_ENDPOINT at run time. */
let oracleEndpoint: string | null = null;

/** How long a search stays readable: four repeat windows, and at least a day. */
export const retentionMinutes = (windowMinutes: number) => Math.max(windowMinutes * 4, 24 * 60);

/**
 * Scout's search task: fills the search the API recorded (`payload.searchId`). Within the repeat
 * window an identical search answers it (its results and reports, marked cached) unless the user
 * asked for a fresh one; else every indexer at once (progress per indexer), then ranking, the
 * optional Oracle, and storage.
 */
export async function searchTask(ctx: TaskContext): Promise<SearchOutcome> {
  const payload = SearchTaskPayload.parse(ctx.task.payload);
  const { config, db } = ctx;
  // The task's messages, events and result go to its owner: a member reads no failure reasons.
  const shown = (report: IndexerReport) => (payload.detailedReports ? report : reportForMember(report));
  const { searchId } = payload;
  const search = await searchToFill(db, searchId);
  if (
    !search ||
    search.userId !== ctx.task.userId ||
    search.mediaId !== payload.mediaId ||
    search.key !== payload.queryKey
  ) {
    throw new Error('This search no longer exists (it expired or was removed)');
  }
  const windowMinutes = config.SEARCH_CACHE_MINUTES;
  const keepMinutes = retentionMinutes(windowMinutes);
  if (!payload.fresh) {
    const reused = await reuseRecentSearch(db, searchId, {
      mediaId: payload.mediaId,
      key: payload.queryKey,
      windowMinutes,
      retentionMinutes: keepMinutes,
    });
    if (reused) {
      await ctx.progress(1, 'Answered from a recent identical search');
      return {
        searchId,
        cached: true,
        results: reused.results,
        accepted: reused.accepted,
        reports: reused.reports.map(shown),
        health: [],
        oracle: 'off',
      };
    }
  }

  const { endpoints, errors } = await configuredIndexers(config, db);
  for (const error of errors) ctx.log.warn('indexer discovery failed', { error });
  if (endpoints.length === 0) {
    throw new Error(
      errors[0] ??
        'No indexer is configured: set JACKETT_URL or PROWLARR_URL (with their API keys), or add one in the admin settings',
    );
  }
  const { profile } = payload;
  let answered = 0;
  const { results, reports } = await scout(pool, endpoints, payload.request, (report, merged) => {
    answered++;
    const what = report.status === 'ok' ? `${report.results} results` : shown(report).error;
    // Not awaited (indexers answer while it is recorded); progress never rejects.
    void ctx.progress((answered / endpoints.length) * 0.9, `${report.indexer}: ${what}`);
    // The user sees the best results so far as each indexer answers, not only at the end.
    ctx.emit({
      id: crypto.randomUUID(),
      ts: new Date().toISOString(),
      type: 'search.results',
      data: {
        taskId: ctx.task.id,
        mediaId: payload.mediaId,
        report: shown(report),
        results: rank(merged, payload.target, profile).slice(0, LIVE_RESULTS),
      },
    });
  });
  ctx.signal.throwIfAborted();

  let ranked: RankedResult[] = rank(results, payload.target, profile);
  let oracleSource: SearchOutcome['oracle'] = 'off';
  if (config.ORACLE_ENABLED && config.LLAMA_ENDPOINT) {
    if (!oracle || oracleEndpoint !== config.LLAMA_ENDPOINT) {
      oracle = createOracle({ endpoint: config.LLAMA_ENDPOINT, timeoutMs: config.ORACLE_TIMEOUT_MS });
      oracleEndpoint = config.LLAMA_ENDPOINT;
    }
    const outcome = await oracle.rescore(payload.target, ranked);
    ranked = outcome.ranked;
    oracleSource = outcome.source;
    if (outcome.error) ctx.log.warn('oracle fell back to the heuristic ranking', { error: outcome.error });
  }

  if (!(await completeSearch(db, searchId, { results: ranked, reports, retentionMinutes: keepMinutes }))) {
    throw new Error('This search was removed before it completed');
  }
  await ctx.progress(1, `${ranked.filter((r) => !r.rejected).length} releases kept of ${ranked.length}`);
  const asked = new Set(endpoints.map((e) => e.name));
  return {
    searchId,
    cached: false,
    results: ranked.length,
    accepted: ranked.filter((r) => !r.rejected).length,
    reports: reports.map(shown),
    health: pool
      .health()
      .filter((h) => asked.has(h.indexer))
      .map((h) => (payload.detailedReports ? h : healthForMember(h))),
    oracle: oracleSource,
  };
}
