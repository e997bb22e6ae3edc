import { createHash } from 'node:crypto';
import type { RankedResult, SearchTarget } from '@sokoul/contracts';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { oracleCalls, oracleDuration } from '../metrics.js';
import { reasonText } from './rank.js';

/*
 * Oracle: an optional second opinion on the best candidates from an OpenAI-compatible chat endpoint
 * (LLAMA_ENDPOINT). One batched call with a strict JSON answer, a short timeout and a cache; any
 * failure leaves the heuristic ranking as it is, so a search never fails because of it.
 */

const Answer = z.object({
  results: z.array(
    z.object({ id: z.number().int().min(0), score: z.number().min(0).max(100), reason: z.string().max(300) }),
  ),
});
const ChatCompletion = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1),
});

export interface OracleOptions {
  endpoint: string;
  model?: string;
  timeoutMs?: number;
  /** How many of the best heuristic candidates are sent. */
  top?: number;
  cacheSize?: number;
  fetch?: typeof fetch;
}

export interface OracleOutcome {
  ranked: RankedResult[];
  source: 'oracle' | 'cached' | 'heuristic';
  latencyMs: number;
  error: string | null;
}

const INSTRUCTIONS = `You rate torrent releases for a media server. For each candidate, give a score from 0 to 100
for how well it matches the wanted title (right film or episode, complete, good quality for its
size, trustworthy naming) and a short reason. Answer only with JSON:
{"results":[{"id":<candidate id>,"score":<0-100>,"reason":"<short reason>"}]}`;

/** The chat-completions URL: the endpoint as given when it names the path, else the standard one. */
const completionsUrl = (endpoint: string) =>
  /\/chat\/completions\/?$/.test(endpoint) ? endpoint : `${endpoint.replace(/\/+$/, '')}/v1/chat/completions`;

/** Oracle moves a result by at most this many points either way: it refines, the rules decide. */
const MAX_SHIFT = 20;

/** Why a call failed: the Settings test words each; searches count them (oracleCalls). */
export type OracleFailureKind = 'unreachable' | 'timeout' | 'http' | 'invalid';

export class OracleFailure extends Error {
  override name = 'OracleFailure';
  constructor(
    readonly kind: OracleFailureKind,
    message: string,
  ) {
    super(message);
  }
}

type Options = Pick<OracleOptions, 'endpoint' | 'model' | 'fetch'> & { timeoutMs: number };

/** One chat completion asking for the candidates' scores, parsed; an OracleFailure otherwise. */
async function ask(
  options: Options,
  target: SearchTarget,
  candidates: Pick<RankedResult, 'title' | 'size' | 'seeders'>[],
): Promise<z.infer<typeof Answer>> {
  const payload = {
    wanted: target,
    candidates: candidates.map((c, id) => ({
      id,
      title: c.title,
      sizeGb: c.size ? +(c.size / 1024 ** 3).toFixed(2) : null,
      seeders: c.seeders,
    })),
  };
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(completionsUrl(options.endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: options.model ?? 'default',
        temperature: 0,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: INSTRUCTIONS },
          { role: 'user', content: JSON.stringify(payload) },
        ],
      }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError')
      throw new OracleFailure('timeout', `the LLM did not answer within ${options.timeoutMs} ms`);
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
    throw new OracleFailure(
      'unreachable',
      `the LLM endpoint is unreachable${cause ? ` (${cause})` : error instanceof Error ? ` (${error.message})` : ''}`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new OracleFailure('http', `the LLM endpoint answered HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError')
      throw new OracleFailure('timeout', `the LLM did not answer within ${options.timeoutMs} ms`);
    body = null;
  }
  const completion = ChatCompletion.safeParse(body);
  if (!completion.success) throw new OracleFailure('invalid', 'the LLM endpoint sent no chat completion');
  const content = completion.data.choices[0]?.message.content ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.replace(/^```(?:json)?\s*|\s*```$/g, ''));
  } catch {
    throw new OracleFailure('invalid', 'the LLM did not answer with JSON');
  }
  const answer = Answer.safeParse(parsed);
  if (!answer.success) throw new OracleFailure('invalid', 'the LLM answer does not have the expected shape');
  return answer.data;
}

/** The Settings test's prompt: one well-named candidate, the same instructions and answer format. */
const TEST_TARGET: SearchTarget = { type: 'movie', titles: ['The Matrix'], year: 1999 };
const TEST_CANDIDATE = {
  title: 'The.Matrix.1999.1080p.BluRay.x264-GROUP',
  size: 8 * 1024 ** 3,
  seeders: 100,
};

/**
 * One call with a tiny prompt, as searches make them: the answer's latency, or why it failed.
 * `timeoutMs` is the test's own patience (a first call may load the model); no metrics counted.
 */
export async function testOracle(
  options: Options,
): Promise<{ latencyMs: number; failure: OracleFailure | null }> {
  const started = performance.now();
  try {
    await ask(options, TEST_TARGET, [TEST_CANDIDATE]);
    return { latencyMs: Math.round(performance.now() - started), failure: null };
  } catch (error) {
    return {
      latencyMs: Math.round(performance.now() - started),
      failure: error instanceof OracleFailure ? error : new OracleFailure('invalid', String(error)),
    };
  }
}

export function createOracle(options: OracleOptions) {
  const timeoutMs = options.timeoutMs ?? 4000;
  const top = options.top ?? 10;
  const cache = new LRUCache<string, z.infer<typeof Answer>>({ max: options.cacheSize ?? 500 });

  return {
    async rescore(target: SearchTarget, ranked: RankedResult[]): Promise<OracleOutcome> {
      const candidates = ranked.filter((r) => !r.rejected).slice(0, top);
      if (candidates.length < 2) return { ranked, source: 'heuristic', latencyMs: 0, error: null };
      const key = createHash('sha256')
        .update(JSON.stringify([target, candidates.map((c) => [c.title, c.size])]))
        .digest('hex');
      const started = performance.now();
      let answer = cache.get(key);
      let source: OracleOutcome['source'] = 'cached';
      if (answer) {
        oracleCalls.labels('cached').inc();
      } else {
        try {
          answer = await ask({ ...options, timeoutMs }, target, candidates);
          source = 'oracle';
          oracleCalls.labels('ok').inc();
          cache.set(key, answer);
        } catch (error) {
          const kind = error instanceof OracleFailure ? error.kind : 'unreachable';
          oracleCalls.labels(kind === 'timeout' || kind === 'invalid' ? kind : 'error').inc();
          return {
            ranked,
            source: 'heuristic',
            latencyMs: Math.round(performance.now() - started),
            error: error instanceof Error ? error.message : String(error),
          };
        } finally {
          oracleDuration.observe((performance.now() - started) / 1000);
        }
      }
      const byCandidate = new Map(answer.results.map((r) => [r.id, r]));
      const rescored = ranked.map((result) => {
        const id = candidates.indexOf(result);
        const opinion = id >= 0 ? byCandidate.get(id) : undefined;
        if (!opinion) return result;
        const points = Math.round(((opinion.score - 50) / 50) * MAX_SHIFT);
        return {
          ...result,
          score: result.score + points,
          reasons: [
            ...result.reasons,
            {
              effect: points >= 0 ? ('plus' as const) : ('minus' as const),
              points,
              code: 'oracle',
              params: { reason: opinion.reason },
              text: reasonText('oracle', { reason: opinion.reason }),
            },
          ],
        };
      });
      rescored.sort((a, b) => Number(a.rejected) - Number(b.rejected) || b.score - a.score);
      return { ranked: rescored, source, latencyMs: Math.round(performance.now() - started), error: null };
    },
  };
}
