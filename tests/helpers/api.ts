import { request as httpRequest } from 'node:http';
import {
  type StartedSearch,
  type Task,
  type TokenPair,
  WS_BEARER_PREFIX,
  WS_PROTOCOL,
} from '@sokoul/contracts';
import { expect, inject } from 'vitest';
import { nonConformance } from './conformance.js';

export const stack = () => inject('stack');

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** JSON request against the shared stack (or `base`). */
export async function api<T = unknown>(
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    base?: string;
    /** Another loopback address (127.0.0.2…) to send from: the API sees another client. */
    from?: string;
  } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined || options.rawBody !== undefined)
    headers['content-type'] ??= 'application/json';
  const url = `${options.base ?? stack().url}${path}`;
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response =
    options.from || (payload !== undefined && Buffer.byteLength(payload) > OFFERED_BYTES)
      ? await send(options.from, method, url, headers, payload)
      : await fetch(url, { method, headers, body: payload });
  const text = await response.text();
  let body: unknown = text;
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.includes('json') && text) body = JSON.parse(text);
  // Every answer a test receives must be one the route documents (status and schema).
  expect(nonConformance(method, path, response.status, contentType, body)).toBeNull();
  return { status: response.status, headers: response.headers, body: body as T };
}

/**
 * A body above the API's limit is refused before it is read, and workerd then resets the
 * connection while the client still writes (EPIPE, losing the 413). Bodies this large are offered
 * the way curl does it: `Expect: 100-continue`, written only if the server asks for them.
 */
const OFFERED_BYTES = 64 * 1024;

/**
 * A request by node:http, answered as a Response: from a chosen local address (fetch cannot bind
 * one), or with a large body offered first.
 */
function send(
  localAddress: string | undefined,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<Response> {
  const offered = body !== undefined && Buffer.byteLength(body) > OFFERED_BYTES;
  return new Promise((resolve, reject) => {
    const options = {
      method,
      headers: offered ? { ...headers, expect: '100-continue' } : headers,
      ...(localAddress ? { localAddress } : {}),
    };
    const req = httpRequest(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
            answer.append(name, v);
        }
        const status = res.statusCode ?? 0;
        resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers: answer }));
        // Answered without asking for the body: this request is over.
        if (offered && !req.writableEnded) req.destroy();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (offered) {
      req.on('continue', () => req.end(body));
      req.flushHeaders();
    } else req.end(body);
  });
}

/** The `name=value` pairs a response sets, for sending back as a Cookie header. */
export function cookiesOf(res: ApiResponse): Record<string, string> {
  const found: Record<string, string> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq > 0) found[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return found;
}

let counter = 0;
export const uniqueEmail = (label = 'user') =>
  `${label}-${Date.now()}-${process.pid}-${++counter}@example.test`;
export const PASSWORD = 'correct horse battery staple';

const admins = new Map<string, Promise<TokenPair>>();

/** The shared stack's admin: the first account, created on first use (once, even when asked concurrently). */
export function adminSession(base?: string): Promise<TokenPair> {
  const key = base ?? stack().url;
  let session = admins.get(key);
  if (!session) {
    session = signInAdmin(base);
    admins.set(key, session);
    session.catch(() => admins.delete(key));
  }
  return session;
}

async function signInAdmin(base?: string): Promise<TokenPair> {
  const email = 'admin@example.test';
  const login = await api<TokenPair>('POST', '/auth/login', { body: { email, password: PASSWORD }, base });
  if (login.status === 200) return login.body;
  const signup = await api<TokenPair>('POST', '/auth/signup', { body: { email, password: PASSWORD }, base });
  if (signup.status !== 201)
    throw new Error(`admin signup failed: ${signup.status} ${JSON.stringify(signup.body)}`);
  return signup.body;
}

/** A new member account, admitted through an invite from the admin. */
export async function memberSession(label = 'member', base?: string): Promise<TokenPair> {
  const admin = await adminSession(base);
  const invite = await api<{ code: string }>('POST', '/admin/invites', {
    token: admin.accessToken,
    body: {},
    base,
  });
  const signup = await api<TokenPair>('POST', '/auth/signup', {
    body: { email: uniqueEmail(label), password: PASSWORD, inviteCode: invite.body.code },
    base,
  });
  if (signup.status !== 201)
    throw new Error(`member signup failed: ${signup.status} ${JSON.stringify(signup.body)}`);
  return signup.body;
}

/**
 * A new account promoted to admin (its own tasks, sockets and lists): for tests of what only admins
 * may start, such as `system.report`. Its access token stays valid: roles are read per request.
 */
export async function promotedSession(label = 'promoted', base?: string): Promise<TokenPair> {
  const admin = await adminSession(base);
  const member = await memberSession(label, base);
  const promoted = await api('PATCH', `/admin/users/${member.user.id}`, {
    token: admin.accessToken,
    body: { role: 'admin' },
    base,
  });
  if (promoted.status !== 200) throw new Error(`promotion failed: ${promoted.status}`);
  return { ...member, user: { ...member.user, role: 'admin' } };
}

/** A WebSocket client that records every message it receives. */
export class WsClient {
  readonly messages: Record<string, unknown>[] = [];
  private waiters: {
    predicate: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as Record<string, unknown>;
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(message)) return true;
        w.resolve(message);
        return false;
      });
    });
    socket.addEventListener('close', (event) => {
      this.closed = { code: event.code, reason: event.reason };
    });
  }

  static async connect(opts: {
    token?: string;
    ticket?: string;
    protocols?: string[];
    base?: string;
  }): Promise<WsClient> {
    const url = new URL('/ws', opts.base ?? stack().url);
    url.protocol = 'ws:';
    if (opts.ticket) url.searchParams.set('ticket', opts.ticket);
    const protocols = opts.protocols ?? [
      WS_PROTOCOL,
      ...(opts.token ? [`${WS_BEARER_PREFIX}${opts.token}`] : []),
    ];
    const socket = new WebSocket(url, protocols);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error('websocket failed to open')), { once: true });
    });
    const client = new WsClient(socket);
    await client.next((m) => m.type === 'hello');
    return client;
  }

  /** Resolves with the first message (already received or upcoming) matching `predicate`. */
  next(
    predicate: (m: Record<string, unknown>) => boolean,
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> {
    const seen = this.messages.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('timed out waiting for a websocket message')),
        timeoutMs,
      );
      this.waiters.push({
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  send(value: unknown): void {
    this.socket.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  close(): void {
    this.socket.close(1000);
  }
}

export const taskEvents = (client: WsClient, taskId: string) =>
  client.messages.filter(
    (m) =>
      m.type === 'event' &&
      (m.event as { type: string; data: { task?: { id: string } } }).data.task?.id === taskId,
  );

/** Retries an assertion until it passes or the time is up (for effects that settle asynchronously). */
export async function eventually(
  assertion: () => unknown,
  timeoutMs = 5000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** Polls a task until it is done or failed (long tasks: searches ask indexers). */
export async function waitForTask(token: string, taskId: string, timeoutMs = 15_000): Promise<Task> {
  let finished: Task | undefined;
  await eventually(async () => {
    const res = await api<Task>('GET', `/tasks/${taskId}`, { token });
    expect(['done', 'failed']).toContain(res.body.status);
    finished = res.body;
  }, timeoutMs);
  if (!finished) throw new Error('task did not finish');
  return finished;
}

/** POST /search (which must be accepted), then its task once finished. */
export async function runSearch(
  token: string,
  body: Record<string, unknown>,
): Promise<{ started: StartedSearch; task: Task }> {
  const res = await api<StartedSearch>('POST', '/search', { token, body });
  if (res.status !== 202) throw new Error(`search refused: ${res.status} ${JSON.stringify(res.body)}`);
  return { started: res.body, task: await waitForTask(token, res.body.task.id) };
}
