import {
  CONFIG_KEYS,
  type ConfigEnvironment,
  type ConfigKey,
  configKeysFor,
  type IndexerTestReply,
  IndexerTestRequest,
  type IndexerTestResult,
  type OracleTestReply,
  parseConfigValue,
  Subjects,
  type TorrentNodeConfig,
} from '@sokoul/contracts';
import { type Db, readConfigValues, saveConfigEnvironment } from '@sokoul/db';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from './log.js';
import { configuredIndexers } from './search/indexers.js';
import { testOracle } from './search/oracle.js';
import { fetchCaps } from './search/torznab.js';

/**
 * The run-time settings overlay. torrent-node has ONE config object, passed by reference to every
 * module: the values an admin stored are written onto it at start and again on each
 * `settings.changed` (and every REFRESH_MS, for a message missed while NATS was away), so whatever
 * reads the config when it works sees the new value. A cleared key gets the environment's value
 * back (or the default): those are kept from the start.
 */
const REFRESH_MS = 60_000;
const codec = JSONCodec<unknown>();

export interface SettingsDeps {
  nc: NatsConnection;
  db: Db;
  config: TorrentNodeConfig;
  log: Logger;
  /** The process environment, as the config was parsed from it. */
  env: Record<string, string | undefined>;
  /** Called after an apply that changed values (their keys), for what copied a value at start. */
  onChange?: (keys: ConfigKey[]) => void;
}

export interface SettingsOverlay {
  /** Reads the database again and writes the values onto the config; the keys that changed. */
  apply(): Promise<ConfigKey[]>;
  stop(): void;
}

export async function startSettings(d: SettingsDeps): Promise<SettingsOverlay> {
  const keys = configKeysFor('torrent-node');
  const target = d.config as unknown as Record<ConfigKey, unknown>;
  const fromEnvironment = new Map(keys.map((k) => [k, target[k]] as const));
  let chain = Promise.resolve<ConfigKey[]>([]);

  const applyNow = async (): Promise<ConfigKey[]> => {
    const stored = await readConfigValues(d.db);
    const changed: ConfigKey[] = [];
    for (const key of keys) {
      let next = fromEnvironment.get(key);
      const text = stored[key];
      if (text !== undefined) {
        const parsed = parseConfigValue(key, text);
        // The API validated it; a value an older or newer version stored may not fit this one.
        if (parsed.ok) next = parsed.value;
        else d.log.warn('ignoring a stored setting that does not fit', { key, error: parsed.message });
      }
      if (!Object.is(target[key], next)) {
        target[key] = next;
        changed.push(key);
      }
    }
    // Names only: secrets' values never reach the logs.
    if (changed.length > 0) {
      d.log.info('settings applied', { changed });
      d.onChange?.(changed);
    }
    return changed;
  };
  // One apply at a time, in order: the last one always reads the latest rows.
  const apply = () => {
    chain = chain.then(applyNow, applyNow);
    return chain;
  };
  const applySafely = () =>
    void apply().catch((error: unknown) => d.log.warn('cannot read the settings', { error: String(error) }));

  const environment: ConfigEnvironment = {
    nodeId: d.config.NODE_ID,
    reportedAt: new Date().toISOString(),
    values: Object.fromEntries(
      keys.flatMap((k) => {
        const raw = d.env[k]?.trim();
        if (!raw) return [];
        return [[k, CONFIG_KEYS[k].secret ? true : raw]];
      }),
    ),
  };
  await saveConfigEnvironment(d.db, environment).catch((error: unknown) =>
    d.log.warn('cannot report the environment', { error: String(error) }),
  );
  await apply().catch((error: unknown) => d.log.warn('cannot read the settings', { error: String(error) }));

  const sub = d.nc.subscribe(Subjects.settingsChanged, { callback: (err) => err || applySafely() });
  const timer = setInterval(applySafely, REFRESH_MS);
  timer.unref();
  return {
    apply,
    stop() {
      clearInterval(timer);
      sub.unsubscribe();
    },
  };
}

/** Answers the API's "test the indexers" (Subjects.indexerTest) with this node's configuration. */
export function answerIndexerTests(d: Pick<SettingsDeps, 'nc' | 'db' | 'config' | 'log'>): Subscription {
  return d.nc.subscribe(Subjects.indexerTest, {
    // NATS does not wait for an async callback: its promise must never reject.
    callback: async (err, msg) => {
      if (err) return;
      const request = IndexerTestRequest.safeParse(codec.decode(msg.data));
      const reply = request.success
        ? await testIndexers(d, request.data.name)
        : { results: [], errors: ['malformed request'] };
      try {
        msg.respond(codec.encode(reply));
      } catch (error) {
        d.log.warn('cannot answer an indexer test', { error: String(error) });
      }
    },
  });
}

/** Every search endpoint (Jackett, Prowlarr's, the admin's enabled ones) asked for its caps. */
async function testIndexers(
  d: Pick<SettingsDeps, 'db' | 'config'>,
  name: string | undefined,
): Promise<IndexerTestReply> {
  try {
    const { endpoints, errors } = await configuredIndexers(d.config, d.db);
    const chosen = name === undefined ? endpoints : endpoints.filter((e) => e.name === name);
    const results = await Promise.all(
      chosen.map(async (endpoint): Promise<IndexerTestResult> => {
        try {
          const caps = await fetchCaps(endpoint);
          return { name: endpoint.name, ok: true, categories: caps.categories.length };
        } catch (error) {
          return {
            name: endpoint.name,
            ok: false,
            categories: 0,
            error: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
    const relevant = name === undefined ? errors : errors.filter((e) => e.includes(name));
    if (name !== undefined && chosen.length === 0 && relevant.length === 0)
      relevant.push(`${name} is not an enabled search endpoint`);
    return { results, errors: relevant };
  } catch (error) {
    return { results: [], errors: [error instanceof Error ? error.message : String(error)] };
  }
}

/** The Oracle test waits at least this long: a local LLM's first call may load its model. */
const ORACLE_TEST_TIMEOUT_MS = 20_000;

/** Answers the API's "test Oracle" (Subjects.oracleTest): one tiny call at the effective LLAMA_ENDPOINT. */
export function answerOracleTests(
  d: Pick<SettingsDeps, 'nc' | 'config' | 'log'> & { fetch?: typeof fetch },
): Subscription {
  return d.nc.subscribe(Subjects.oracleTest, {
    // NATS does not wait for an async callback: its promise must never reject.
    callback: async (err, msg) => {
      if (err) return;
      const reply = await oracleTest(d);
      try {
        msg.respond(codec.encode(reply));
      } catch (error) {
        d.log.warn('cannot answer an Oracle test', { error: String(error) });
      }
    },
  });
}

export async function oracleTest(
  d: Pick<SettingsDeps, 'config' | 'log'> & { fetch?: typeof fetch },
): Promise<OracleTestReply> {
  const { LLAMA_ENDPOINT: endpoint, ORACLE_TIMEOUT_MS: timeoutMs, ORACLE_ENABLED: enabled } = d.config;
  if (!endpoint)
    return {
      ok: false,
      state: 'not_configured',
      latencyMs: 0,
      timeoutMs,
      enabled,
      error: 'LLAMA_ENDPOINT is not set',
    };
  const { latencyMs, failure } = await testOracle({
    endpoint,
    timeoutMs: Math.max(timeoutMs, ORACLE_TEST_TIMEOUT_MS),
    fetch: d.fetch,
  });
  d.log.info('oracle tested', { latencyMs, failure: failure?.message ?? null });
  if (failure)
    return { ok: false, state: failure.kind, latencyMs, timeoutMs, enabled, error: failure.message };
  const slow = latencyMs > timeoutMs;
  return {
    ok: !slow,
    state: slow ? 'slow' : 'ok',
    latencyMs,
    timeoutMs,
    enabled,
    error: slow ? `the LLM answered in ${latencyMs} ms, more than the ${timeoutMs} ms a search waits` : null,
  };
}
