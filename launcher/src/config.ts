import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type LauncherConfig, LauncherConfigSchema, parseConfig } from '@sokoul/contracts';

export interface ResolvedConfig extends LauncherConfig {
  /** Absolute paths. */
  ROOT: string;
  DATA_DIR: string;
  /** BACKUP_DIR when set, else `<DATA_DIR>/backups`. */
  BACKUP_DIR: string;
  DOWNLOAD_DIR: string;
  /** Absolute when set (completed downloads are linked there). */
  LIBRARY_DIR: string | undefined;
  /** The raw environment, for variables only the services read (passed through to them). */
  ENV: Record<string, string | undefined>;
}

/**
 * Reads `.env` (without overriding variables already set in the environment) and validates
 * everything once; an invalid value stops the launcher with a message naming the variable.
 */
export function loadConfig(root: string, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const envFile = resolve(root, '.env');
  if (env === process.env && existsSync(envFile)) process.loadEnvFile(envFile);
  const config = parseConfig(LauncherConfigSchema, env);
  const dataDir = resolve(root, config.DATA_DIR);
  return {
    ...config,
    ROOT: root,
    DATA_DIR: dataDir,
    BACKUP_DIR: env.BACKUP_DIR?.trim() ? resolve(root, env.BACKUP_DIR) : join(dataDir, 'backups'),
    DOWNLOAD_DIR: resolve(root, config.DOWNLOAD_DIR),
    LIBRARY_DIR: config.LIBRARY_DIR ? resolve(root, config.LIBRARY_DIR) : undefined,
    ENV: { ...env },
  };
}
