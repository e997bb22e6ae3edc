import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QUALITY_PRESETS, QualityProfile, type SearchTarget } from '@sokoul/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracle } from '../torrent-node/src/search/oracle.js';
import { rank } from '../torrent-node/src/search/rank.js';
import { indexerResult } from './helpers/releases.js';

/** Oracle against a local OpenAI-compatible chat-completions endpoint that answers well, badly, or never. */
type Mode = 'ok' | 'fenced' | 'prose' | 'shape' | 'hang' | 'error';
let mode: Mode = 'ok';
const requests: { model: string; response_format: unknown; messages: { role: string; content: string }[] }[] =
  [];
const hanging = new Set<ServerResponse>();
let base = '';

const completion = (content: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'llama-3.1-8b-instruct',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 200, completion_tokens: 40, total_tokens: 240 },
});

const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  requests.push(JSON.parse(Buffer.concat(chunks).toString()));
  if (mode === 'hang') {
    hanging.add(res);
    return;
  }
  if (mode === 'error') {
    res.writeHead(500, { 'content-type': 'application/json' });
    return res.end('{"error":{"message":"model overloaded"}}');
  }
  // Prefers the second candidate (id 1) strongly, dislikes the first.
  const answer = JSON.stringify({
    results: [
      { id: 0, score: 10, reason: 're-encode of unknown origin' },
      { id: 1, score: 95, reason: 'clean Blu-ray encode from a known group' },
    ],
  });
  const content =
    mode === 'fenced'
      ? `\`\`\`json\n${answer}\n\`\`\``
      : mode === 'prose'
        ? 'The second one looks best.'
        : mode === 'shape'
          ? '{"best": 1}'
          : answer;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(completion(content)));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
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
    mode = 'ok';
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
    const sent = requests.at(-1);
    expect(sent).toMatchObject({ model: 'llama-3.1-8b-instruct', response_format: { type: 'json_object' } });
    expect(JSON.parse(sent?.messages[1]?.content ?? '{}').candidates).toHaveLength(2);

    const calls = requests.length;
    const again = await oracle.rescore(TARGET, ranked());
    expect(again.source).toBe('cached');
    expect(requests.length).toBe(calls);
  });

  it('reads an answer wrapped in a Markdown code fence', async () => {
    mode = 'fenced';
    const outcome = await createOracle({ endpoint: `${base}/v1/chat/completions` }).rescore(TARGET, ranked());
    expect(outcome.source).toBe('oracle');
    expect(outcome.ranked[0]?.guid).toBe('b');
  });

  it.each([
    ['prose', 'the LLM did not answer with JSON'],
    ['shape', 'the LLM answer does not have the expected shape'],
    ['error', 'the LLM endpoint answered HTTP 500'],
  ] as const)('falls back to the heuristic ranking when the answer is %s', async (kind, error) => {
    mode = kind;
    const before = ranked();
    const outcome = await createOracle({ endpoint: base }).rescore(TARGET, before);
    expect(outcome).toMatchObject({ source: 'heuristic', error });
    expect(outcome.ranked).toBe(before);
  });

  it('gives up at its timeout without failing the search', async () => {
    mode = 'hang';
    const started = Date.now();
    const outcome = await createOracle({ endpoint: base, timeoutMs: 300 }).rescore(TARGET, ranked());
    expect(outcome).toMatchObject({ source: 'heuristic', error: 'the LLM did not answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(outcome.ranked.map((r) => r.guid)).toEqual(['a', 'b']);
  });
});
