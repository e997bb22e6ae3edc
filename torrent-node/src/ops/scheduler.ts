import type { Job, JobName, Logger, TorrentNodeConfig } from '@sokoul/contracts';
import { claimJob, type Db, ensureJobs, finishJob, getJob, renewJobLease, setNextRun } from '@sokoul/db';
import { Cron } from 'croner';
import { jobDuration, jobRuns } from '../metrics.js';

/** What a job's body gets: where to work, and a signal that ends it when torrent-node stops. */
export interface JobContext {
  db: Db;
  config: TorrentNodeConfig;
  log: Logger;
  signal: AbortSignal;
  /** The scheduled occurrence, or null for a manual run. */
  occurrence: Date | null;
  /** The admin who asked for a manual run. */
  userId: string | null;
}

/** A run's account: in English for the System page and logs, and counts for the web app to word. */
export interface JobResult {
  detail: string;
  result: Record<string, string | number>;
}

export interface JobDefinition {
  name: JobName;
  /** croner's syntax (5 fields, or 6 with seconds), in the server's time zone. */
  schedule: string;
  run(ctx: JobContext): Promise<JobResult>;
}

export interface SchedulerOptions {
  db: Db;
  /** Read at use time: SCHEDULER_ENABLED may change while torrent-node runs. */
  config: TorrentNodeConfig;
  log: Logger;
  jobs: readonly JobDefinition[];
  /** A run holds its job's lease this long, renewed a third of the way; tests shorten it. */
  leaseMs?: number;
}

export type RunNowOutcome =
  | { ok: true; job: Job }
  | { ok: false; code: 'not_found' | 'conflict'; message: string };

/** setTimeout's longest delay; a later occurrence is reached in several steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Runs the jobs on their cron schedules, one torrent-node per occurrence: every node arms the same
 * timers, and the first to claim an occurrence in scheduled_jobs (one conditional UPDATE) runs it;
 * the others' claims find it taken. croner computes the occurrences; the timers are ours, so the
 * occurrence claimed is the exact scheduled instant on every node.
 */
export class Scheduler {
  readonly #db: Db;
  readonly #config: TorrentNodeConfig;
  readonly #log: Logger;
  readonly #jobs: Map<JobName, { def: JobDefinition; cron: Cron }>;
  readonly #leaseMs: number;
  readonly #timers = new Map<JobName, NodeJS.Timeout>();
  readonly #running = new Map<JobName, { promise: Promise<Job | undefined>; abort: AbortController }>();
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#db = options.db;
    this.#config = options.config;
    this.#log = options.log;
    this.#leaseMs = options.leaseMs ?? 60_000;
    // An unknown pattern throws here, at start, not at its first occurrence.
    this.#jobs = new Map(options.jobs.map((def) => [def.name, { def, cron: new Cron(def.schedule) }]));
  }

  get nodeId(): string {
    return this.#config.NODE_ID;
  }

  /** Creates the jobs' rows and arms every schedule. */
  async start(): Promise<void> {
    await ensureJobs(
      this.#db,
      [...this.#jobs.values()].map(({ def }) => ({ name: def.name, schedule: def.schedule })),
    );
    for (const name of this.#jobs.keys()) await this.#arm(name, new Date());
    this.#log.info('scheduler started', {
      enabled: this.#config.SCHEDULER_ENABLED,
      jobs: [...this.#jobs.keys()],
    });
  }

  /** The schedule's next occurrence after `from`, or null when schedules are off. */
  nextRun(name: JobName, from = new Date()): Date | null {
    if (!this.#config.SCHEDULER_ENABLED) return null;
    return this.#jobs.get(name)?.cron.nextRun(from) ?? null;
  }

  async #arm(name: JobName, from: Date): Promise<void> {
    if (this.#stopped) return;
    const entry = this.#jobs.get(name);
    const occurrence = entry?.cron.nextRun(from);
    if (!entry || !occurrence) return;
    // Shown on the System page; every node writes the same value.
    await setNextRun(this.#db, name, this.#config.SCHEDULER_ENABLED ? occurrence : null).catch(
      (error: unknown) =>
        this.#log.warn('cannot record a job’s next run', { job: name, error: String(error) }),
    );
    this.#wait(name, occurrence);
  }

  #wait(name: JobName, occurrence: Date): void {
    const delay = occurrence.getTime() - Date.now();
    const timer = setTimeout(
      () => {
        if (occurrence.getTime() > Date.now()) this.#wait(name, occurrence);
        else void this.#fire(name, occurrence);
      },
      Math.max(0, Math.min(delay, MAX_DELAY_MS)),
    );
    timer.unref();
    this.#timers.set(name, timer);
  }

  async #fire(name: JobName, occurrence: Date): Promise<void> {
    try {
      if (this.#config.SCHEDULER_ENABLED && !this.#running.has(name)) {
        await this.#run(name, occurrence, null);
      }
    } catch (error) {
      this.#log.error('scheduled job failed to start', { job: name, error: String(error) });
    } finally {
      // Occurrences that passed while it ran are skipped, not run back to back.
      await this.#arm(name, new Date(Math.max(occurrence.getTime(), Date.now())));
    }
  }

  /** "Run now": claims the lease like a scheduled run; a job already running anywhere is a conflict. */
  async runNow(name: JobName, userId: string | null): Promise<RunNowOutcome> {
    if (!this.#jobs.has(name)) return { ok: false, code: 'not_found', message: `No job named ${name}` };
    const job = await this.#run(name, null, userId);
    if (job === null) return { ok: false, code: 'conflict', message: `The job ${name} is running already` };
    const now = job ?? (await getJob(this.#db, name));
    if (!now) return { ok: false, code: 'not_found', message: `No job named ${name}` };
    return { ok: true, job: now };
  }

  /** Claims and runs one occurrence; null when another run holds the lease (or took the occurrence). */
  async #run(name: JobName, occurrence: Date | null, userId: string | null): Promise<Job | undefined | null> {
    const entry = this.#jobs.get(name);
    if (!entry || this.#stopped) return null;
    const claimed = await claimJob(this.#db, {
      name,
      nodeId: this.nodeId,
      leaseMs: this.#leaseMs,
      occurrence,
    });
    if (!claimed) return null;
    const abort = new AbortController();
    const promise = this.#execute(entry.def, occurrence, userId, abort.signal);
    this.#running.set(name, { promise, abort });
    try {
      return await promise;
    } finally {
      this.#running.delete(name);
    }
  }

  async #execute(
    def: JobDefinition,
    occurrence: Date | null,
    userId: string | null,
    signal: AbortSignal,
  ): Promise<Job | undefined> {
    const log = this.#log.child({ job: def.name });
    const started = performance.now();
    log.info('job started', { manual: occurrence === null, occurrence: occurrence?.toISOString() ?? null });
    // The lease outlives the run while it lasts; a node that dies stops renewing it.
    const renew = setInterval(() => {
      renewJobLease(this.#db, def.name, this.nodeId, this.#leaseMs)
        .then((held) => {
          if (!held) log.warn('job lease lost while running');
        })
        .catch((error: unknown) => log.warn('cannot renew the job lease', { error: String(error) }));
    }, this.#leaseMs / 3);
    renew.unref();
    let outcome: 'ok' | 'failed';
    let account: JobResult;
    try {
      account = await def.run({ db: this.#db, config: this.#config, log, signal, occurrence, userId });
      outcome = 'ok';
    } catch (error) {
      outcome = 'failed';
      account = { detail: error instanceof Error ? error.message : String(error), result: {} };
      log.error('job failed', {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    } finally {
      clearInterval(renew);
    }
    const durationMs = performance.now() - started;
    jobRuns.inc({ job: def.name, outcome });
    jobDuration.observe({ job: def.name }, durationMs / 1000);
    const job = await finishJob(this.#db, {
      name: def.name,
      nodeId: this.nodeId,
      outcome,
      durationMs,
      detail: account.detail,
      result: account.result,
      nextRunAt: this.nextRun(def.name),
    });
    if (outcome === 'ok')
      log.info('job finished', {
        durationMs: Math.round(durationMs),
        detail: account.detail,
        ...account.result,
      });
    if (!job) log.warn('job finished after its lease was taken by another node; its result is not recorded');
    return job;
  }

  /** Stops the timers and waits (up to `timeoutMs`) for running jobs, which are told to stop. */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    const running = [...this.#running.values()];
    for (const run of running) run.abort.abort(new Error('torrent-node is stopping'));
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(running.map((run) => run.promise)),
      new Promise((resolve) => {
        timeout = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timeout);
  }
}
