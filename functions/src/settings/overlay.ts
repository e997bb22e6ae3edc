import { type ApiConfig, type ConfigKey, configKeysFor, parseConfigValue } from '@sokoul/contracts';
import { readConfigValues } from '@sokoul/db';
import type { Logger } from '@sokoul/durable-objects';
import type { Infra } from '../infra/index.js';

/**
 * The run-time settings on the API's side. The environment's configuration is parsed once per
 * isolate (functions/src/config.ts); the values an admin stored are laid over it per request, from
 * a copy kept in the isolate while the shared settings version (in the cache, like user-data.ts's
 * versions) is unchanged: this instance sees a change at once, the others within CHECK_MS.
 */
const CHECK_MS = 1000;
const VERSION_KEY = 'settings:version';
const VERSION_TTL_SECONDS = 30 * 86_400;
const KEYS = configKeysFor('api');

interface Kept {
  version: string;
  checkedAt: number;
  base: ApiConfig;
  config: ApiConfig;
}
let kept: Kept | undefined;
/** After a failure, the environment's configuration (or the last overlay) serves until then. */
let retryAt = 0;

async function sharedVersion(infra: Infra): Promise<string> {
  const current = await infra.cache.get(VERSION_KEY);
  if (current) return current;
  await infra.cache.add(VERSION_KEY, crypto.randomUUID(), VERSION_TTL_SECONDS);
  return (await infra.cache.get(VERSION_KEY)) ?? 'unknown';
}

/** The environment's configuration with the stored values of the keys the API applies. */
export function overlay(
  base: ApiConfig,
  stored: Partial<Record<ConfigKey, string>>,
  log?: Logger,
): ApiConfig {
  const config: Record<string, unknown> = { ...base };
  for (const key of KEYS) {
    const text = stored[key];
    if (text === undefined) continue;
    const parsed = parseConfigValue(key, text);
    if (parsed.ok) config[key] = parsed.value;
    else log?.warn('ignoring a stored setting that does not fit', { key, error: parsed.message });
  }
  return config as ApiConfig;
}

export async function overlaidConfig(base: ApiConfig, infra: Infra, log: Logger): Promise<ApiConfig> {
  const now = Date.now();
  if (kept && kept.base === base && now - kept.checkedAt < CHECK_MS) return kept.config;
  if (now < retryAt) return kept?.base === base ? kept.config : base;
  try {
    const version = await sharedVersion(infra);
    if (kept && kept.base === base && kept.version === version) {
      kept.checkedAt = now;
      return kept.config;
    }
    const config = overlay(base, await readConfigValues(infra.db), log);
    kept = { version, checkedAt: now, base, config };
    return config;
  } catch (error) {
    // The settings are an overlay: an unreachable cache or database leaves the environment's.
    retryAt = now + CHECK_MS;
    log.warn('cannot read the stored settings, using the environment', { error: String(error) });
    return kept?.base === base ? kept.config : base;
  }
}

/** After a change committed: a new shared version, and this isolate's copy dropped. */
export async function settingsChanged(infra: Infra): Promise<void> {
  kept = undefined;
  await infra.cache.set(VERSION_KEY, crypto.randomUUID(), VERSION_TTL_SECONDS);
}
