import type { Db } from './db.js';
import { purgeFinishedDownloads } from './downloads.js';
import { purgeExpiredSearches } from './searches.js';
import { purgeFinishedTasks } from './tasks.js';

/** Finished tasks and downloads are kept this long unless TASK_RETENTION_DAYS says otherwise. */
export const FINISHED_TASK_RETENTION_DAYS = 30;

export interface MaintenanceStep {
  name: string;
  /** `retentionDays`: TASK_RETENTION_DAYS (FINISHED_TASK_RETENTION_DAYS when not given). */
  run(db: Db, retentionDays?: number): Promise<number>;
}

/**
 * What `maintenance.cleanup` (and the scheduler's `searches.cleanup`) removes, step by step: expired
 * or long-revoked auth rows, expired searches (with their results) and old finished tasks. Each step
 * answers how many rows it removed.
 */
export const CLEANUP_STEPS: readonly MaintenanceStep[] = [
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
  {
    name: 'tasks',
    run: (db, retentionDays = FINISHED_TASK_RETENTION_DAYS) => purgeFinishedTasks(db, retentionDays),
  },
];

/**
 * The scheduler's `archive`: finished tasks and finished downloads older than the retention go
 * (their counts are the job's result).
 */
export const ARCHIVE_STEPS: readonly MaintenanceStep[] = [
  {
    name: 'tasks',
    run: (db, retentionDays = FINISHED_TASK_RETENTION_DAYS) => purgeFinishedTasks(db, retentionDays),
  },
  {
    name: 'downloads',
    run: (db, retentionDays = FINISHED_TASK_RETENTION_DAYS) => purgeFinishedDownloads(db, retentionDays),
  },
];
