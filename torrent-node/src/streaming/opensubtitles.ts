import { parseRetryAfter, type SubtitleQuota, type TorrentNodeConfig } from '@sokoul/contracts';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import type { Logger } from '../log.js';
import { StreamError } from './types.js';

/*
 * OpenSubtitles REST v1 (api.opensubtitles.com): search, download and the account's quota. Every
 * failure comes out as a StreamError with the code the subtitle routes answer.
 */

const USER_AGENT = `Sokoul v${pkg.version}`;
const TIMEOUT_MS = 15_000;
/** Without a Retry-After, a 429 keeps requests away this long. */
const DEFAULT_BACKOFF_SECONDS = 10;
/** A refused login is not tried again before this (repeated failures lock the account). */
const LOGIN_REFUSED_MS = 15 * 60_000;
/** Subtitle files are a few hundred KiB; anything far larger is not one. */
const MAX_SUBTITLE_BYTES = 10 * 1024 * 1024;

const Login = z.object({ token: z.string().min(1), base_url: z.string().nullish() });

const SearchAnswer = z.object({
  data: z.array(
    z.object({
      attributes: z.object({
        language: z.string().nullish(),
        download_count: z.number().nullish(),
        hearing_impaired: z.boolean().nullish(),
        foreign_parts_only: z.boolean().nullish(),
        release: z.string().nullish(),
        moviehash_match: z.boolean().nullish(),
        files: z.array(z.object({ file_id: z.number().int(), file_name: z.string().nullish() })),
      }),
    }),
  ),
});

/** A download's answer, and 406's body when the quota is used up (without `link`). */
const DownloadAnswer = z.object({
  link: z.string().nullish(),
  remaining: z.number().int().nullish(),
  reset_time_utc: z.string().nullish(),
  message: z.string().nullish(),
});

/** One subtitle found (a one-file subtitle: multi-CD ones fit no single video). */
export interface FoundSubtitle {
  fileId: number;
  language: string | null;
  release: string | null;
  hearingImpaired: boolean;
  forced: boolean;
  downloadCount: number;
  hashMatch: boolean;
}

/** Search parameters: `moviehash`, `tmdb_id`, `parent_tmdb_id`, `season_number`, `languages`… */
export type SearchParams = Record<string, string | number>;

export interface OpenSubtitlesClient {
  readonly configured: boolean;
  search(params: SearchParams): Promise<FoundSubtitle[]>;
  /** Spends one download of the quota; answers the file's bytes. */
  download(fileId: number): Promise<Uint8Array>;
  /** The quota as the last download answer told it, or null before any. */
  quota(): SubtitleQuota | null;
}

export const notConfigured = () =>
  new StreamError(503, 'subtitles_not_configured', 'OpenSubtitles is not configured (OPENSUBTITLES_API_KEY)');

const secondsUntil = (at: number) => Math.max(1, Math.ceil((at - Date.now()) / 1000));

/**
 * The query as OpenSubtitles wants it: parameters sorted by name, values lowercase (it redirects
 * other forms, which costs a request against the rate limit).
 */
function queryString(params: SearchParams): string {
  return (
    Object.keys(params)
      .sort()
      // Commas stay as they are: `languages=en,fr` is the form the API's reference uses.
      .map((key) => `${key}=${encodeURIComponent(String(params[key]).toLowerCase()).replaceAll('%2C', ',')}`)
      .join('&')
  );
}

export function createOpenSubtitlesClient(deps: {
  config: TorrentNodeConfig;
  log: Logger;
  fetch?: typeof fetch;
}): OpenSubtitlesClient {
  const { config, log } = deps;
  const fetchImpl = deps.fetch ?? fetch;
  const apiKey = config.OPENSUBTITLES_API_KEY;
  const credentials =
    config.OPENSUBTITLES_USERNAME && config.OPENSUBTITLES_PASSWORD
      ? { username: config.OPENSUBTITLES_USERNAME, password: config.OPENSUBTITLES_PASSWORD }
      : null;
  const configuredBase = config.OPENSUBTITLES_API_URL.replace(/\/+$/, '');

  let base = configuredBase;
  let token: string | null = null;
  let loggingIn: Promise<void> | null = null;
  let loginRefusedUntil = 0;
  let backoffUntil = 0;
  let quotaResetAt = 0;
  let quota: SubtitleQuota | null = null;

  const unavailable = (why: string) =>
    new StreamError(502, 'subtitles_unavailable', `OpenSubtitles is unavailable: ${why}`);
  const rateLimited = () =>
    new StreamError(429, 'subtitles_rate_limited', 'OpenSubtitles asks to slow down; try again shortly', {
      'Retry-After': String(secondsUntil(backoffUntil)),
    });
  const loginRefused = () =>
    new StreamError(503, 'subtitles_not_configured', 'OpenSubtitles refused the configured login');
  const quotaSpent = () =>
    new StreamError(
      429,
      'subtitles_quota',
      `The OpenSubtitles download quota is used up until ${new Date(quotaResetAt).toISOString()}`,
      { 'Retry-After': String(secondsUntil(quotaResetAt)) },
    );

  async function send(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Response> {
    if (Date.now() < backoffUntil) throw rateLimited();
    const headers: Record<string, string> = {
      'Api-Key': apiKey ?? '',
      'User-Agent': USER_AGENT,
      Accept: 'application/json',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    let answer: Response;
    try {
      answer = await fetchImpl(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: 'follow',
      });
    } catch (error) {
      log.warn('opensubtitles unreachable', { url, error: String(error) });
      throw unavailable('no answer');
    }
    if (answer.status === 429) {
      const wait = parseRetryAfter(answer.headers.get('retry-after')) ?? DEFAULT_BACKOFF_SECONDS;
      backoffUntil = Date.now() + Math.max(1, wait) * 1000;
      log.warn('opensubtitles rate limit', { retryAfterSeconds: wait });
      await answer.body?.cancel();
      throw rateLimited();
    }
    if (answer.status >= 500) {
      await answer.body?.cancel();
      throw unavailable(`it answered ${answer.status}`);
    }
    return answer;
  }

  async function json<T>(answer: Response, schema: z.ZodType<T>): Promise<T> {
    const parsed = schema.safeParse(await answer.json().catch(() => undefined));
    if (!parsed.success) throw unavailable(`unexpected answer to ${answer.url || 'a request'}`);
    return parsed.data;
  }

  /** The login JWT, and the API host the login answer assigns (VIP accounts get their own). */
  async function login(): Promise<void> {
    if (!credentials || token) return;
    if (Date.now() < loginRefusedUntil) throw loginRefused();
    loggingIn ??= (async () => {
      const answer = await send('POST', `${configuredBase}/login`, credentials);
      if (answer.status === 401 || answer.status === 400) {
        await answer.body?.cancel();
        loginRefusedUntil = Date.now() + LOGIN_REFUSED_MS;
        log.warn('opensubtitles login refused', { status: answer.status });
        throw loginRefused();
      }
      if (!answer.ok) {
        await answer.body?.cancel();
        throw unavailable(`login answered ${answer.status}`);
      }
      const session = await json(answer, Login);
      token = session.token;
      base = configuredBase;
      const host = session.base_url?.replace(/^[a-z]+:\/\//i, '').split('/')[0];
      if (host) {
        const url = new URL(configuredBase);
        url.host = host;
        base = url.toString().replace(/\/+$/, '');
      }
      log.info('opensubtitles login', { base });
    })().finally(() => {
      loggingIn = null;
    });
    return loggingIn;
  }

  /** A call with the session: a 401 drops the token and logs in again, once. */
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    if (!apiKey) throw notConfigured();
    await login();
    let answer = await send(method, `${base}${path}`, body);
    if (answer.status === 401 && credentials) {
      await answer.body?.cancel();
      token = null;
      await login();
      answer = await send(method, `${base}${path}`, body);
    }
    if (answer.status === 401 || answer.status === 403) {
      await answer.body?.cancel();
      throw new StreamError(
        503,
        'subtitles_not_configured',
        `OpenSubtitles refused the API key (${answer.status})`,
      );
    }
    return answer;
  }

  function noteQuota(answer: z.infer<typeof DownloadAnswer>) {
    const resetAt = answer.reset_time_utc ? Date.parse(answer.reset_time_utc) : Number.NaN;
    quota = {
      remaining: answer.remaining ?? quota?.remaining ?? null,
      resetAt: Number.isNaN(resetAt) ? (quota?.resetAt ?? null) : new Date(resetAt).toISOString(),
    };
    if (quota.remaining !== null && quota.remaining <= 0 && !Number.isNaN(resetAt)) quotaResetAt = resetAt;
  }

  return {
    configured: Boolean(apiKey),
    quota: () => quota,

    async search(params) {
      const answer = await call('GET', `/subtitles?${queryString(params)}`);
      if (!answer.ok) {
        await answer.body?.cancel();
        throw unavailable(`search answered ${answer.status}`);
      }
      const found = await json(answer, SearchAnswer);
      return found.data.flatMap(({ attributes: a }) => {
        const [file, ...more] = a.files;
        if (!file || more.length) return [];
        return [
          {
            fileId: file.file_id,
            language: a.language?.toLowerCase() ?? null,
            release: a.release ?? null,
            hearingImpaired: a.hearing_impaired === true,
            forced: a.foreign_parts_only === true,
            downloadCount: Math.max(0, Math.trunc(a.download_count ?? 0)),
            hashMatch: a.moviehash_match === true,
          },
        ];
      });
    },

    async download(fileId) {
      if (Date.now() < quotaResetAt) throw quotaSpent();
      const answer = await call('POST', '/download', { file_id: fileId, sub_format: 'srt' });
      if (answer.status === 406) {
        const body = await json(answer, DownloadAnswer);
        noteQuota({ ...body, remaining: Math.min(0, body.remaining ?? 0) });
        // A 406 without a readable reset time: the quota is daily, try again in an hour.
        if (Date.now() >= quotaResetAt) {
          quotaResetAt = Date.now() + 3600_000;
          quota = { remaining: 0, resetAt: new Date(quotaResetAt).toISOString() };
        }
        log.warn('opensubtitles quota used up', { resetAt: new Date(quotaResetAt).toISOString() });
        throw quotaSpent();
      }
      if (answer.status === 400 || answer.status === 404 || answer.status === 410) {
        await answer.body?.cancel();
        throw new StreamError(404, 'not_found', `OpenSubtitles has no subtitle file ${fileId}`);
      }
      if (!answer.ok) {
        await answer.body?.cancel();
        throw unavailable(`download answered ${answer.status}`);
      }
      const link = await json(answer, DownloadAnswer);
      noteQuota(link);
      if (!link.link) throw unavailable('the download answer has no link');
      let file: Response;
      try {
        file = await fetchImpl(link.link, {
          headers: { 'User-Agent': USER_AGENT },
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (error) {
        log.warn('opensubtitles file unreachable', { error: String(error) });
        throw unavailable('the subtitle file did not arrive');
      }
      const bytes = new Uint8Array(await file.arrayBuffer().catch(() => new ArrayBuffer(0)));
      if (!file.ok || bytes.length === 0 || bytes.length > MAX_SUBTITLE_BYTES)
        throw unavailable(`the subtitle file answered ${file.status} with ${bytes.length} bytes`);
      return bytes;
    },
  };
}
