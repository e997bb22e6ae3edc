import { z } from 'zod';
import { ApiConfigSchema, TorrentNodeConfigSchema } from './config.js';

/**
 * The configuration an admin may change at run time (Settings). A value stored in the `settings`
 * table overrides the environment's, which overrides the default; clearing it falls back again.
 * Each key keeps the schema the environment is parsed with, so both are validated the same way,
 * and values are stored as the text an environment variable would hold.
 */

/** Which process applies a key: the API (workerd), torrent-node, or both. */
export const ConfigService = z.enum(['api', 'torrent-node', 'both']);
export type ConfigService = z.infer<typeof ConfigService>;

export const ConfigSection = z.enum([
  'tmdb',
  'downloads',
  'indexers',
  'subtitles',
  'oracle',
  'alerts',
  'maintenance',
  'realDebrid',
  'telegram',
]);
export type ConfigSection = z.infer<typeof ConfigSection>;

interface ConfigKeySpec {
  section: ConfigSection;
  service: ConfigService;
  /** Write-only: no route returns it, no log prints it. */
  secret: boolean;
  schema: z.ZodType;
}

const api = ApiConfigSchema.shape;
const node = TorrentNodeConfigSchema.shape;
const spec = (
  section: ConfigSection,
  service: ConfigService,
  schema: z.ZodType,
  secret = false,
): ConfigKeySpec => ({ section, service, schema, secret });

export const CONFIG_KEYS = {
  TMDB_API_KEY: spec('tmdb', 'api', api.TMDB_API_KEY, true),
  TMDB_LANGUAGE: spec('tmdb', 'both', api.TMDB_LANGUAGE),
  TMDB_REGION: spec('tmdb', 'api', api.TMDB_REGION),
  MAX_CONCURRENT_DL: spec('downloads', 'torrent-node', node.MAX_CONCURRENT_DL),
  STALL_MINUTES: spec('downloads', 'torrent-node', node.STALL_MINUTES),
  DISK_MIN_FREE_MB: spec('downloads', 'torrent-node', node.DISK_MIN_FREE_MB),
  SEED_RATIO: spec('downloads', 'torrent-node', node.SEED_RATIO),
  SEED_TIME_MINUTES: spec('downloads', 'torrent-node', node.SEED_TIME_MINUTES),
  JACKETT_URL: spec('indexers', 'torrent-node', node.JACKETT_URL),
  JACKETT_API_KEY: spec('indexers', 'torrent-node', node.JACKETT_API_KEY, true),
  PROWLARR_URL: spec('indexers', 'torrent-node', node.PROWLARR_URL),
  PROWLARR_API_KEY: spec('indexers', 'torrent-node', node.PROWLARR_API_KEY, true),
  FLARESOLVERR_URL: spec('indexers', 'torrent-node', node.FLARESOLVERR_URL),
  INDEXER_PROXY_URL: spec('indexers', 'torrent-node', node.INDEXER_PROXY_URL),
  OPENSUBTITLES_API_KEY: spec('subtitles', 'torrent-node', node.OPENSUBTITLES_API_KEY, true),
  OPENSUBTITLES_USERNAME: spec('subtitles', 'torrent-node', node.OPENSUBTITLES_USERNAME),
  OPENSUBTITLES_PASSWORD: spec('subtitles', 'torrent-node', node.OPENSUBTITLES_PASSWORD, true),
  ORACLE_ENABLED: spec('oracle', 'torrent-node', node.ORACLE_ENABLED),
  LLAMA_ENDPOINT: spec('oracle', 'torrent-node', node.LLAMA_ENDPOINT),
  ALERT_DISK_FREE_MB: spec('alerts', 'torrent-node', node.ALERT_DISK_FREE_MB),
  ALERT_CPU_PERCENT: spec('alerts', 'torrent-node', node.ALERT_CPU_PERCENT),
  ALERT_CPU_WINDOW_MINUTES: spec('alerts', 'torrent-node', node.ALERT_CPU_WINDOW_MINUTES),
  ALERT_MEMORY_PERCENT: spec('alerts', 'torrent-node', node.ALERT_MEMORY_PERCENT),
  ALERT_BACKUP_MAX_AGE_HOURS: spec('alerts', 'torrent-node', node.ALERT_BACKUP_MAX_AGE_HOURS),
  ALERT_REPEAT_MINUTES: spec('alerts', 'torrent-node', node.ALERT_REPEAT_MINUTES),
  SCHEDULER_ENABLED: spec('maintenance', 'torrent-node', node.SCHEDULER_ENABLED),
  TASK_RETENTION_DAYS: spec('maintenance', 'torrent-node', node.TASK_RETENTION_DAYS),
  BACKUP_KEEP_DAILY: spec('maintenance', 'torrent-node', node.BACKUP_KEEP_DAILY),
  BACKUP_KEEP_WEEKLY: spec('maintenance', 'torrent-node', node.BACKUP_KEEP_WEEKLY),
  // torrent-node rebuilds its Real-Debrid engine and restarts the bot on a change (live-services.ts);
  // the API reads the bot's token for its webhook and the Telegram settings.
  REAL_DEBRID_API_KEY: spec('realDebrid', 'torrent-node', node.REAL_DEBRID_API_KEY, true),
  TELEGRAM_BOT_TOKEN: spec('telegram', 'both', api.TELEGRAM_BOT_TOKEN, true),
} as const satisfies Record<string, ConfigKeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export const ConfigKey = z.enum(Object.keys(CONFIG_KEYS) as [ConfigKey, ...ConfigKey[]]);

/** The keys a process applies (`both` counts for each). */
export const configKeysFor = (service: Exclude<ConfigService, 'both'>): ConfigKey[] =>
  ConfigKey.options.filter((k) => CONFIG_KEYS[k].service === service || CONFIG_KEYS[k].service === 'both');

/** A value as the environment holds it: text (numbers and booleans are written as text). */
export const configText = (value: string | number | boolean): string => String(value).trim();

/** The key's parsed value for `text` (undefined: the default), or the schema's complaint. */
export function parseConfigValue(
  key: ConfigKey,
  text: string | undefined,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const result = CONFIG_KEYS[key].schema.safeParse(text);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, message: result.error.issues.map((i) => i.message).join('; ') };
}

export const ConfigSource = z.enum(['database', 'environment', 'default']);
export type ConfigSource = z.infer<typeof ConfigSource>;

export const ConfigValue = z.union([z.string(), z.number(), z.boolean()]);
export type ConfigValue = z.infer<typeof ConfigValue>;

/** One key as the Settings page shows it. A secret's value is never sent: only whether one is set. */
export const ConfigEntry = z.object({
  key: ConfigKey,
  section: ConfigSection,
  service: ConfigService,
  secret: z.boolean(),
  /** Where the effective value comes from. */
  source: ConfigSource,
  /** Whether there is an effective value at all (a key without default may have none). */
  set: z.boolean(),
  /** The effective value; absent for secrets and for keys with no value. */
  value: ConfigValue.optional(),
  /** The value without the database's (environment, else default); absent for secrets. */
  fallback: ConfigValue.optional(),
  /**
   * Whether the environment of the process applying the key sets it; null while unknown
   * (torrent-node reports its environment when it starts).
   */
  environment: z.boolean().nullable(),
});
export type ConfigEntry = z.infer<typeof ConfigEntry>;

export const ConfigList = z.object({ entries: z.array(ConfigEntry) });
export type ConfigList = z.infer<typeof ConfigList>;

/** Sets keys (a value) or clears them (null: back to the environment's value or the default). */
export const PutConfigRequest = z
  .object({
    values: z
      .partialRecord(ConfigKey, ConfigValue.nullable())
      .refine((v) => Object.keys(v).length > 0, 'nothing to change'),
  })
  .strict();
export type PutConfigRequest = z.infer<typeof PutConfigRequest>;

/**
 * What torrent-node saw in its environment for the keys it applies, stored at its start so the API
 * can show sources: each key's text, or only `true` for a secret that is set.
 */
export const ConfigEnvironment = z.object({
  nodeId: z.string(),
  reportedAt: z.string(),
  values: z.partialRecord(ConfigKey, z.union([z.string(), z.literal(true)])),
});
export type ConfigEnvironment = z.infer<typeof ConfigEnvironment>;

/** Ask torrent-node to fetch the capabilities of the search endpoints (all, or one by name). */
export const IndexerTestRequest = z.object({ name: z.string().min(1).max(100).optional() }).strict();
export type IndexerTestRequest = z.infer<typeof IndexerTestRequest>;

export const IndexerTestResult = z.object({
  name: z.string(),
  ok: z.boolean(),
  /** Categories the indexer listed in its capabilities. */
  categories: z.number().int().nonnegative(),
  /** What went wrong, in English, for admins. */
  error: z.string().optional(),
});
export type IndexerTestResult = z.infer<typeof IndexerTestResult>;

export const IndexerTestReply = z.object({
  results: z.array(IndexerTestResult),
  /** Problems before any endpoint was asked (Prowlarr's list unavailable, FlareSolverr missing). */
  errors: z.array(z.string()),
});
export type IndexerTestReply = z.infer<typeof IndexerTestReply>;

/**
 * Settings' Oracle "test" (torrent-node calls the LLM once with a tiny prompt at the effective
 * LLAMA_ENDPOINT, whether ORACLE_ENABLED or not): `ok`, or why not. `slow`: it answered, but after
 * ORACLE_TIMEOUT_MS, which is all a search waits.
 */
export const OracleTestState = z.enum([
  'ok',
  'slow',
  'not_configured',
  'unreachable',
  'timeout',
  'http',
  'invalid',
]);
export type OracleTestState = z.infer<typeof OracleTestState>;

export const OracleTestReply = z.object({
  ok: z.boolean(),
  state: OracleTestState,
  /** How long the answer took (0 when nothing was asked). */
  latencyMs: z.number().int().nonnegative(),
  /** What a search waits for it (ORACLE_TIMEOUT_MS). */
  timeoutMs: z.number().int().positive(),
  /** ORACLE_ENABLED: searches ask it. */
  enabled: z.boolean(),
  /** What went wrong, in English, for admins. */
  error: z.string().nullable(),
});
export type OracleTestReply = z.infer<typeof OracleTestReply>;
