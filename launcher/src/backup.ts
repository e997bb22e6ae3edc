import { parseArgs } from 'node:util';
import { ConfigError, TorrentNodeConfigSchema } from '@sokoul/contracts';
import { createBackup, listBackups, pruneBackups, restoreBackup } from '@sokoul/db/backup';
import type { ResolvedConfig } from './config.js';
import { createLogger } from './log.js';
import { migrate } from './migrate.js';

export const BACKUP_USAGE = `Usage: sokoul backup create|list|restore FILE [--secrets]

  create                  back up the database (and DATA_DIR/secrets.json) into BACKUP_DIR
  list                    the archives in BACKUP_DIR, newest first, one JSON object per line
  restore FILE [--secrets]
                          replace the database's content with FILE's (a name in BACKUP_DIR or a
                          path); --secrets also puts its secrets.json back into DATA_DIR`;

/** The launcher does not read these itself; torrent-node's defaults apply. */
const BackupSettings = TorrentNodeConfigSchema.pick({
  BACKUP_METHOD: true,
  BACKUP_KEEP_DAILY: true,
  BACKUP_KEEP_WEEKLY: true,
});

/**
 * `sokoul backup …`. The database is reached like the other commands: the configured one, or the
 * embedded PostgreSQL (used as is when the stack runs, started for the command otherwise).
 */
export async function backupCommand(
  config: ResolvedConfig,
  args: string[],
  withDatabase: <T>(run: (url: string) => Promise<T>) => Promise<T>,
  print: (line: string) => void,
): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { secrets: { type: 'boolean', default: false } },
  });
  const settings = BackupSettings.parse(config.ENV);
  const log = createLogger(config.LOG_LEVEL, 'backup');
  const context = { backupDir: config.BACKUP_DIR, dataDir: config.DATA_DIR, log };
  switch (sub) {
    case 'list': {
      for (const backup of await listBackups(config.BACKUP_DIR)) print(JSON.stringify(backup));
      return;
    }
    case 'create': {
      const backup = await withDatabase((databaseUrl) =>
        createBackup({ ...context, databaseUrl, kind: 'manual', method: settings.BACKUP_METHOD }),
      );
      await pruneBackups(
        config.BACKUP_DIR,
        { daily: settings.BACKUP_KEEP_DAILY, weekly: settings.BACKUP_KEEP_WEEKLY },
        log,
      );
      print(JSON.stringify(backup));
      return;
    }
    case 'restore': {
      const [file] = positionals;
      if (!file || positionals.length > 1) throw new ConfigError(BACKUP_USAGE);
      const restored = await withDatabase(async (databaseUrl) => {
        // The schema the code expects first: a restore compares the archive's migration with it.
        await migrate(config.ROOT, databaseUrl, createLogger('warn', 'launcher'));
        return restoreBackup({ ...context, databaseUrl, file, restoreSecrets: values.secrets ?? false });
      });
      print(JSON.stringify(restored));
      return;
    }
    default:
      throw new ConfigError(BACKUP_USAGE);
  }
}
