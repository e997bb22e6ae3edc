import type { Db } from './db.js';
import { purgeExpiredSearches } from './searches.js';
import { purgeFinishedTasks } from './tasks.js';

/** Finished tasks are kept this long for the history shown to users. */
export const FINISHED_TASK_RETENTION_DAYS = 30;

/**
 * What `maintenance.cleanup` removes, step by step: expired or long-revoked auth rows, expired
 * searches (with their results) and old finished tasks. Each step answers how many rows it removed.
 */
export const CLEANUP_STEPS: readonly { name: string; run(db: Db): Promise<number> }[] = [
  {
    name: 'refreshTokens',
    run: (db) =>
      db.execute(
        "DELETE FROM refresh_tokens WHERE expires_at < now() OR revoked_at < now() - interval '7 days'",
      ),
  },
  {
    name: 'invites',
    run: (db) =>
      db.execute("DELETE FROM invites WHERE used_at IS NULL AND expires_at < now() - interval '7 days'"),
  },
  {
    name: 'apiKeys',
    run: (db) => db.execute("DELETE FROM api_keys WHERE revoked_at < now() - interval '30 days'"),
  },
  // Named for what users lose: the stale results (of the expired searches, removed with them).
  { name: 'searchResults', run: async (db) => (await purgeExpiredSearches(db)).results },
  { name: 'tasks', run: (db) => purgeFinishedTasks(db, FINISHED_TASK_RETENTION_DAYS) },
];
