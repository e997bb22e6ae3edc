import autocannon, { type Request } from 'autocannon';

export interface Load {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

/**
 * autocannon for `seconds` after a 2 s warm-up. `next` varies each request (path, headers) when
 * given: every request a new uncached search, or another user's token.
 */
export async function load(
  name: string,
  url: string,
  headers: Record<string, string> = {},
  seconds = 10,
  options: { connections?: number; next?: () => { path?: string; headers?: Record<string, string> } } = {},
): Promise<Load> {
  const connections = options.connections ?? 100;
  const next = options.next;
  const requests: Request[] | undefined = next
    ? [
        {
          setupRequest: (req: Request) => {
            const change = next();
            return { ...req, ...change, headers: { ...req.headers, ...change.headers } };
          },
        },
      ]
    : undefined;
  await autocannon({ url, connections, duration: 2, headers, requests }); // warm-up
  const result = await autocannon({ url, connections, duration: seconds, headers, requests });
  return {
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  };
}
