import { type RankedResult, type SearchOutcome, SearchTaskPayload } from '@sokoul/contracts';
import type postgres from 'postgres';
import { configuredIndexers } from '../search/indexers.js';
import { createOracle } from '../search/oracle.js';
import { rank } from '../search/rank.js';
import { IndexerPool, scout } from '../search/scout.js';
import type { TaskContext } from './runner.js';

/** How many of the best results each live update carries. */
const LIVE_RESULTS = 50;

/** Indexer health lives as long as the process: a dead indexer stays left alone across searches. */
const pool = new IndexerPool();
let oracle: ReturnType<typeof createOracle> | null = null;

/**
 * Scout's search task: answered from stored results within the cache window, else every indexer
 * at once (progress per indexer), then ranking, the optional Oracle, and storage.
 */
export async function searchTask(ctx: TaskContext): Promise<SearchOutcome> {
  const payload = SearchTaskPayload.parse(ctx.task.payload);
  const { config, sql } = ctx;
  const windowMinutes = config.SEARCH_CACHE_MINUTES;
  if (windowMinutes > 0) {
    const [cached] = await sql<{ total: number; accepted: number }[]>`
      SELECT count(*)::int AS total, count(*) FILTER (WHERE NOT rejected)::int AS accepted
      FROM search_results
      WHERE media_id = ${payload.mediaId} AND query_key = ${payload.queryKey} AND expires_at > now()
        AND created_at > now() - make_interval(mins => ${windowMinutes})`;
    if (cached && cached.total > 0) {
      await ctx.progress(1, 'Answered from a recent identical search');
      return {
        cached: true,
        results: cached.total,
        accepted: cached.accepted,
        reports: [],
        health: [],
        oracle: 'off',
      };
    }
  }

  const { endpoints, errors } = await configuredIndexers(config, sql);
  for (const error of errors) ctx.log.warn({ error }, 'indexer discovery failed');
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
    const what = report.status === 'ok' ? `${report.results} results` : report.error;
    void ctx.progress((answered / endpoints.length) * 0.9, `${report.indexer}: ${what}`);
    // The user sees the best results so far as each indexer answers, not only at the end.
    ctx.emit({
      id: crypto.randomUUID(),
      ts: new Date().toISOString(),
      type: 'search.results',
      data: {
        taskId: ctx.task.id,
        mediaId: payload.mediaId,
        report,
        results: rank(merged, payload.target, profile).slice(0, LIVE_RESULTS),
      },
    });
  });
  ctx.signal.throwIfAborted();

  let ranked: RankedResult[] = rank(results, payload.target, profile);
  let oracleSource: SearchOutcome['oracle'] = 'off';
  if (config.ORACLE_ENABLED && config.LLAMA_ENDPOINT) {
    oracle ??= createOracle({ endpoint: config.LLAMA_ENDPOINT, timeoutMs: config.ORACLE_TIMEOUT_MS });
    const outcome = await oracle.rescore(payload.target, ranked);
    ranked = outcome.ranked;
    oracleSource = outcome.source;
    if (outcome.error) ctx.log.warn({ error: outcome.error }, 'oracle fell back to the heuristic ranking');
  }

  // The new search replaces the previous one for the same title and query.
  const expiresAt = new Date(Date.now() + Math.max(windowMinutes, 1) * 60_000 * 4).toISOString();
  await sql.begin(async (tx) => {
    await tx`DELETE FROM search_results WHERE media_id = ${payload.mediaId} AND query_key = ${payload.queryKey}`;
    if (ranked.length === 0) return;
    await tx`
      INSERT INTO search_results (media_id, query_key, result, score, rejected, info_hash, expires_at)
      SELECT ${payload.mediaId}, ${payload.queryKey}, r.result, (r.result->>'score')::real,
             (r.result->>'rejected')::boolean, r.result->>'infoHash', ${expiresAt}
      FROM jsonb_array_elements(${tx.json(ranked as unknown as postgres.JSONValue)}) AS r(result)`;
  });
  await ctx.progress(1, `${ranked.filter((r) => !r.rejected).length} releases kept of ${ranked.length}`);
  const asked = new Set(endpoints.map((e) => e.name));
  return {
    cached: false,
    results: ranked.length,
    accepted: ranked.filter((r) => !r.rejected).length,
    reports,
    health: pool.health().filter((h) => asked.has(h.indexer)),
    oracle: oracleSource,
  };
}
