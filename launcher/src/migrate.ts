import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import type { Logger } from './log.js';

/**
 * Applies pending migrations from `migrations/` in order, each in its own transaction, recorded in
 * `pgmigrations`. node-pg-migrate holds an advisory lock meanwhile: a second launcher waits for it
 * and then finds nothing left to do.
 */
export async function migrate(root: string, databaseUrl: string, log: Logger): Promise<string[]> {
  const started = Date.now();
  const applied = await runner({
    databaseUrl,
    dir: join(root, 'migrations'),
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    advisoryLockMode: 'wait',
    log: () => undefined,
    logger: {
      debug: () => undefined,
      info: (msg: string) => log.debug(msg, { step: 'migrate' }),
      warn: (msg: string) => log.warn(msg, { step: 'migrate' }),
      error: (msg: string) => log.error(msg, { step: 'migrate' }),
    },
  });
  const names = applied.map((m) => m.name);
  log.info(`${names.length} migration(s) applied`, {
    step: 'migrate',
    applied: names,
    durationMs: Date.now() - started,
  });
  return names;
}
