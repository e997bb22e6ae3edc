import {
  JOBS_STREAM,
  type SokoulEvent,
  Subjects,
  TASK_COLUMNS,
  type Task,
  TaskCancelMessage,
  type TaskRow,
  TaskRunMessage,
  type TaskType,
  type TorrentNodeConfig,
  taskFromRow,
} from '@sokoul/contracts';
import {
  AckPolicy,
  type ConsumerMessages,
  JSONCodec,
  type JsMsg,
  type NatsConnection,
  nanos,
  RetentionPolicy,
} from 'nats';
import type postgres from 'postgres';
import { publishEvent, publishTaskUpdate } from '../events.js';
import type { Logger } from '../log.js';
import { taskDuration, tasksRunning, tasksTotal } from '../metrics.js';
import { maintenanceCleanup } from './maintenance-cleanup.js';
import { searchTask } from './search.js';
import { systemReport } from './system-report.js';

export interface TaskContext {
  task: Task;
  config: TorrentNodeConfig;
  sql: postgres.Sql;
  signal: AbortSignal;
  log: Logger;
  /** Records progress (0..1) in the database and on the owner's sockets. */
  progress(fraction: number, message?: string): Promise<void>;
  /** Sends an event to the task owner's sockets. */
  emit(event: SokoulEvent): void;
}

type Handler = (ctx: TaskContext) => Promise<unknown>;
const HANDLERS: Record<TaskType, Handler> = {
  'system.report': systemReport,
  'maintenance.cleanup': maintenanceCleanup,
  search: searchTask,
};

const codec = JSONCodec<unknown>();

/**
 * Pulls tasks from the JetStream work queue, runs them (several at once), and keeps the `tasks`
 * row and the owner's sockets informed at every status change. A message is acknowledged only once
 * its task reached a final status, so a crash mid-task redelivers it.
 */
export class TaskRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly messages: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly sql: postgres.Sql,
    private readonly config: TorrentNodeConfig,
    private readonly log: Logger,
  ) {}

  get activeCount(): number {
    return this.running.size;
  }

  async start(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await jsm.streams.info(JOBS_STREAM.name).catch(() =>
      jsm.streams.add({
        name: JOBS_STREAM.name,
        subjects: [...JOBS_STREAM.subjects],
        retention: RetentionPolicy.Workqueue,
      }),
    );
    for (const { name, subject } of JOBS_STREAM.consumers) {
      await jsm.consumers.add(JOBS_STREAM.name, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        filter_subject: subject,
        ack_wait: nanos(10 * 60_000),
        max_deliver: 3,
      });
    }
    this.nc.subscribe(Subjects.taskCancel, {
      callback: (err, msg) => {
        if (err) return;
        const parsed = TaskCancelMessage.safeParse(codec.decode(msg.data));
        if (parsed.success) this.running.get(parsed.data.taskId)?.abort(new Error('Cancelled by the user'));
      },
    });
    for (const { name } of JOBS_STREAM.consumers) {
      const consumer = await this.nc.jetstream().consumers.get(JOBS_STREAM.name, name);
      const messages = await consumer.consume({ max_messages: 8 });
      this.messages.push(messages);
      this.loops.push(
        (async () => {
          for await (const msg of messages) void this.handle(msg);
        })(),
      );
    }
  }

  /** Stops taking new work and waits (bounded) for running tasks to finish. */
  async stop(timeoutMs: number): Promise<void> {
    await Promise.all(this.messages.map((m) => m.close()));
    await Promise.all(this.loops);
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const controller of this.running.values())
      controller.abort(new Error('torrent-node is shutting down'));
  }

  private async handle(msg: JsMsg): Promise<void> {
    const parsed = TaskRunMessage.safeParse(codec.decode(msg.data));
    if (!parsed.success) {
      this.log.warn({ subject: msg.subject, issues: parsed.error.issues }, 'dropping malformed task message');
      msg.term();
      return;
    }
    const { taskId, type } = parsed.data;
    const started = await this.update(
      `UPDATE tasks SET status = 'running', started_at = now(), updated_at = now(), message = NULL
       WHERE id = $1 AND status IN ('pending', 'running') RETURNING ${TASK_COLUMNS}`,
      [taskId],
    ).catch((error: unknown) => {
      this.log.error({ taskId, error: String(error) }, 'cannot start task, will retry');
      msg.nak(5_000);
      return null;
    });
    if (started === null) return;
    if (!started) {
      msg.ack(); // Cancelled (or deleted) before it started.
      return;
    }
    const controller = new AbortController();
    this.running.set(taskId, controller);
    tasksRunning.inc();
    const timer = taskDuration.startTimer({ type });
    const log = this.log.child({ taskId, type });
    log.info('task started');
    let lastProgressAt = 0;
    const ctx: TaskContext = {
      task: started,
      config: this.config,
      sql: this.sql,
      signal: controller.signal,
      log,
      emit: (event) => publishEvent(this.nc, started.userId, event),
      progress: async (fraction, message) => {
        msg.working();
        // Progress is throttled to a few updates a second per task.
        if (Date.now() - lastProgressAt < 200 && fraction < 1) return;
        lastProgressAt = Date.now();
        await this.update(
          `UPDATE tasks SET progress = $2, message = COALESCE($3, message), updated_at = now()
           WHERE id = $1 AND status = 'running' RETURNING ${TASK_COLUMNS}`,
          [taskId, Math.max(0, Math.min(1, fraction)), message ?? null],
        );
      },
    };
    let status: 'done' | 'failed' | 'cancelled';
    try {
      const result = await HANDLERS[type](ctx);
      controller.signal.throwIfAborted();
      status = 'done';
      await this.update(
        `UPDATE tasks SET status = 'done', progress = 1, result = $2::jsonb, finished_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'running' RETURNING ${TASK_COLUMNS}`,
        [taskId, (result ?? null) as postgres.JSONValue],
      );
      log.info('task done');
    } catch (error) {
      status = controller.signal.aborted ? 'cancelled' : 'failed';
      const reason = error instanceof Error ? error.message : String(error);
      await this.update(
        `UPDATE tasks SET status = $2, error = CASE WHEN $2 = 'failed' THEN $3 ELSE error END,
                finished_at = COALESCE(finished_at, now()), updated_at = now()
         WHERE id = $1 AND status = 'running' RETURNING ${TASK_COLUMNS}`,
        [taskId, status, reason],
      ).catch((e: unknown) => log.error({ error: String(e) }, 'cannot record task failure'));
      log[status === 'failed' ? 'warn' : 'info']({ reason }, `task ${status}`);
    } finally {
      this.running.delete(taskId);
      tasksRunning.dec();
      timer();
    }
    tasksTotal.inc({ type, status });
    msg.ack();
  }

  /** Runs one UPDATE ... RETURNING on a task and announces the new state when a row changed. */
  private async update(text: string, params: postgres.ParameterOrJSON<never>[]): Promise<Task | undefined> {
    const [row] = await this.sql.unsafe<TaskRow[]>(text, params);
    if (!row) return undefined;
    const task = taskFromRow(row);
    publishTaskUpdate(this.nc, task);
    return task;
  }
}
