import { z } from 'zod';

/**
 * Every configuration variable Sokoul reads. The launcher, the workerd app and torrent-node each
 * parse the subset they need with these schemas, once per process (or isolate).
 * Empty strings count as "not set" so a blank line in `.env` never overrides a default.
 */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().optional());
const optionalUrl = (protocols: string[]) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine(
        (v) => {
          try {
            return protocols.includes(new URL(v).protocol);
          } catch {
            return false;
          }
        },
        `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
      )
      .optional(),
  );
const intWithDefault = (def: number, min: number, max: number) => {
  const message = `expected a whole number from ${min} to ${max}`;
  return z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: message })
      .int({ error: message })
      .min(min, { error: message })
      .max(max, { error: message })
      .default(def),
  );
};
/** A decimal, for durations tests shorten below one unit (`STALL_MINUTES=0.05`). */
const numberWithDefault = (def: number, min: number, max: number) => {
  const message = `expected a number from ${min} to ${max}`;
  return z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: message })
      .min(min, { error: message })
      .max(max, { error: message })
      .default(def),
  );
};
const boolWithDefault = (def: boolean) =>
  z.preprocess(
    blankToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );
const secret = z.preprocess(
  blankToUndefined,
  z.string().min(32, 'expected at least 32 characters').optional(),
);

/** Goes into nats-server's configuration and the clients' CONNECT as is: nothing to quote or escape. */
const natsToken = z.preprocess(
  blankToUndefined,
  z
    .string()
    .min(32, 'expected at least 32 characters (openssl rand -hex 32)')
    .regex(/^[A-Za-z0-9._~+/=-]+$/, 'expected letters, digits or . _ ~ + / = - only (openssl rand -hex 32)')
    .optional(),
);

/** A variable the launcher always sets for the services it starts. */
const required = (pattern: RegExp, expected: string) =>
  z.preprocess(
    blankToUndefined,
    z.string({ message: 'is required (the launcher sets it)' }).regex(pattern, expected),
  );
const requiredSecret = z.preprocess(
  blankToUndefined,
  z
    .string({ message: 'is required (the launcher generates one)' })
    .min(32, 'expected at least 32 characters'),
);

export const LogLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
export type LogLevel = z.infer<typeof LogLevel>;

/** Variables shared by every process. */
export const SharedConfigSchema = z.object({
  LOG_LEVEL: z.preprocess(blankToUndefined, LogLevel.default('info')),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  NATS_URL: optionalUrl(['nats:', 'tls:']),
  NATS_WS_URL: optionalUrl(['ws:', 'wss:']),
  /**
   * The token every NATS client presents (the server's `authorization { token }`). Unset, the
   * launcher generates one for the embedded server; docker-compose requires it.
   */
  NATS_TOKEN: natsToken,
  METRICS_TOKEN: optionalString,
  TMDB_API_KEY: optionalString,
  TMDB_LANGUAGE: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'expected a language tag like fr-FR')
      .default('fr-FR'),
  ),
  /** The country whose releases, certifications and streaming offers TMDB answers use (default: TMDB_LANGUAGE's). */
  TMDB_REGION: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[A-Z]{2}$/, 'expected a country code like FR')
      .optional(),
  ),
  TMDB_API_BASE_URL: z.preprocess(
    blankToUndefined,
    z.url({ message: 'expected an http(s) URL' }).default('https://api.themoviedb.org/3'),
  ),
  TMDB_IMAGE_BASE_URL: z.preprocess(
    blankToUndefined,
    z.url({ message: 'expected an http(s) URL' }).default('https://image.tmdb.org/t/p/'),
  ),
  PROWLARR_URL: optionalUrl(['http:', 'https:']),
  PROWLARR_API_KEY: optionalString,
  JACKETT_URL: optionalUrl(['http:', 'https:']),
  JACKETT_API_KEY: optionalString,
  FLARESOLVERR_URL: optionalUrl(['http:', 'https:']),
  /**
   * Lets the indexers an admin adds live on this machine or the local network (loopback, private
   * and link-local addresses). Off, such URLs are refused, so an indexer URL cannot probe the LAN.
   */
  INDEXER_ALLOW_PRIVATE: boolWithDefault(false),
  REAL_DEBRID_API_KEY: optionalString,
  /** The bot's token from @BotFather (the spec's name); TELEGRAM_BOT_TOKEN is the clearer alias and wins. */
  TELOXIDE_TOKEN: optionalString,
  TELEGRAM_BOT_TOKEN: optionalString,
  /** The Bot API's base URL; tests point it at a fake. */
  TELEGRAM_API_ROOT: z.preprocess(
    blankToUndefined,
    z.url({ message: 'expected an http(s) URL' }).default('https://api.telegram.org'),
  ),
  /**
   * The address people and Telegram reach Sokoul at (https://sokoul.example.org). Set, the bot
   * takes updates by webhook (`sokoul telegram webhook set`); unset, torrent-node long-polls.
   */
  PUBLIC_URL: optionalUrl(['http:', 'https:']),
  /** Where Sokoul's web app answers on this machine (the launcher sets it): links when PUBLIC_URL is unset, the poller's target. */
  APP_URL: z.preprocess(
    blankToUndefined,
    z.url({ message: 'expected an http(s) URL' }).default('http://127.0.0.1:3000'),
  ),
  /** What Telegram (and the poller) must send in X-Telegram-Bot-Api-Secret-Token; the launcher generates one. */
  TELEGRAM_WEBHOOK_SECRET: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{32,256}$/, 'expected 32 to 256 letters, digits, _ or -')
      .optional(),
  ),
  LLAMA_ENDPOINT: optionalUrl(['http:', 'https:']),
  DOWNLOAD_DIR: z.preprocess(blankToUndefined, z.string().default('./downloads')),
  MAX_CONCURRENT_DL: intWithDefault(3, 1, 64),
  /** Completed files are hard-linked (copied across filesystems) into a clean layout here. */
  LIBRARY_DIR: optionalString,
  /**
   * Global limits in bytes per second, 0 for none, until an admin sets others at run time (the
   * API shows them, torrent-node applies them).
   */
  DOWNLOAD_LIMIT: intWithDefault(0, 0, Number.MAX_SAFE_INTEGER),
  UPLOAD_LIMIT: intWithDefault(0, 0, Number.MAX_SAFE_INTEGER),
  /** torrent-node's stream server port (the launcher points the API's TORRENT_NODE_URL at it). */
  STREAM_PORT: intWithDefault(9465, 1, 65_535),
  /**
   * Identical searches within this window are answered from stored results (torrent-node), and
   * "play this now" starts from the caller's search made within it (the API).
   */
  SEARCH_CACHE_MINUTES: intWithDefault(30, 0, 7 * 24 * 60),
  /**
   * Grace period for each service to stop (ms): the launcher's wait before it kills one, and
   * torrent-node lets streams in flight finish for half of it.
   */
  SHUTDOWN_TIMEOUT_MS: intWithDefault(10_000, 100, 120_000),
  /** Where Sokoul keeps its own files (secrets.json, the embedded services' data, VAPID keys). */
  DATA_DIR: z.preprocess(blankToUndefined, z.string().default('./data')),
  /** Backup archives (torrent-node writes them; `sokoul backup` reads them). */
  BACKUP_DIR: z.preprocess(blankToUndefined, z.string().default('./data/backups')),
  /**
   * Web push (VAPID). Unset, the launcher derives the pair from INTERNAL_SIGNING_KEY when that is
   * configured (two containers then agree), else generates it once into DATA_DIR/secrets.json.
   */
  VAPID_PUBLIC_KEY: optionalString,
  VAPID_PRIVATE_KEY: optionalString,
  /**
   * Lets push subscriptions point at this machine or the local network (a self-hosted push
   * service). Off, such endpoints are refused, so a subscription cannot make Sokoul probe the LAN.
   */
  PUSH_ALLOW_PRIVATE: boolWithDefault(false),
  /** The contact push services may reach (mailto: or https:). */
  VAPID_SUBJECT: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^(mailto:|https:\/\/)/, 'expected mailto:… or https://…')
      .default('mailto:admin@sokoul.invalid'),
  ),
});

export type SharedConfig = z.infer<typeof SharedConfigSchema>;

/** The bot's token, from either name (TELEGRAM_BOT_TOKEN first). */
export const telegramToken = (config: Pick<SharedConfig, 'TELEGRAM_BOT_TOKEN' | 'TELOXIDE_TOKEN'>) =>
  config.TELEGRAM_BOT_TOKEN ?? config.TELOXIDE_TOKEN;

/** Where links in messages point: the public address, else this machine's. */
export const appLink = (config: Pick<SharedConfig, 'PUBLIC_URL' | 'APP_URL'>, path: string) =>
  `${(config.PUBLIC_URL ?? config.APP_URL).replace(/\/+$/, '')}${path}`;

/** The workerd app (functions + Durable Objects). Values arrive as text bindings. */
export const ApiConfigSchema = SharedConfigSchema.extend({
  DATABASE_URL: required(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
  NATS_WS_URL: required(/^wss?:\/\//, 'expected a ws:// URL'),
  JWT_SECRET: requiredSecret,
  INTERNAL_SIGNING_KEY: requiredSecret,
  API_KEY: z.preprocess(blankToUndefined, z.string().min(16, 'expected at least 16 characters').optional()),
  UPSTASH_REDIS_REST_URL: optionalUrl(['http:', 'https:']),
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  /** Prefix of every cache key, so several instances can share one Redis. */
  CACHE_NAMESPACE: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected letters, digits, dot, dash or underscore')
      .default('sokoul'),
  ),
  ACCESS_TOKEN_TTL: intWithDefault(900, 30, 86_400),
  REFRESH_TOKEN_TTL: intWithDefault(30 * 86_400, 3600, 365 * 86_400),
  LOGIN_RATE_LIMIT: intWithDefault(10, 1, 10_000),
  LOGIN_RATE_WINDOW: intWithDefault(900, 10, 86_400),
  /** Sign-up attempts allowed from one address per window (seconds). */
  SIGNUP_RATE_LIMIT: intWithDefault(10, 1, 100_000),
  SIGNUP_RATE_WINDOW: intWithDefault(3600, 10, 86_400),
  MAX_BODY_BYTES: intWithDefault(1_048_576, 1024, 104_857_600),
  CORS_ORIGINS: optionalString,
  /** How long one TMDB call may take before the cached copy (or a 502) answers instead. */
  TMDB_TIMEOUT_MS: intWithDefault(5000, 100, 60_000),
  /** Forces the fresh lifetime of every cached TMDB answer (seconds); unset keeps per-kind lifetimes. */
  TMDB_CACHE_TTL_SECONDS: z.preprocess(
    blankToUndefined,
    z.coerce.number().int().min(1).max(604_800).optional(),
  ),
  /** How long a signed stream or subtitle URL handed to a player stays valid (seconds). */
  STREAM_URL_TTL: intWithDefault(6 * 3600, 10, 7 * 86_400),
  /** How long a Telegram linking code stays valid (seconds). */
  TELEGRAM_LINK_CODE_TTL: intWithDefault(600, 30, 86_400),
  /** Commands (messages and button taps) one Telegram chat may send per minute. */
  TELEGRAM_COMMANDS_PER_MINUTE: intWithDefault(20, 1, 10_000),
  /** torrent-node's stream server, which the API forwards byte routes and file questions to. */
  TORRENT_NODE_URL: z.preprocess(
    blankToUndefined,
    z.url({ message: 'expected an http(s) URL' }).default('http://127.0.0.1:9465'),
  ),
});
export type ApiConfig = z.infer<typeof ApiConfigSchema>;

/** torrent-node. */
export const TorrentNodeConfigSchema = SharedConfigSchema.extend({
  DATABASE_URL: required(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
  NATS_URL: required(/^(nats|tls):\/\//, 'expected a nats:// URL'),
  TORRENT_NODE_METRICS_HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
  TORRENT_NODE_METRICS_PORT: intWithDefault(9464, 0, 65_535),
  HEARTBEAT_INTERVAL_MS: intWithDefault(10_000, 100, 600_000),
  NODE_ID: z.preprocess(blankToUndefined, z.string().default('torrent-node')),
  /** HTTP or SOCKS5 proxy for the indexers an admin adds (Gluetun's, e.g. http://gluetun:8888). */
  INDEXER_PROXY_URL: optionalUrl(['http:', 'https:', 'socks5:', 'socks:']),
  /** How long one indexer may take before Scout stops waiting for it. */
  INDEXER_TIMEOUT_MS: intWithDefault(8000, 100, 120_000),
  /** How many searches torrent-node runs at once; more wait their turn in the queue. */
  SEARCH_CONCURRENCY: intWithDefault(3, 1, 64),
  /** How many other background tasks (reports, cleanup) torrent-node runs at once. */
  TASK_CONCURRENCY: intWithDefault(2, 1, 64),
  /** Rescore the best results with the LLM at LLAMA_ENDPOINT (off unless set to true). */
  ORACLE_ENABLED: z
    .preprocess(blankToUndefined, z.enum(['true', 'false']).default('false'))
    .transform((v) => v === 'true'),
  ORACLE_TIMEOUT_MS: intWithDefault(4000, 100, 60_000),
  /** BitTorrent listening port (TCP and uTP); forward it on the VPN or router for incoming peers. */
  TORRENT_PORT: intWithDefault(6881, 0, 65_535),
  TORRENT_DHT: boolWithDefault(true),
  TORRENT_PEX: boolWithDefault(true),
  /** Announce to the trackers a torrent lists. */
  TORRENT_TRACKERS: boolWithDefault(true),
  /** Local peer discovery on the LAN. */
  TORRENT_LSD: boolWithDefault(false),
  TORRENT_UTP: boolWithDefault(true),
  /** Seeding stops when the upload reaches this ratio or after SEED_TIME_MINUTES, whichever first. */
  SEED_RATIO: numberWithDefault(1, 0, 1000),
  SEED_TIME_MINUTES: numberWithDefault(60, 0, 525_600),
  /** Downloads pause below this much free space (beyond their own remaining size when starting). */
  DISK_MIN_FREE_MB: intWithDefault(1024, 0, 100_000_000),
  /** No progress and no peers for this long (or no metadata for a magnet): stalled. */
  STALL_MINUTES: numberWithDefault(10, 0.01, 10_080),
  /** .torrent downloads from indexers: time and size caps. */
  TORRENT_FETCH_TIMEOUT_MS: intWithDefault(15_000, 100, 300_000),
  TORRENT_FILE_MAX_BYTES: intWithDefault(10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  /** ffprobe to use; default: the machine's, else the one shipped by @ffprobe-installer. */
  FFPROBE_PATH: optionalString,
  /** ffmpeg for remux, transcode and subtitles; default: the machine's, else @ffmpeg-installer's. */
  FFMPEG_PATH: optionalString,
  /** Verifies the stream URLs the API signs and the API's internal calls. */
  INTERNAL_SIGNING_KEY: requiredSecret,
  /** The stream server (byte routes, remux, subtitles, file questions from the API). */
  STREAM_HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
  /** How far ahead of each reader of a downloading file pieces are fetched first (MiB). */
  STREAM_READAHEAD_MB: intWithDefault(48, 1, 4096),
  /** A reader idle this long gives its pieces' priority back (seconds). */
  STREAM_IDLE_SECONDS: numberWithDefault(30, 0.1, 3600),
  /** Video transcodes at once (remuxes are cheap and not limited). */
  TRANSCODE_CONCURRENCY: intWithDefault(1, 0, 16),
  /** Extracted subtitles and other derived files. */
  CACHE_DIR: z.preprocess(blankToUndefined, z.string().default('./data/cache')),
  OPENSUBTITLES_API_KEY: optionalString,
  OPENSUBTITLES_USERNAME: optionalString,
  OPENSUBTITLES_PASSWORD: optionalString,
  OPENSUBTITLES_API_URL: z.preprocess(
    blankToUndefined,
    z.url({ message: 'expected an http(s) URL' }).default('https://api.opensubtitles.com/api/v1'),
  ),
  /** Real-Debrid's REST API (1.0); another base URL points it at a fake in tests. */
  REAL_DEBRID_API_URL: z.preprocess(
    blankToUndefined,
    z.url({ message: 'expected an http(s) URL' }).default('https://api.real-debrid.com/rest/1.0'),
  ),
  /** Real-Debrid's limit per account; torrent-node's requests share it (429s count too). */
  REAL_DEBRID_REQUESTS_PER_MINUTE: intWithDefault(250, 1, 10_000),
  /** Parallel HTTP connections fetching one Real-Debrid file to disk. */
  REAL_DEBRID_CONNECTIONS: intWithDefault(4, 1, 16),
  /** How long an info hash seen `downloaded` on Real-Debrid is shown as cached ("instantané"). */
  REAL_DEBRID_CACHE_HOURS: numberWithDefault(72, 0, 8760),
  /** Sentinel: how often each check runs while it passes (a failing one backs off, up to the max). */
  SENTINEL_INTERVAL_SECONDS: numberWithDefault(60, 0.1, 86_400),
  SENTINEL_MAX_BACKOFF_MINUTES: numberWithDefault(240, 0.01, 10_080),
  /** Alert when a media or data folder has less free space than this. */
  ALERT_DISK_FREE_MB: intWithDefault(5120, 0, 100_000_000),
  /** Alert when the CPU stays above this percent for ALERT_CPU_WINDOW_MINUTES. */
  ALERT_CPU_PERCENT: intWithDefault(90, 1, 100),
  ALERT_CPU_WINDOW_MINUTES: numberWithDefault(5, 0.01, 1440),
  ALERT_MEMORY_PERCENT: intWithDefault(95, 1, 100),
  /** Alert when the last good backup is older than this. */
  ALERT_BACKUP_MAX_AGE_HOURS: numberWithDefault(48, 0.01, 8760),
  /** An alert that lasts is sent again this often. */
  ALERT_REPEAT_MINUTES: numberWithDefault(360, 0.01, 10_080),
  /** The scheduler (off: no job runs by itself; "run now" still works). */
  SCHEDULER_ENABLED: boolWithDefault(true),
  /** Finished tasks and downloads older than this are archived (removed, their counts kept). */
  TASK_RETENTION_DAYS: intWithDefault(30, 1, 3650),
  /** Backups kept: the last daily ones and the last weekly ones (manual ones count as daily). */
  BACKUP_KEEP_DAILY: intWithDefault(7, 1, 365),
  BACKUP_KEEP_WEEKLY: intWithDefault(4, 0, 520),
  /** `auto`: pg_dump when the machine has one at least as new as the server, else Sokoul's own dump. */
  BACKUP_METHOD: z.preprocess(blankToUndefined, z.enum(['auto', 'pg_dump', 'sokoul']).default('auto')),
});
export type TorrentNodeConfig = z.infer<typeof TorrentNodeConfigSchema>;

/** The launcher (`sokoul start`): everything above plus where and how to run the embedded defaults. */
export const LauncherConfigSchema = SharedConfigSchema.extend({
  HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
  PORT: intWithDefault(3000, 0, 65_535),
  RUN_MIGRATIONS: boolWithDefault(true),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  UPSTASH_REDIS_REST_URL: optionalUrl(['http:', 'https:']),
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  JWT_SECRET: secret,
  INTERNAL_SIGNING_KEY: secret,
  API_KEY: z.preprocess(blankToUndefined, z.string().min(16, 'expected at least 16 characters').optional()),
  EMBEDDED_POSTGRES_PORT: intWithDefault(54329, 1024, 65_535),
  EMBEDDED_NATS_PORT: intWithDefault(4322, 1024, 65_535),
  EMBEDDED_NATS_WS_PORT: intWithDefault(4323, 1024, 65_535),
  REDIS_GATEWAY_PORT: intWithDefault(8079, 0, 65_535),
  NATS_SERVER_BIN: optionalString,
});
export type LauncherConfig = z.infer<typeof LauncherConfigSchema>;

/** Turns a zod failure into one line per variable, naming it and what is expected. */
export function describeConfigError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const name = issue.path.join('.') || '(config)';
      return `  ${name}: ${issue.message}`;
    })
    .join('\n');
}

export function parseConfig<S extends z.ZodType>(schema: S, source: Record<string, unknown>): z.infer<S> {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(`Invalid configuration:\n${describeConfigError(result.error)}`);
  }
  return result.data;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
