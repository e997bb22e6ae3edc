import {
  CONFIG_KEYS,
  ConfigEnvironment,
  type ConfigKey,
  type Settings,
  SignupMode,
  type SqlParam,
  type SqlStatement,
} from '@sokoul/contracts';
import type { Db } from './db.js';

/**
 * The `settings` table: instance settings (the sign-up mode) and the run-time configuration an
 * admin sets (CONFIG_KEYS, stored under their variable's name as the text the environment would
 * hold), plus torrent-node's report of its environment. One owner for every key.
 */

/** One row per torrent-node (`environment.<nodeId>`): nodes may run with different environments. */
const ENVIRONMENT_PREFIX = 'environment.';
const configKeys = { keys: Object.keys(CONFIG_KEYS) };

/** The driver sends a `$2::jsonb` parameter as JSON: a string value is stored as a JSON string. */
const upsert = (key: string, value: SqlParam): SqlStatement => ({
  text: `INSERT INTO settings (key, value) VALUES ($1, $2::jsonb)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`,
  params: [key, value],
});

export async function readSettings(db: Db): Promise<Settings> {
  const rows = await db.query<{ value: unknown }>("SELECT value FROM settings WHERE key = 'signupMode'");
  const signupMode = SignupMode.safeParse(rows[0]?.value);
  return { signupMode: signupMode.success ? signupMode.data : 'invite' };
}

export async function writeSettings(db: Db, changes: Partial<Settings>): Promise<Settings> {
  const statements = Object.entries(changes).flatMap(([key, value]) =>
    value === undefined ? [] : [upsert(key, value)],
  );
  if (statements.length > 0) await db.transaction(statements);
  return readSettings(db);
}

/** The configuration values an admin set, by key (keys no longer in CONFIG_KEYS are ignored). */
export async function readConfigValues(db: Db): Promise<Partial<Record<ConfigKey, string>>> {
  const rows = await db.query<{ key: ConfigKey; value: unknown }>(
    `SELECT key, value FROM settings
      WHERE key IN (SELECT jsonb_array_elements_text($1::jsonb -> 'keys'))`,
    [configKeys],
  );
  const values: Partial<Record<ConfigKey, string>> = {};
  for (const row of rows) if (typeof row.value === 'string') values[row.key] = row.value;
  return values;
}

/** Sets (text) or clears (null) configuration values, all in one transaction. */
export async function writeConfigValues(
  db: Db,
  changes: Partial<Record<ConfigKey, string | null>>,
): Promise<void> {
  const statements = Object.entries(changes).map(([key, value]) =>
    value === null ? { text: 'DELETE FROM settings WHERE key = $1', params: [key] } : upsert(key, value),
  );
  if (statements.length > 0) await db.transaction(statements);
}

export async function saveConfigEnvironment(db: Db, environment: ConfigEnvironment): Promise<void> {
  const { text, params } = upsert(`${ENVIRONMENT_PREFIX}${environment.nodeId}`, environment);
  await db.execute(text, params);
}

/** What each torrent-node saw in its environment when it last started, most recent first. */
export async function readConfigEnvironments(db: Db): Promise<ConfigEnvironment[]> {
  const rows = await db.query<{ value: unknown }>(
    'SELECT value FROM settings WHERE starts_with(key, $1) ORDER BY updated_at DESC',
    [ENVIRONMENT_PREFIX],
  );
  return rows.flatMap((row) => {
    const parsed = ConfigEnvironment.safeParse(row.value);
    return parsed.success ? [parsed.data] : [];
  });
}
