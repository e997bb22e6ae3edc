import {
  OracleTestReply,
  parseConfig,
  QUALITY_PRESETS,
  QualityProfile,
  type SearchTarget,
  TorrentNodeConfigSchema,
} from '@sokoul/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracle } from '../torrent-node/src/search/oracle.js';
import { rank } from '../torrent-node/src/search/rank.js';
import { oracleTest } from '../torrent-node/src/settings.js';
import { type FakeLlm, startFakeLlm } from './helpers/fake-llm.js';
import { captureLogger } from './helpers/logger.js';
import { indexerResult } from './helpers/releases.js';

/** Oracle against a local OpenAI-compatible chat-completions endpoint that answers well, badly, or never. */
let llm: FakeLlm;
let base = '';
const requests = () => llm.requests;

beforeAll(async () => {
  llm = await startFakeLlm();
  base = llm.url;
});
afterAll(async () => {
  await llm.close();
});

const TARGET: SearchTarget = { type: 'movie', titles: ['The Matrix'], year: 1999, runtimeMinutes: 136 };
const result = (title: string, seeders: number, guid: string) => indexerResult(title, seeders, 10, { guid });
const profile = QualityProfile.parse({ ...QUALITY_PRESETS['1080p'], preferredLanguages: ['en'] });
const ranked = () =>
  rank(
    [
      result('The.Matrix.1999.1080p.BluRay.x264-ABC', 200, 'a'),
      result('The.Matrix.1999.1080p.BluRay.x264-SPARKS', 150, 'b'),
    ],
    TARGET,
    profile,
  );

describe('Oracle', () => {
  it('rescores the best candidates in one call and says why', async () => {
    llm.mode = 'ok';
    const before = ranked();
    expect(before.map((r) => r.guid)).toEqual(['a', 'b']);
    const oracle = createOracle({ endpoint: base, model: 'llama-3.1-8b-instruct' });
    const outcome = await oracle.rescore(TARGET, before);
    expect(outcome).toMatchObject({ source: 'oracle', error: null });
    expect(outcome.ranked.map((r) => r.guid)).toEqual(['b', 'a']);
    expect(outcome.ranked[0]?.reasons.at(-1)).toEqual({
      effect: 'plus',
      points: 18,
      code: 'oracle',
      params: { reason: 'clean Blu-ray encode from a known group' },
      text: 'Oracle: clean Blu-ray encode from a known group',
    });
    const sent = requests().at(-1);
    expect(sent).toMatchObject({ model: 'llama-3.1-8b-instruct', response_format: { type: 'json_object' } });
    expect(JSON.parse(sent?.messages[1]?.content ?? '{}').candidates).toHaveLength(2);

    const calls = requests().length;
    const again = await oracle.rescore(TARGET, ranked());
    expect(again.source).toBe('cached');
    expect(requests().length).toBe(calls);
  });

  it('reads an answer wrapped in a Markdown code fence', async () => {
    llm.mode = 'fenced';
    const outcome = await createOracle({ endpoint: `${base}/v1/chat/completions` }).rescore(TARGET, ranked());
    expect(outcome.source).toBe('oracle');
    expect(outcome.ranked[0]?.guid).toBe('b');
  });

  it.each([
    ['prose', 'the LLM did not answer with JSON'],
    ['shape', 'the LLM answer does not have the expected shape'],
    ['error', 'the LLM endpoint answered HTTP 500'],
  ] as const)('falls back to the heuristic ranking when the answer is %s', async (kind, error) => {
    llm.mode = kind;
    const before = ranked();
    const outcome = await createOracle({ endpoint: base }).rescore(TARGET, before);
    expect(outcome).toMatchObject({ source: 'heuristic', error });
    expect(outcome.ranked).toBe(before);
  });

  it('gives up at its timeout without failing the search', async () => {
    llm.mode = 'hang';
    const started = Date.now();
    const outcome = await createOracle({ endpoint: base, timeoutMs: 300 }).rescore(TARGET, ranked());
    expect(outcome).toMatchObject({ source: 'heuristic', error: 'the LLM did not answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(outcome.ranked.map((r) => r.guid)).toEqual(['a', 'b']);
  });
});

describe('Oracle test (Settings)', () => {
  const config = (env: Record<string, string>) =>
    parseConfig(TorrentNodeConfigSchema, {
      DATABASE_URL: 'postgres://unused@127.0.0.1/unused',
      NATS_URL: 'nats://127.0.0.1:1',
      INTERNAL_SIGNING_KEY: 'x'.repeat(32),
      ...env,
    });
  const test = async (env: Record<string, string>) =>
    OracleTestReply.parse(await oracleTest({ config: config(env), log: captureLogger() }));

  it('asks the endpoint once with a tiny prompt in the search wire format, and answers ok and latency', async () => {
    llm.mode = 'ok';
    llm.delayMs = 0;
    const from = requests().length;
    const reply = await test({ LLAMA_ENDPOINT: base });
    expect(reply).toMatchObject({ ok: true, state: 'ok', error: null, enabled: false, timeoutMs: 4000 });
    expect(reply.latencyMs).toBeGreaterThanOrEqual(0);
    const sent = requests().slice(from);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ path: '/v1/chat/completions', response_format: { type: 'json_object' } });
    expect(sent[0]?.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(JSON.parse(sent[0]?.messages[1]?.content ?? '{}').candidates).toHaveLength(1);
    // The endpoint as given when it names the path; ORACLE_ENABLED is only reported.
    expect(
      await test({ LLAMA_ENDPOINT: `${base}/v1/chat/completions`, ORACLE_ENABLED: 'true' }),
    ).toMatchObject({ ok: true, enabled: true });
  });

  it('says why it failed: not configured, unreachable, HTTP error, not JSON, slower than searches wait', async () => {
    const before = requests().length;
    expect(await test({})).toMatchObject({ ok: false, state: 'not_configured', latencyMs: 0 });
    expect(requests().length).toBe(before);
    const down = await test({ LLAMA_ENDPOINT: 'http://127.0.0.1:9' });
    expect(down).toMatchObject({ ok: false, state: 'unreachable' });
    expect(down.error).toContain('unreachable');
    llm.mode = 'error';
    expect(await test({ LLAMA_ENDPOINT: base })).toMatchObject({
      ok: false,
      state: 'http',
      error: 'the LLM endpoint answered HTTP 500',
    });
    llm.mode = 'prose';
    expect(await test({ LLAMA_ENDPOINT: base })).toMatchObject({
      ok: false,
      state: 'invalid',
      error: 'the LLM did not answer with JSON',
    });
    // It answers, but after ORACLE_TIMEOUT_MS: searches would drop it.
    llm.mode = 'ok';
    llm.delayMs = 300;
    try {
      const slow = await test({ LLAMA_ENDPOINT: base, ORACLE_TIMEOUT_MS: '100' });
      expect(slow).toMatchObject({ ok: false, state: 'slow', timeoutMs: 100 });
      expect(slow.latencyMs).toBeGreaterThan(100);
    } finally {
      llm.delayMs = 0;
    }
  });
});
