import { type EngineState, type Logger, parseRetryAfter } from '@sokoul/contracts';
import { z } from 'zod';

/**
 * Real-Debrid's REST API 1.0 (api.real-debrid.com/rest/1.0), the calls Sokoul makes: the private
 * API token as `Authorization: Bearer`, form-urlencoded POST bodies, JSON answers, and errors as
 * HTTP 4xx/5xx with `{ error, error_code }`. The account allows 250 requests a minute, refused ones
 * (HTTP 429) included, so every request of the process goes through one `RequestBudget`.
 * `torrents/instantAvailability` is gone (it answers 403 `disabled_endpoint`, error 37): never called.
 */

export const TorrentStatus = z.enum([
  'magnet_error',
  'magnet_conversion',
  'waiting_files_selection',
  'queued',
  'downloading',
  'downloaded',
  'error',
  'virus',
  'compressing',
  'uploading',
  'dead',
]);
export type TorrentStatus = z.infer<typeof TorrentStatus>;

/** One torrent of `GET /torrents` (the list has no files). */
export const RdTorrent = z.object({
  id: z.string(),
  filename: z.string(),
  /** SHA1 info hash, lower case. */
  hash: z.string(),
  /** Size of the selected files only. */
  bytes: z.number(),
  /** 0 to 100. */
  progress: z.number(),
  status: TorrentStatus,
  /** One hoster link per selected file, in file order (unless Real-Debrid packed them in an archive). */
  links: z.array(z.string()),
  /** Only while downloading, compressing or uploading. */
  speed: z.number().optional(),
  /** Only while downloading or converting the magnet. */
  seeders: z.number().optional(),
});
export type RdTorrent = z.infer<typeof RdTorrent>;

export const RdFile = z.object({
  /** 1-based. */
  id: z.number().int(),
  /** Inside the torrent, starting with `/`. */
  path: z.string(),
  bytes: z.number(),
  selected: z.number(),
});
export type RdFile = z.infer<typeof RdFile>;

/** `GET /torrents/info/{id}`. */
export const RdTorrentInfo = RdTorrent.extend({
  original_filename: z.string(),
  /** Size of the whole torrent. */
  original_bytes: z.number(),
  files: z.array(RdFile),
});
export type RdTorrentInfo = z.infer<typeof RdTorrentInfo>;

/** `POST /unrestrict/link`. */
export const RdUnrestricted = z.object({
  id: z.string(),
  filename: z.string(),
  filesize: z.number(),
  /** The hoster link given. */
  link: z.string(),
  /** The direct link the bytes are read from. */
  download: z.string(),
  /** A flag (whether Real-Debrid checked the file's CRC), not a checksum Sokoul could verify. */
  crc: z.number().optional(),
});
export type RdUnrestricted = z.infer<typeof RdUnrestricted>;

const Created = z.object({ id: z.string(), uri: z.string().optional() });
const RdUser = z.object({
  id: z.number(),
  username: z.string(),
  type: z.string(),
  /** When the premium ends (ISO 8601). */
  expiration: z.string().nullish(),
});
const ErrorBody = z.object({ error: z.string(), error_code: z.number().int().optional() });

/**
 * What a failed call means for Sokoul: `unauthorized` (bad token, account locked or not premium:
 * an admin must act), `infringing` (451), `slot` (509: no free slot, too many active downloads;
 * retried later), `unreachable` (network, 5xx), `not_found` (404), `refused` (anything else).
 */
export type RdFailure = 'unauthorized' | 'infringing' | 'slot' | 'unreachable' | 'not_found' | 'refused';

export class RealDebridError extends Error {
  constructor(
    readonly kind: RdFailure,
    readonly status: number,
    /** Real-Debrid's own error name and number (`bad_token`, 8), when it sent them. */
    readonly error: string | null,
    readonly errorCode: number | null,
    message: string,
  ) {
    super(message);
  }

  /** Worth trying again later: Real-Debrid or the account may come back. */
  get retryable(): boolean {
    return this.kind === 'slot' || this.kind === 'unreachable' || this.kind === 'unauthorized';
  }
}

/** Error codes (docs: "List of numeric error codes") that mean the token or account needs an admin. */
const AUTH_CODES = new Set([8, 9, 10, 14, 15, 22]);
const DISABLED_ENDPOINT = 37;

function classify(status: number, code: number | null): RdFailure {
  if (status === 401) return 'unauthorized';
  if (status === 403) return code === null || AUTH_CODES.has(code) ? 'unauthorized' : 'refused';
  if (status === 404) return 'not_found';
  if (status === 451) return 'infringing';
  if (status === 509) return 'slot';
  if (status >= 500) return 'unreachable';
  return 'refused';
}

/** One request in flight at most this long. */
const REQUEST_TIMEOUT_MS = 30_000;
/**
 * The budget's window: Real-Debrid counts a minute where the requests arrive; a second more here
 * covers the time one takes to get there, so two sent 60 s apart never land in one of its minutes.
 */
const WINDOW_MS = 61_000;
const BACKOFF_429_MS = 5_000;
const MAX_BACKOFF_429_MS = 60_000;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A sliding one-minute window of the requests sent for one account: a request waits for room
 * rather than going over, in the order they asked. A 429 holds every request back for a while.
 */
export class RequestBudget {
  readonly #limit: number;
  readonly #stamps: number[] = [];
  readonly #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #heldUntil = 0;
  #backoff = BACKOFF_429_MS;
  #sent = 0;
  #refused = 0;

  constructor(perMinute: number) {
    this.#limit = Math.max(1, perMinute);
  }

  get limit(): number {
    return this.#limit;
  }

  /** Every request sent, 429s included, and the 429s received. */
  get counts(): { sent: number; refused429: number; lastMinute: number; waiting: number } {
    this.#expire(Date.now());
    return {
      sent: this.#sent,
      refused429: this.#refused,
      lastMinute: this.#stamps.length,
      waiting: this.#queue.length,
    };
  }

  /** Resolves when a request may be sent now (and counts it). */
  take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.#queue.indexOf(waiter);
          if (at >= 0) this.#queue.splice(at, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /** Real-Debrid answered 429: nothing is sent for a while (longer while it goes on). */
  refused(retryAfterSeconds: number | null): void {
    this.#refused += 1;
    const wait = retryAfterSeconds !== null ? retryAfterSeconds * 1000 : this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_429_MS);
    this.#heldUntil = Math.max(this.#heldUntil, Date.now() + wait);
    this.#pump();
  }

  /** A request went through: the 429 back-off starts small again. */
  answered(): void {
    this.#backoff = BACKOFF_429_MS;
  }

  #expire(now: number): void {
    while (this.#stamps.length > 0 && (this.#stamps[0] ?? 0) <= now - WINDOW_MS) this.#stamps.shift();
  }

  #pump(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = Date.now();
    this.#expire(now);
    while (this.#queue.length > 0 && now >= this.#heldUntil && this.#stamps.length < this.#limit) {
      const waiter = this.#queue.shift() as Waiter;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.#stamps.push(now);
      this.#sent += 1;
      waiter.resolve();
    }
    if (this.#queue.length === 0) return;
    const free = this.#stamps.length < this.#limit ? now : (this.#stamps[0] ?? now) + WINDOW_MS;
    const at = Math.max(free, this.#heldUntil);
    this.#timer = setTimeout(() => this.#pump(), Math.max(1, at - now));
  }
}

/** One budget per account (API key) for the whole process, whichever engine or caller uses it. */
const budgets = new Map<string, RequestBudget>();
export function sharedBudget(apiKey: string, perMinute: number): RequestBudget {
  let budget = budgets.get(apiKey);
  if (!budget || budget.limit !== perMinute) {
    budget = new RequestBudget(perMinute);
    budgets.set(apiKey, budget);
  }
  return budget;
}

export interface ApiHealth {
  state: EngineState;
  message: string | null;
}

export interface RealDebridApiOptions {
  baseUrl: string;
  apiKey: string;
  budget: RequestBudget;
  log: Logger;
  fetch?: typeof fetch;
}

type Body = { form: Record<string, string> } | { bytes: Uint8Array; type: string } | undefined;

export class RealDebridApi {
  readonly #o: RealDebridApiOptions;
  readonly #base: string;
  readonly #fetch: typeof fetch;
  #health: ApiHealth = { state: 'ok', message: null };

  constructor(opts: RealDebridApiOptions) {
    this.#o = opts;
    this.#base = opts.baseUrl.replace(/\/+$/, '');
    this.#fetch = opts.fetch ?? fetch;
  }

  /** What the last answer (or its absence) says about the account and the service. */
  get health(): ApiHealth {
    return this.#health;
  }

  get budget(): RequestBudget {
    return this.#o.budget;
  }

  async user(signal?: AbortSignal): Promise<z.infer<typeof RdUser>> {
    return RdUser.parse(await this.#call('GET', '/user', undefined, signal));
  }

  /** The account's latest torrents (Real-Debrid lists the most recently added first). */
  async torrents(limit: number, signal?: AbortSignal): Promise<RdTorrent[]> {
    const body = await this.#call('GET', `/torrents?limit=${limit}&page=1`, undefined, signal);
    // An empty list is a 204 without a body.
    return body === null ? [] : z.array(RdTorrent).parse(body);
  }

  async info(id: string, signal?: AbortSignal): Promise<RdTorrentInfo> {
    return RdTorrentInfo.parse(
      await this.#call('GET', `/torrents/info/${encodeURIComponent(id)}`, undefined, signal),
    );
  }

  async addMagnet(magnet: string, signal?: AbortSignal): Promise<string> {
    return Created.parse(await this.#call('POST', '/torrents/addMagnet', { form: { magnet } }, signal)).id;
  }

  async addTorrent(torrent: Uint8Array, signal?: AbortSignal): Promise<string> {
    const body = { bytes: torrent, type: 'application/x-bittorrent' };
    return Created.parse(await this.#call('PUT', '/torrents/addTorrent', body, signal)).id;
  }

  /** `fileIds` are Real-Debrid's (1-based). */
  async selectFiles(id: string, fileIds: number[], signal?: AbortSignal): Promise<void> {
    const form = { files: fileIds.join(',') };
    await this.#call('POST', `/torrents/selectFiles/${encodeURIComponent(id)}`, { form }, signal);
  }

  async deleteTorrent(id: string, signal?: AbortSignal): Promise<void> {
    await this.#call('DELETE', `/torrents/delete/${encodeURIComponent(id)}`, undefined, signal);
  }

  async unrestrict(link: string, signal?: AbortSignal): Promise<RdUnrestricted> {
    return RdUnrestricted.parse(await this.#call('POST', '/unrestrict/link', { form: { link } }, signal));
  }

  /** One call: waits for the budget, retries 429s after their back-off, throws `RealDebridError`. */
  async #call(method: string, path: string, body: Body, signal?: AbortSignal): Promise<unknown> {
    const { budget, apiKey, log } = this.#o;
    for (;;) {
      await budget.take(signal);
      const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
      let payload: string | Uint8Array<ArrayBuffer> | undefined;
      if (body && 'form' in body) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        payload = new URLSearchParams(body.form).toString();
      } else if (body) {
        headers['content-type'] = body.type;
        payload = new Uint8Array(body.bytes);
      }
      const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
      let response: Response;
      let text: string;
      try {
        response = await this.#fetch(`${this.#base}${path}`, {
          method,
          headers,
          body: payload,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const message = `Real-Debrid does not answer (${error instanceof Error ? error.message : String(error)})`;
        this.#setHealth('unreachable', message);
        throw new RealDebridError('unreachable', 0, null, null, message);
      }
      if (response.status === 429) {
        budget.refused(parseRetryAfter(response.headers.get('retry-after')));
        log.warn('Real-Debrid refused a request (429): waiting for the budget', { path, method });
        continue;
      }
      budget.answered();
      if (response.ok) {
        this.#setHealth('ok', null);
        if (response.status === 204 || text.trim() === '') return null;
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new RealDebridError(
            'refused',
            response.status,
            null,
            null,
            'Real-Debrid answered with no JSON',
          );
        }
      }
      throw this.#failure(response.status, text, method, path);
    }
  }

  #failure(status: number, text: string, method: string, path: string): RealDebridError {
    let parsed: z.infer<typeof ErrorBody> | null = null;
    try {
      const result = ErrorBody.safeParse(JSON.parse(text));
      if (result.success) parsed = result.data;
    } catch {
      // A proxy's HTML page, an empty body: the status says enough.
    }
    const code = parsed?.error_code ?? null;
    const name = parsed?.error ?? null;
    const kind = status === 403 && code === DISABLED_ENDPOINT ? 'refused' : classify(status, code);
    const what = name ? `${name}${code !== null ? ` (${code})` : ''}` : `HTTP ${status}`;
    const message =
      kind === 'unauthorized'
        ? `Real-Debrid refused the API key (${what}): set a valid REAL_DEBRID_API_KEY (a premium account's private token)`
        : kind === 'unreachable'
          ? `Real-Debrid is unavailable (${what})`
          : `Real-Debrid answered ${method} ${path.split('?')[0]} with ${what}`;
    if (kind === 'unauthorized') this.#setHealth('unauthorized', message);
    else if (kind === 'unreachable') this.#setHealth('unreachable', message);
    else this.#setHealth('ok', null);
    return new RealDebridError(kind, status, name, code, message);
  }

  #setHealth(state: EngineState, message: string | null): void {
    if (this.#health.state !== state)
      this.#o.log[state === 'ok' ? 'info' : 'warn']('Real-Debrid state changed', { state, message });
    this.#health = { state, message };
  }
}
