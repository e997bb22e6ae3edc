import type {
  ApiRoute,
  ErrorBody,
  RouteBody,
  RouteOutput,
  RouteParams,
  RouteQuery,
  TokenPair,
} from '@sokoul/contracts';

/** An API error with the server's code and message, shown to the user as is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The refresh token never reaches page scripts: the server keeps it in an HttpOnly cookie scoped to
 * /auth (sign-ins ask for `session: "cookie"`), which the browser sends with /auth/refresh and
 * /auth/logout by itself. The access token lives in memory only. All that is stored here is whether
 * this browser has a session to restore (no secret), so a signed-out visitor makes no refresh call.
 */
const SESSION_KEY = 'sokoul.session';
// Earlier versions kept the refresh token itself in localStorage: it must not linger there.
localStorage.removeItem('sokoul.refreshToken');

let accessToken: string | null = null;
let refreshing: Promise<TokenPair | null> | null = null;
let onSessionEnded: () => void = () => {};

export const tokens = {
  access: () => accessToken,
  hasSession: () => localStorage.getItem(SESSION_KEY) !== null,
  store(pair: TokenPair) {
    accessToken = pair.accessToken;
    localStorage.setItem(SESSION_KEY, '1');
  },
  clear() {
    accessToken = null;
    localStorage.removeItem(SESSION_KEY);
  },
  onEnded(callback: () => void) {
    onSessionEnded = callback;
  },
  /** The server ended the session (account disabled, socket closed with WS_SESSION_ENDED). */
  ended() {
    onSessionEnded();
  },
};

async function send(method: string, path: string, body: unknown, token: string | null): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function parse<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data as ErrorBody | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'internal', error?.message ?? response.statusText);
  }
  return data as T;
}

/**
 * One refresh at a time in this tab: concurrent 401s share it. The cookie is spent and its successor
 * set by the server; another tab refreshing at the same moment gets a sibling token (30 s grace).
 */
export function refreshSession(): Promise<TokenPair | null> {
  refreshing ??= (async () => {
    if (!tokens.hasSession()) return null;
    const response = await send('POST', '/auth/refresh', undefined, null);
    if (!response.ok) {
      tokens.clear();
      return null;
    }
    const pair = (await response.json()) as TokenPair;
    tokens.store(pair);
    return pair;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** JSON request; an expired access token is refreshed once and the request retried. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response = await send(method, path, body, accessToken);
  if (response.status === 401 && tokens.hasSession()) {
    const pair = await refreshSession();
    if (!pair) {
      onSessionEnded();
      throw new ApiError(401, 'unauthorized', 'Session expired');
    }
    response = await send(method, path, body, pair.accessToken);
  }
  return parse<T>(response);
}

/** Requests that must not trigger a refresh (sign-in forms). */
export async function publicRequest<T>(method: string, path: string, body?: unknown): Promise<T> {
  return parse<T>(await send(method, path, body, null));
}

/** A path with its query string; unset and empty values are left out. */
export function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

type Has<R, K extends string> = R extends { request: Record<K, unknown> } ? true : false;
type Params<R extends ApiRoute> = { [K in keyof RouteParams<R>]: string | number };

/** What calling a declared route takes: its path parameters, query and body, as declared. */
export type CallInput<R extends ApiRoute> = (Has<R, 'params'> extends true
  ? { params: Params<R> }
  : unknown) &
  (Has<R, 'query'> extends true ? { query?: RouteQuery<R> } : unknown) &
  (Has<R, 'body'> extends true ? { body: RouteBody<R> } : unknown);

/** The URL a call to `route` with `input` requests (also the key of answers kept by the client). */
export function urlOf<R extends ApiRoute>(route: R, input?: CallInput<R>): string {
  const given = (input ?? {}) as { params?: Record<string, string | number>; query?: object };
  const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(String(given.params?.[name] ?? '')),
  );
  return withQuery(path, (given.query ?? {}) as Record<string, string | number | undefined>);
}

export type CallArgs<R extends ApiRoute> =
  Record<string, never> extends CallInput<R> ? [input?: CallInput<R>] : [input: CallInput<R>];

/**
 * The web app's one way to reach the API: a route declared in contracts (the same data the server
 * registers and documents) plus its inputs, answered with the route's declared success type.
 * Public routes (declared without security) never trigger a token refresh.
 */
export function call<R extends ApiRoute>(route: R, ...[input]: CallArgs<R>): Promise<RouteOutput<R>> {
  const url = urlOf(route, input);
  const given = (input ?? {}) as { body?: unknown };
  const method = route.method.toUpperCase();
  return route.security?.length === 0
    ? publicRequest<RouteOutput<R>>(method, url, given.body)
    : request<RouteOutput<R>>(method, url, given.body);
}
