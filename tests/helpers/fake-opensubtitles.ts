import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for OpenSubtitles' REST API v1 (api.opensubtitles.com/api/v1), answering in the
 * shapes its reference and real clients show: `POST /login` (a JWT and the `base_url` host to use
 * next: here a second listener, the "VIP" host), `GET /subtitles` (filters moviehash, tmdb_id,
 * parent_tmdb_id + season_number + episode_number, languages; unsorted or uppercase queries are
 * redirected to their sorted form, as the real API does), `POST /download` (a link, and the quota
 * counted per account: 406 with the real body once spent) and the link's file, served as SRT in
 * Windows-1252. Any request can be made to answer 429 with a Retry-After.
 */

export interface FakeSubtitle {
  fileId: number;
  language: string;
  release: string;
  downloadCount: number;
  hearingImpaired?: boolean;
  foreignPartsOnly?: boolean;
  /** The moviehash of the video this subtitle was made for. */
  moviehash?: string;
  /** A film's TMDB id. */
  tmdbId?: number;
  /** An episode: its series' TMDB id, season and number. */
  parentTmdbId?: number;
  season?: number;
  episode?: number;
  /** Several files (one per CD) when set. */
  extraFiles?: number[];
  /** The SRT, served in Windows-1252. */
  text: string;
}

export interface FakeRequest {
  /** `gateway`: the configured host; `vip`: the host the login answer named. */
  via: 'gateway' | 'vip';
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | undefined>;
}

export interface FakeOpenSubtitlesOptions {
  apiKey: string;
  username?: string;
  password?: string;
  /** Downloads allowed per account (anonymous: per API key) until the reset. */
  allowedDownloads?: number;
  subtitles: FakeSubtitle[];
}

export interface FakeOpenSubtitles {
  /** What OPENSUBTITLES_API_URL is set to. */
  url: string;
  /** The host the login answer names as `base_url`. */
  vipHost: string;
  requests: FakeRequest[];
  /** Downloads counted against the quota, and subtitle files served. */
  counts: { downloads: number; files: number; logins: number };
  /** When the quota resets (reset_time_utc). */
  resetAt: Date;
  allowedDownloads: number;
  /** The next `count` requests answer 429 with this Retry-After. */
  rateLimitNext(retryAfter: number | string, count?: number): void;
  /** Every token handed out so far is refused from now on (as after expiry). */
  expireTokens(): void;
  close(): Promise<void>;
}

/** Windows-1252's bytes for each character it has (the 0x80-0x9F block differs from Latin-1). */
const WINDOWS_1252 = new Map(
  [...new TextDecoder('windows-1252').decode(Uint8Array.from({ length: 256 }, (_, i) => i))].map((c, i) => [
    c,
    i,
  ]),
);

export function windows1252(text: string): Buffer {
  return Buffer.from(
    [...text].map((c) => {
      const byte = WINDOWS_1252.get(c);
      if (byte === undefined) throw new Error(`${c} has no Windows-1252 byte`);
      return byte;
    }),
  );
}

const pad = (n: number) => String(n).padStart(2, '0');

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

export async function startFakeOpenSubtitles(options: FakeOpenSubtitlesOptions): Promise<FakeOpenSubtitles> {
  const requests: FakeRequest[] = [];
  const counts = { downloads: 0, files: 0, logins: 0 };
  const tokens = new Map<string, string>();
  const used = new Map<string, number>();
  const links = new Map<string, FakeSubtitle>();
  let limited: { retryAfter: string; count: number } | null = null;
  const now = new Date();
  // The real quota renews at a fixed time of day.
  const resetAt = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));

  const gateway = createServer((req, res) => void handle('gateway', req, res));
  const vip = createServer((req, res) => void handle('vip', req, res));
  const [gatewayPort, vipPort] = await Promise.all([listen(gateway), listen(vip)]);
  const vipHost = `127.0.0.1:${vipPort}`;

  const fake: FakeOpenSubtitles = {
    url: `http://127.0.0.1:${gatewayPort}/api/v1`,
    vipHost,
    requests,
    counts,
    resetAt,
    allowedDownloads: options.allowedDownloads ?? 20,
    rateLimitNext(retryAfter, count = 1) {
      limited = { retryAfter: String(retryAfter), count };
    },
    expireTokens() {
      tokens.clear();
    },
    close: async () => {
      await Promise.all([gateway, vip].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };

  function attributes(s: FakeSubtitle, hashMatch: boolean | undefined) {
    const episode = s.parentTmdbId !== undefined;
    return {
      subtitle_id: String(s.fileId + 7_000_000),
      language: s.language,
      download_count: s.downloadCount,
      new_download_count: Math.floor(s.downloadCount / 10),
      hearing_impaired: s.hearingImpaired ?? false,
      hd: true,
      fps: 23.976,
      votes: 2,
      ratings: 6,
      from_trusted: false,
      foreign_parts_only: s.foreignPartsOnly ?? false,
      upload_date: '2021-03-01T12:00:00Z',
      file_hashes: [],
      ai_translated: false,
      nb_cd: 1 + (s.extraFiles?.length ?? 0),
      slug: s.release.toLowerCase(),
      machine_translated: false,
      release: s.release,
      comments: '',
      legacy_subtitle_id: s.fileId + 9_000_000,
      legacy_uploader_id: 0,
      uploader: { uploader_id: 12, name: 'fake', rank: 'Translator' },
      feature_details: episode
        ? {
            feature_id: s.fileId + 100,
            feature_type: 'Episode',
            year: 2011,
            title: 'Episode',
            movie_name: 'Series - S01E01',
            imdb_id: 1_480_055,
            tmdb_id: 63_056,
            season_number: s.season,
            episode_number: s.episode,
            parent_imdb_id: 944_947,
            parent_title: 'Series',
            parent_tmdb_id: s.parentTmdbId,
            parent_feature_id: 7451,
          }
        : {
            feature_id: s.fileId + 100,
            feature_type: 'Movie',
            year: 1999,
            title: 'Film',
            movie_name: '1999 - Film',
            imdb_id: 133_093,
            tmdb_id: s.tmdbId,
          },
      url: `https://www.opensubtitles.com/en/subtitles/legacy/${s.fileId + 9_000_000}`,
      related_links: [],
      files: [s.fileId, ...(s.extraFiles ?? [])].map((id, i) => ({
        file_id: id,
        cd_number: i + 1,
        file_name: `${s.release}${s.extraFiles ? `.cd${i + 1}` : ''}`,
      })),
      ...(hashMatch === undefined ? {} : { moviehash_match: hashMatch }),
    };
  }

  function search(res: ServerResponse, query: URLSearchParams) {
    const languages = query.get('languages')?.split(',');
    const hash = query.get('moviehash');
    const tmdb = query.get('tmdb_id');
    const parent = query.get('parent_tmdb_id');
    if (!hash && !tmdb && !parent) {
      json(res, 400, { errors: ['no search criteria'], status: 400 });
      return;
    }
    const found = options.subtitles.filter((s) => {
      if (languages && !languages.includes(s.language.toLowerCase())) return false;
      if (hash) return s.moviehash === hash;
      if (tmdb) return String(s.tmdbId) === tmdb;
      return (
        String(s.parentTmdbId) === parent &&
        (!query.has('season_number') || String(s.season) === query.get('season_number')) &&
        (!query.has('episode_number') || String(s.episode) === query.get('episode_number'))
      );
    });
    json(res, 200, {
      total_pages: 1,
      total_count: found.length,
      per_page: 60,
      page: 1,
      data: found.map((s) => ({
        id: String(s.fileId + 7_000_000),
        type: 'subtitle',
        attributes: attributes(s, hash ? true : undefined),
      })),
    });
  }

  function quotaText(origin: string) {
    const left = resetAt.getTime() - Date.now();
    const hours = Math.floor(left / 3_600_000);
    const minutes = Math.floor((left % 3_600_000) / 60_000);
    const at = `${resetAt.toISOString().slice(0, 10)} ${pad(resetAt.getUTCHours())}:${pad(resetAt.getUTCMinutes())}:${pad(resetAt.getUTCSeconds())} UTC`;
    return {
      reset_time: `${pad(hours)} hours and ${pad(minutes)} minutes`,
      reset_time_utc: resetAt.toISOString(),
      renewal: `Your quota will be renewed in ${pad(hours)} hours and ${pad(minutes)} minutes (${at}) ${origin}`,
    };
  }

  async function download(req: IncomingMessage, res: ServerResponse, account: string, origin: string) {
    const body = await readJson(req);
    const fileId = body?.file_id;
    const subtitle = options.subtitles.find((s) => s.fileId === fileId);
    if (typeof fileId !== 'number' || !subtitle) {
      json(res, 400, { message: 'Invalid file_id', status: 400 });
      return;
    }
    const count = used.get(account) ?? 0;
    const quota = quotaText('ts=1713880932');
    if (count >= fake.allowedDownloads) {
      json(res, 406, {
        requests: count + 1,
        remaining: 0,
        message: `You have downloaded your allowed ${fake.allowedDownloads} subtitles for 24h.${quota.renewal}`,
        reset_time: quota.reset_time,
        reset_time_utc: quota.reset_time_utc,
      });
      return;
    }
    used.set(account, count + 1);
    counts.downloads += 1;
    const link = randomUUID();
    links.set(link, subtitle);
    json(res, 200, {
      link: `${origin}/download/${link}/${subtitle.release}.srt`,
      file_name: `${subtitle.release}.srt`,
      requests: count + 1,
      remaining: fake.allowedDownloads - count - 1,
      message: quota.renewal,
      reset_time: quota.reset_time,
      reset_time_utc: quota.reset_time_utc,
    });
  }

  async function handle(via: FakeRequest['via'], req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({
      via,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      headers: {
        'api-key': req.headers['api-key'] as string | undefined,
        authorization: req.headers.authorization,
        'user-agent': req.headers['user-agent'],
      },
    });
    if (limited && limited.count > 0) {
      limited.count -= 1;
      json(res, 429, { message: 'API rate limit exceeded' }, { 'retry-after': limited.retryAfter });
      return;
    }
    const origin = `http://${req.headers.host}`;
    if (req.method === 'GET' && url.pathname.startsWith('/download/')) {
      const subtitle = links.get(url.pathname.split('/')[2] ?? '');
      if (!subtitle) {
        res.writeHead(404).end();
        return;
      }
      counts.files += 1;
      res.writeHead(200, { 'content-type': 'application/x-subrip' });
      res.end(windows1252(subtitle.text));
      return;
    }
    if (req.headers['api-key'] !== options.apiKey) {
      json(res, 403, { message: 'You cannot consume this service' });
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && !tokens.has(bearer)) {
      json(res, 401, { message: 'invalid token', status: 401 });
      return;
    }
    const account = bearer ? (tokens.get(bearer) ?? 'anonymous') : 'anonymous';

    if (req.method === 'POST' && url.pathname === '/api/v1/login') {
      const body = await readJson(req);
      counts.logins += 1;
      if (body?.username !== options.username || body?.password !== options.password) {
        json(res, 401, { message: 'Error, invalid username/password', status: 401 });
        return;
      }
      const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.${Buffer.from(randomUUID()).toString('base64url')}.sig`;
      tokens.set(token, String(body?.username));
      json(res, 200, {
        user: {
          allowed_translations: 1,
          allowed_downloads: fake.allowedDownloads,
          level: 'Sub leecher',
          user_id: 66,
          ext_installed: false,
          vip: false,
        },
        base_url: vipHost,
        token,
        status: 200,
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/v1/subtitles') {
      // The real API sends other forms of a query to its canonical one: sorted keys, lowercase values.
      const pairs = [...url.searchParams.entries()];
      const canonical = [...pairs]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v.toLowerCase()}`)
        .join('&');
      if (pairs.map(([k, v]) => `${k}=${v}`).join('&') !== canonical) {
        res.writeHead(301, { location: `${url.pathname}?${canonical}` }).end();
        return;
      }
      search(res, url.searchParams);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/v1/download') {
      await download(req, res, account, origin);
      return;
    }
    json(res, 404, { message: 'Not found', status: 404 });
  }

  return fake;
}
