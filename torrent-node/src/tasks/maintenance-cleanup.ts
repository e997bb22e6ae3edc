import { CLEANUP_STEPS } from '@sokoul/db';
import type { TaskContext } from './context.js';

/**
 * Purges expired or long-revoked auth rows, expired searches (with their results) and old finished
 * tasks, step by step (the statements are @sokoul/db's); reports what each step removed.
 */
export async function maintenanceCleanup(ctx: TaskContext): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const [index, step] of CLEANUP_STEPS.entries()) {
    ctx.signal.throwIfAborted();
    removed[step.name] = await step.run(ctx.db);
    await ctx.progress((index + 1) / CLEANUP_STEPS.length, `Cleaned ${step.name}`);
  }
  return removed;
}
