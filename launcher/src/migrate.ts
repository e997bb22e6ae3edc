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
      info: (msg: string) => log.debug({ step: 'migrate' }, msg),
      warn: (msg: string) => log.warn({ step: 'migrate' }, msg),
      error: (msg: string) => log.error({ step: 'migrate' }, msg),
    },
  });
  const names = applied.map((m) => m.name);
  log.info(
    { step: 'migrate', applied: names, durationMs: Date.now() - started },
    `${names.length} migration(s) applied`,
  );
  return names;
}
