import { ErrorCode, internalToken } from '@sokoul/contracts';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { Deps } from '../context.js';
import { ApiError } from '../errors.js';

/**
 * The API's one client of torrent-node's stream server (TORRENT_NODE_URL): the signed byte routes
 * are forwarded as they came (the player reads torrent-node's bytes at the app's origin), and the
 * internal JSON routes answer questions about a file (probe, availability, subtitles).
 */

/** What a player's request may carry to torrent-node, and what comes back to it. */
const REQUEST_HEADERS = ['range', 'if-range', 'if-none-match'];
const RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'etag',
  'last-modified',
  'cache-control',
];
/** Headers an error answer keeps (a 416's size, a busy transcoder's wait). */
const ERROR_HEADERS = ['content-range', 'retry-after'];
/** An internal question (a probe waits for the pieces ffprobe reads) gives up after this. */
const INTERNAL_TIMEOUT_MS = 30_000;

const unavailable = (message: string) => new ApiError(503, 'streaming_unavailable', message);

const ErrorAnswer = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** A code torrent-node may name that the API does not know: the nearest known one for its status. */
const FALLBACK_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
  502: 'upstream_error',
  503: 'streaming_unavailable',
};

/**
 * torrent-node's error answer as the API's own: its status, code, message and telling headers.
 * What the player cannot act on (a crash, a refused internal token, no JSON) is a 503.
 */
async function failure(deps: Deps, response: Response): Promise<ApiError> {
  const { status } = response;
  const text = await response.text().catch(() => '');
  let parsed: z.infer<typeof ErrorAnswer> | undefined;
  try {
    parsed = ErrorAnswer.parse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed || status === 401 || (status >= 500 && status !== 502 && status !== 503)) {
    deps.log.warn('torrent-node answered an error', { status, body: text.slice(0, 200) });
    return unavailable('The stream server (torrent-node) failed to answer; try again shortly');
  }
  const headers: Record<string, string> = {};
  for (const name of ERROR_HEADERS) {
    const value = response.headers.get(name);
    if (value) headers[name] = value;
  }
  const known = ErrorCode.safeParse(parsed.error.code);
  const code = known.success ? known.data : (FALLBACK_CODES[status] ?? 'bad_request');
  return new ApiError(status as ContentfulStatusCode, code, parsed.error.message, headers);
}

async function call(deps: Deps, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(new URL(path, deps.config.TORRENT_NODE_URL), init);
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    // The player went away: nothing to answer.
    if (name === 'AbortError') throw error;
    deps.log.warn('torrent-node unreachable', { path: path.split('?')[0], error: String(error) });
    throw unavailable(
      name === 'TimeoutError'
        ? 'The stream server (torrent-node) did not answer in time; try again shortly'
        : 'The stream server (torrent-node) is unreachable; try again shortly',
    );
  }
}

/**
 * A signed byte route (`/files/{id}/stream`, `/remux`, a subtitle's WebVTT), GET or HEAD, passed
 * through: the player's Range and validators go, the bytes come back as they are with their status
 * and headers. A player that goes away cancels the read (workerd cancels the pipe, which cancels
 * the fetch's body). Errors come back in the API's shape.
 */
export async function forward(deps: Deps, request: Request, path: string): Promise<Response> {
  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  const method = request.method === 'HEAD' ? 'HEAD' : 'GET';
  const response = await call(deps, `${path}${new URL(request.url).search}`, {
    method,
    headers,
    signal: request.signal,
  });
  if (response.status >= 400) throw await failure(deps, response);
  const answer = new Headers();
  for (const name of RESPONSE_HEADERS) {
    const value = response.headers.get(name);
    if (value) answer.set(name, value);
  }
  const bodyless = method === 'HEAD' || response.status === 304;
  if (bodyless) await response.body?.cancel();
  return new Response(bodyless ? null : response.body, { status: response.status, headers: answer });
}

let token: { secret: string; value: Promise<string> } | undefined;

/** The internal token is derived from the signing key: computed once per isolate. */
function bearer(secret: string): Promise<string> {
  if (token?.secret !== secret) token = { secret, value: internalToken(secret) };
  return token.value;
}

/** An internal JSON route (`/internal/...`), its answer checked against the contracts schema. */
export async function internal<S extends z.ZodType>(
  deps: Deps,
  path: string,
  schema: S,
  init: { method?: 'GET' | 'POST'; body?: unknown } = {},
): Promise<z.output<S>> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await bearer(deps.config.INTERNAL_SIGNING_KEY)}`,
    accept: 'application/json',
  };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await call(deps, path, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(INTERNAL_TIMEOUT_MS),
  });
  if (!response.ok) throw await failure(deps, response);
  const parsed = schema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) {
    deps.log.warn('torrent-node answered an unexpected shape', { path, error: parsed.error.message });
    throw unavailable('The stream server (torrent-node) answered something unexpected');
  }
  return parsed.data;
}
