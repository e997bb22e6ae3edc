import type { TaskType } from '@sokoul/contracts';
import type { TaskHandler } from './context.js';
import { maintenanceCleanup } from './maintenance-cleanup.js';
import { searchTask } from './search.js';
import { systemReport } from './system-report.js';

/** The handler of each task type. Handlers depend on `context.ts` only, never on the runner. */
export const TASK_HANDLERS: Record<TaskType, TaskHandler> = {
  'system.report': systemReport,
  'maintenance.cleanup': maintenanceCleanup,
  search: searchTask,
};
