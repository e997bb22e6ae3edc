import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible chat-completions endpoint (llama.cpp's server, Ollama and vLLM answer
 * this shape at /v1/chat/completions) that answers Oracle well, in a code fence, in prose, with the
 * wrong JSON, with a 500, or never. Its answer prefers the second candidate (id 1), dislikes the first.
 */
export type FakeLlmMode = 'ok' | 'fenced' | 'prose' | 'shape' | 'hang' | 'error';

export interface FakeLlmRequest {
  path: string;
  model: string;
  response_format: unknown;
  messages: { role: string; content: string }[];
}

export interface FakeLlm {
  /** What LLAMA_ENDPOINT is set to (the server's root). */
  url: string;
  mode: FakeLlmMode;
  /** Each answer waits this long first (a slow model). */
  delayMs: number;
  requests: FakeLlmRequest[];
  close(): Promise<void>;
}

const completion = (content: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'llama-3.1-8b-instruct',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 200, completion_tokens: 40, total_tokens: 240 },
});

export async function startFakeLlm(): Promise<FakeLlm> {
  const hanging = new Set<ServerResponse>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    fake.requests.push({ path: req.url ?? '', ...JSON.parse(Buffer.concat(chunks).toString()) });
    if (fake.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.delayMs));
    if (fake.mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (fake.mode === 'error') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"model overloaded"}}');
      return;
    }
    const answer = JSON.stringify({
      results: [
        { id: 0, score: 10, reason: 're-encode of unknown origin' },
        { id: 1, score: 95, reason: 'clean Blu-ray encode from a known group' },
      ],
    });
    const content =
      fake.mode === 'fenced'
        ? `\`\`\`json\n${answer}\n\`\`\``
        : fake.mode === 'prose'
          ? 'The second one looks best.'
          : fake.mode === 'shape'
            ? '{"best": 1}'
            : answer;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completion(content)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeLlm = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mode: 'ok',
    delayMs: 0,
    requests: [],
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
