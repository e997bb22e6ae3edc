import type { SokoulEvent, Task, TorrentNodeConfig } from '@sokoul/contracts';
import type { Db } from '@sokoul/db';
import type { Logger } from '../log.js';

/** What a task's handler runs with. Handlers reach the database only through @sokoul/db. */
export interface TaskContext {
  task: Task;
  config: TorrentNodeConfig;
  db: Db;
  signal: AbortSignal;
  log: Logger;
  /**
   * Records progress (0..1) in the database and on the owner's sockets. Never rejects: progress is
   * informative, so a failure to record it is logged and the task goes on.
   */
  progress(fraction: number, message?: string): Promise<void>;
  /** Sends an event to the task owner's sockets (best effort: never throws). */
  emit(event: SokoulEvent): void;
}

/** Runs one task; what it returns is stored as the task's `result`. */
export type TaskHandler = (ctx: TaskContext) => Promise<Record<string, unknown>>;
