import type { TaskContext } from './runner.js';

/** Finished tasks are kept this long for the history shown to users. */
const FINISHED_TASK_RETENTION_DAYS = 30;

/** Purges expired or long-revoked auth rows and old finished tasks; reports what it removed. */
export async function maintenanceCleanup(ctx: TaskContext): Promise<Record<string, number>> {
  const steps: [string, string][] = [
    [
      'refreshTokens',
      "DELETE FROM refresh_tokens WHERE expires_at < now() OR revoked_at < now() - interval '7 days'",
    ],
    ['invites', "DELETE FROM invites WHERE used_at IS NULL AND expires_at < now() - interval '7 days'"],
    ['apiKeys', "DELETE FROM api_keys WHERE revoked_at < now() - interval '30 days'"],
    ['searchResults', 'DELETE FROM search_results WHERE expires_at < now()'],
    [
      'tasks',
      `DELETE FROM tasks WHERE status IN ('done', 'failed', 'cancelled')
       AND finished_at < now() - make_interval(days => ${FINISHED_TASK_RETENTION_DAYS})`,
    ],
  ];
  const removed: Record<string, number> = {};
  for (const [index, [name, statement]] of steps.entries()) {
    ctx.signal.throwIfAborted();
    const result = await ctx.sql.unsafe(statement);
    removed[name] = result.count;
    await ctx.progress((index + 1) / steps.length, `Cleaned ${name}`);
  }
  return removed;
}
