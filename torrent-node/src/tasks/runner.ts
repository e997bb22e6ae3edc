import {
  JOBS_STREAM,
  type SokoulEvent,
  Subjects,
  type Task,
  TaskCancelMessage,
  TaskRunMessage,
  type TorrentNodeConfig,
} from '@sokoul/contracts';
import { type Db, endTask, finishTask, recordProgress, startTask } from '@sokoul/db';
import {
  AckPolicy,
  type ConsumerMessages,
  JSONCodec,
  type JsMsg,
  type NatsConnection,
  nanos,
  RetentionPolicy,
} from 'nats';
import { publishDataChanged, publishEvent, publishTaskUpdate } from '../events.js';
import type { Logger } from '../log.js';
import { taskDuration, tasksRunning, tasksTotal } from '../metrics.js';
import type { TaskContext } from './context.js';
import { TASK_HANDLERS } from './registry.js';
import { Slots } from './slots.js';

const codec = JSONCodec<unknown>();

export type ConsumerSubject = (typeof JOBS_STREAM.consumers)[number]['subject'];

/**
 * How many tasks of each consumer run at once (TASK_CONCURRENCY, SEARCH_CONCURRENCY). A message
 * beyond the limit waits (in the stream, or in hand until a slot frees); it is never dropped.
 */
const concurrencyOf = (config: TorrentNodeConfig): Record<ConsumerSubject, number> => ({
  'jobs.task': config.TASK_CONCURRENCY,
  'search.request': config.SEARCH_CONCURRENCY,
});

/** How often, and after how long, recording a task's outcome is tried before the message goes back. */
const OUTCOME_RETRIES_MS = [250, 1_000, 3_000];

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * A task's failure as its owner reads it (`tasks.error`). PostgreSQL's own text (table and
 * constraint names, values) is for the logs: a statement the database refused is worded here.
 */
export function failureReason(error: unknown): string {
  const pg = error as { severity?: unknown; code?: unknown } | null;
  const sqlState = typeof pg?.code === 'string' && /^[0-9A-Z]{5}$/.test(pg.code) ? pg.code : null;
  if (sqlState === null || typeof pg?.severity !== 'string') return describe(error);
  if (sqlState === '23503') return 'What this task works on was removed while it ran';
  if (/^(08|57P0|53)/.test(sqlState)) return 'The database was unavailable';
  return 'The database refused a step of this task';
}

/**
 * Pulls tasks from the JetStream work queue, runs a bounded number of each kind at once, and keeps
 * the `tasks` row and the owner's sockets informed at every status change. A message is
 * acknowledged only once its task's final status is recorded, so a crash mid-task (or a database
 * that cannot record the outcome) redelivers it. No promise started here is left unhandled.
 */
export class TaskRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly messages: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly slots: Slots[] = [];
  private readonly concurrency: Record<ConsumerSubject, number>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly db: Db,
    private readonly config: TorrentNodeConfig,
    private readonly log: Logger,
  ) {
    this.concurrency = concurrencyOf(config);
  }

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
        try {
          const parsed = TaskCancelMessage.safeParse(codec.decode(msg.data));
          if (parsed.success) this.running.get(parsed.data.taskId)?.abort(new Error('Cancelled by the user'));
        } catch {
          // Not JSON: nothing to cancel.
        }
      },
    });
    for (const { name, subject } of JOBS_STREAM.consumers) {
      const limit = this.concurrency[subject];
      const slots = new Slots(limit);
      const consumer = await this.nc.jetstream().consumers.get(JOBS_STREAM.name, name);
      // The client buffers no more than it may run: the rest stays in the stream.
      const messages = await consumer.consume({ max_messages: limit });
      this.slots.push(slots);
      this.messages.push(messages);
      this.loops.push(
        this.consumeLoop(messages, slots).catch((error: unknown) =>
          this.log.error('task consumer stopped', { consumer: name, error: describe(error) }),
        ),
      );
    }
  }

  /** One message at a time into a free slot; the loop waits (holding the message) while all are busy. */
  private async consumeLoop(messages: ConsumerMessages, slots: Slots): Promise<void> {
    for await (const msg of messages) {
      if (!(await slots.acquire())) {
        msg.nak(); // Shutting down: another node (or this one, restarted) takes it.
        continue;
      }
      msg.working();
      void this.handle(msg).finally(() => slots.release());
    }
  }

  /** Stops taking new work and waits (bounded) for running tasks to finish. */
  async stop(timeoutMs: number): Promise<void> {
    for (const slots of this.slots) slots.close();
    await Promise.all(this.messages.map((m) => m.close().catch(() => undefined)));
    await Promise.all(this.loops);
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const controller of this.running.values())
      controller.abort(new Error('torrent-node is shutting down'));
  }

  /** Never rejects: whatever goes wrong is logged and the message is given back or dropped. */
  private async handle(msg: JsMsg): Promise<void> {
    try {
      await this.run(msg);
    } catch (error) {
      this.log.error('task handling failed, will retry', { subject: msg.subject, error: describe(error) });
      try {
        msg.nak(5_000);
      } catch {
        // The connection is gone: the server redelivers after ack_wait.
      }
    }
  }

  private async run(msg: JsMsg): Promise<void> {
    let decoded: unknown;
    try {
      decoded = codec.decode(msg.data);
    } catch {
      decoded = undefined;
    }
    const parsed = TaskRunMessage.safeParse(decoded);
    if (!parsed.success) {
      this.log.warn('dropping malformed task message', { subject: msg.subject, issues: parsed.error.issues });
      msg.term();
      return;
    }
    const { taskId, type } = parsed.data;
    let started: Task | undefined;
    try {
      started = await startTask(this.db, taskId);
    } catch (error) {
      this.log.error('cannot start task, will retry', { taskId, error: describe(error) });
      msg.nak(5_000);
      return;
    }
    if (!started) {
      msg.ack(); // Cancelled (or deleted) before it started.
      return;
    }
    this.announce(started);
    const controller = new AbortController();
    this.running.set(taskId, controller);
    tasksRunning.inc();
    const timer = taskDuration.startTimer({ type });
    const log = this.log.child({ taskId, type });
    log.info('task started');
    let lastProgressAt = 0;
    const owner = started.userId;
    const ctx: TaskContext = {
      task: started,
      config: this.config,
      db: this.db,
      signal: controller.signal,
      log,
      emit: (event) => this.publish(owner, event),
      progress: async (fraction, message) => {
        try {
          msg.working();
          // Progress is throttled to a few updates a second per task.
          if (Date.now() - lastProgressAt < 200 && fraction < 1) return;
          lastProgressAt = Date.now();
          const task = await recordProgress(this.db, taskId, fraction, message ?? null);
          if (task) this.announce(task);
        } catch (error) {
          log.warn('cannot record task progress', { fraction, error: describe(error) });
        }
      },
    };

    let status: 'done' | 'failed' | 'cancelled';
    let result: Record<string, unknown> | null = null;
    let reason = '';
    try {
      result = await TASK_HANDLERS[type](ctx);
      controller.signal.throwIfAborted();
      status = 'done';
    } catch (error) {
      status = controller.signal.aborted ? 'cancelled' : 'failed';
      reason = failureReason(error);
      if (reason !== describe(error)) log.warn('task failed in the database', { error: describe(error) });
    } finally {
      this.running.delete(taskId);
      tasksRunning.dec();
      timer();
    }

    for (let attempt = 0; ; attempt++) {
      try {
        const task =
          status === 'done'
            ? await finishTask(this.db, taskId, result)
            : await endTask(this.db, taskId, status, reason);
        if (task) {
          this.announce(task);
          // The outcome is the owner's data now: the API must not keep answers computed before it.
          this.dataChanged(task.userId);
        }
        break;
      } catch (error) {
        const wait = OUTCOME_RETRIES_MS[attempt];
        if (wait === undefined) {
          // The task stays `running` in the database: the redelivered message runs it again.
          log.error('cannot record the task outcome, will run it again', { status, error: describe(error) });
          msg.nak(5_000);
          return;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    if (status === 'done') log.info('task done');
    else log[status === 'failed' ? 'warn' : 'info'](`task ${status}`, { reason });
    tasksTotal.inc({ type, status });
    msg.ack();
  }

  /** Events are best effort: a NATS connection that is closing must not fail the task. */
  private publish(userId: string, event: SokoulEvent): void {
    try {
      publishEvent(this.nc, userId, event);
    } catch (error) {
      this.log.warn('cannot publish an event', { type: event.type, error: describe(error) });
    }
  }

  private dataChanged(userId: string): void {
    try {
      publishDataChanged(this.nc, { scope: 'user', userId });
    } catch (error) {
      this.log.warn('cannot publish a data change', { userId, error: describe(error) });
    }
  }

  private announce(task: Task): void {
    try {
      publishTaskUpdate(this.nc, task);
    } catch (error) {
      this.log.warn('cannot publish a task update', { taskId: task.id, error: describe(error) });
    }
  }
}
