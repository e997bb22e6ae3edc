import {
  CONFIG_KEYS,
  type ConfigEntry,
  type ConfigEnvironment,
  type ConfigKey,
  ConfigKey as ConfigKeys,
  type ConfigList,
  type ConfigSource,
  ConfigValue,
  configText,
  type IndexerTestReply,
  IndexerTestReply as IndexerTestReplySchema,
  type IndexerTestRequest,
  type OracleTestReply,
  OracleTestReply as OracleTestReplySchema,
  type PutConfigRequest,
  parseConfigValue,
  Subjects,
} from '@sokoul/contracts';
import { readConfigEnvironments, readConfigValues, writeConfigValues } from '@sokoul/db';
import { assertAdmin } from '../auth/roles.js';
import type { Deps, Principal } from '../context.js';
import { ApiError, unavailable } from '../errors.js';
import { settingsChanged } from './overlay.js';

/** How long torrent-node may take to ask every indexer for its capabilities. */
const INDEXER_TEST_TIMEOUT_MS = 30_000;
/** torrent-node's Oracle test waits up to max(ORACLE_TIMEOUT_MS, 20 s) for the LLM (at most 60 s). */
const ORACLE_TEST_TIMEOUT_MS = 65_000;

/** The API's own environment as text (its bindings), to tell a set variable from a default. */
export type Environment = Readonly<Record<string, string | undefined>>;

const shown = (value: unknown): ConfigValue | undefined => {
  const parsed = ConfigValue.safeParse(value);
  return parsed.success ? parsed.data : undefined;
};

/**
 * The launcher hands workerd every variable it parsed, defaults included: a binding that holds the
 * default is not an environment's choice.
 */
function explicit(key: ConfigKey, text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  const parsed = parseConfigValue(key, trimmed);
  const fallback = parseConfigValue(key, undefined);
  return parsed.ok && fallback.ok && Object.is(parsed.value, fallback.value) ? undefined : trimmed;
}

/** GET /admin/config: each key's effective value (never a secret's), its source and its fallback. */
export async function listConfig(
  deps: Deps,
  principal: Principal,
  environment: Environment,
): Promise<ConfigList> {
  assertAdmin(principal);
  const [stored, reports] = await Promise.all([
    readConfigValues(deps.infra.db),
    readConfigEnvironments(deps.infra.db),
  ]);
  // Several torrent-nodes: a key is in the environment if any sets it (the latest to start wins).
  const reported =
    reports.length === 0
      ? null
      : (Object.assign({}, ...reports.toReversed().map((r) => r.values)) as ConfigEnvironment['values']);
  const entries = ConfigKeys.options.map((key): ConfigEntry => {
    const spec = CONFIG_KEYS[key];
    // The process that applies the key knows its environment: the API its bindings, torrent-node
    // what it reported at its start (`both`: the API's, which the page shows).
    const fromApi = spec.service !== 'torrent-node';
    const told = fromApi ? environment[key] : reported?.[key];
    const envText = told === true ? told : explicit(key, told);
    const envKnown = fromApi || reported !== null;
    // A secret torrent-node reported is only `true`: its value never left torrent-node.
    const fallback = parseConfigValue(key, typeof envText === 'string' ? envText : undefined);
    const fallbackValue = fallback.ok ? fallback.value : undefined;
    const storedText = stored[key];
    const fromDatabase = storedText === undefined ? null : parseConfigValue(key, storedText);
    const value = fromDatabase?.ok ? fromDatabase.value : fallbackValue;
    const source: ConfigSource = fromDatabase?.ok
      ? 'database'
      : envText !== undefined
        ? 'environment'
        : 'default';
    const set = value !== undefined || (source === 'environment' && envText !== undefined);
    return {
      key,
      section: spec.section,
      service: spec.service,
      secret: spec.secret,
      source,
      set,
      ...(spec.secret ? {} : { value: shown(value), fallback: shown(fallbackValue) }),
      environment: envKnown ? envText !== undefined : null,
    };
  });
  return { entries };
}

/** PUT /admin/config: every value checked by its key's schema first, then all saved at once. */
export async function putConfig(
  deps: Deps,
  principal: Principal,
  input: PutConfigRequest,
  environment: Environment,
): Promise<ConfigList> {
  assertAdmin(principal);
  const changes: Partial<Record<ConfigKey, string | null>> = {};
  const issues: { path: string; message: string }[] = [];
  for (const [key, value] of Object.entries(input.values) as [ConfigKey, ConfigValue | null | undefined][]) {
    if (value === undefined) continue;
    if (value === null) {
      changes[key] = null;
      continue;
    }
    const text = configText(value);
    const parsed = parseConfigValue(key, text);
    if (!parsed.ok) issues.push({ path: `values.${key}`, message: parsed.message });
    // An empty text would read as "not set" (like a blank line in .env): that is a clear, not a value.
    else changes[key] = text === '' ? null : text;
  }
  const first = issues[0];
  if (first)
    throw new ApiError(400, 'validation_failed', `Invalid body: ${first.path} ${first.message}`, {}, issues);
  await writeConfigValues(deps.infra.db, changes);
  const keys = Object.keys(changes);
  // Names only: secrets' values never reach the logs.
  deps.log.info('settings changed', { keys, by: principal.userId });
  await settingsChanged(deps.infra).catch((error: unknown) =>
    deps.log.warn('cannot share the settings version', { error: String(error) }),
  );
  // torrent-node also reads them again every minute: a lost message only delays the change.
  await deps.infra.bus
    .publish(Subjects.settingsChanged, { keys })
    .catch((error: unknown) =>
      deps.log.warn('cannot tell torrent-node the settings changed', { error: String(error) }),
    );
  return listConfig(deps, principal, environment);
}

/** POST /admin/indexers/test: torrent-node asks the endpoints it would search (it holds the proxy and keys). */
export async function testIndexers(
  deps: Deps,
  principal: Principal,
  input: IndexerTestRequest,
): Promise<IndexerTestReply> {
  assertAdmin(principal);
  let answer: unknown;
  try {
    answer = await deps.infra.bus.request(Subjects.indexerTest, input, INDEXER_TEST_TIMEOUT_MS);
  } catch {
    throw unavailable('torrent-node');
  }
  const reply = IndexerTestReplySchema.safeParse(answer);
  if (!reply.success)
    throw new ApiError(502, 'upstream_error', 'torrent-node answered the indexer test badly');
  return reply.data;
}

/** POST /admin/oracle/test: torrent-node calls the LLM once at the LLAMA_ENDPOINT it applies. */
export async function testOracle(deps: Deps, principal: Principal): Promise<OracleTestReply> {
  assertAdmin(principal);
  let answer: unknown;
  try {
    answer = await deps.infra.bus.request(Subjects.oracleTest, {}, ORACLE_TEST_TIMEOUT_MS);
  } catch {
    throw unavailable('torrent-node');
  }
  const reply = OracleTestReplySchema.safeParse(answer);
  if (!reply.success)
    throw new ApiError(502, 'upstream_error', 'torrent-node answered the Oracle test badly');
  return reply.data;
}
