import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './log.js';

export interface Managed {
  name: string;
  /** Ends the service gracefully; `force` kills at once. */
  stop(force: boolean): Promise<void>;
}

export type ManagedChild = Managed & { child: ChildProcess };

/** How a supervisor hears of the child a start function spawned, and of its exit. */
export interface SpawnHooks {
  /** The child exists (it may not be ready yet): stopping the supervisor now stops it. */
  onSpawn?: (managed: ManagedChild) => void;
  /** The child exited without being asked to. */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** Spawns a child whose stdout/stderr pass through; stopping sends SIGTERM, then SIGKILL after a grace period. */
export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions & {
    graceMs: number;
    log: Logger;
    pidDir: string;
    stopSignal?: NodeJS.Signals;
    onExit?: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  },
): ManagedChild {
  // Own process group: a signal to the launcher's group (Ctrl+C, systemd, docker stop) reaches only
  // the launcher, which then stops services in order.
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true, ...options });
  const pidFile = join(options.pidDir, `${name}.pid`);
  if (child.pid) {
    mkdirSync(options.pidDir, { recursive: true });
    writeFileSync(pidFile, `${child.pid}\n${command}\n`);
  }
  let stopping = false;
  child.once('error', (error) =>
    options.log.error(`${name} could not run`, { service: name, error: error.message }),
  );
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      // Only this child's own file: a restarted one may already have written its pid.
      try {
        if (readFileSync(pidFile, 'utf8').startsWith(`${child.pid}\n`)) rmSync(pidFile, { force: true });
      } catch {
        // Already gone.
      }
      if (!stopping) options.onExit?.(code, signal);
      resolve();
    });
  });
  return {
    name,
    child,
    async stop(force) {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(force ? 'SIGKILL' : (options.stopSignal ?? 'SIGTERM'));
      if (force) return exited;
      const timer = setTimeout(() => {
        options.log.warn(`${name} did not stop within ${options.graceMs} ms, killing it`, { service: name });
        child.kill('SIGKILL');
      }, options.graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `check` until it succeeds; `fatal` returns a reason to give up at once (the process died). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  fatal: () => string | false = () => false,
  intervalMs = 25,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    const reason = fatal();
    if (reason) throw new Error(reason);
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits for a freshly spawned child to be ready; if it is not, it is killed before the error goes on. */
export async function readyOrKilled(managed: ManagedChild, ready: () => Promise<void>): Promise<void> {
  try {
    await ready();
  } catch (error) {
    await managed.stop(true);
    throw error;
  }
}

export interface RestartPolicy {
  /** Wait before the first restart; doubles on each crash that follows... */
  initialDelayMs: number;
  /** ...up to this. */
  maxDelayMs: number;
  /** A service that ran this long before crashing starts the back-off over. */
  stableMs: number;
  /** This many crashes (failed restarts included) within `windowMs`, and the supervisor gives up. */
  maxCrashes: number;
  windowMs: number;
}

export const RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  stableMs: 60_000,
  maxCrashes: 5,
  windowMs: 5 * 60_000,
};

export type ServiceState = 'running' | 'restarting' | 'stopped' | 'failed';

export interface Supervised extends Managed {
  readonly state: ServiceState;
  /** The running child's pid (none while it is down). */
  readonly pid: number | undefined;
  /** How many times it was restarted. */
  readonly restarts: number;
}

const describeExit = (code: number | null, signal: NodeJS.Signals | null) =>
  signal ? `killed by ${signal}` : `exit code ${code}`;

const describeWindow = (ms: number) =>
  ms >= 60_000
    ? `${Math.round(ms / 60_000)} minute${ms >= 120_000 ? 's' : ''}`
    : `${Math.round(ms / 1000)} seconds`;

/** Kills whatever the dead child left in its process group (PostgreSQL's backends outlive a killed postmaster). */
function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Nothing left.
  }
}

/**
 * Runs a service and restarts it whenever it exits on its own: after `initialDelayMs`, doubling
 * up to `maxDelayMs`, the back-off starting over once it has run for `stableMs`. Crashes and failed
 * restarts are logged as errors; `maxCrashes` of them within `windowMs` and it gives up
 * (`onGiveUp`). `start` spawns the service and resolves once it is ready, passing `hooks` on to
 * `spawnManaged`. The first start is not retried: its failure is the caller's.
 */
export async function supervise(
  name: string,
  start: (hooks: SpawnHooks) => Promise<ManagedChild>,
  options: {
    log: Logger;
    policy?: Partial<RestartPolicy>;
    onGiveUp?: (name: string, reason: string) => void;
  },
): Promise<Supervised> {
  const policy = { ...RESTART_POLICY, ...options.policy };
  const log = options.log;
  let state: ServiceState = 'running';
  let current: ManagedChild | undefined;
  let attempt: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let crashes: number[] = [];
  let consecutive = 0;
  let restarts = 0;
  let upSince = 0;
  let downSince = 0;
  let stopping = false;

  const crashed = (reason: string, pid: number | undefined) => {
    current = undefined;
    killGroup(pid);
    if (stopping) return;
    const now = Date.now();
    if (downSince === 0) downSince = now;
    if (upSince && now - upSince >= policy.stableMs) consecutive = 0;
    upSince = 0;
    crashes = [...crashes.filter((at) => now - at < policy.windowMs), now];
    if (crashes.length >= policy.maxCrashes) {
      state = 'failed';
      const why = `crashed ${crashes.length} times within ${describeWindow(policy.windowMs)}; giving up (last: ${reason})`;
      log.error(`${name} ${why}`, { service: name, restarts, reason });
      options.onGiveUp?.(name, why);
      return;
    }
    const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** consecutive);
    consecutive++;
    state = 'restarting';
    log.error(`${name} stopped unexpectedly (${reason}); restarting in ${delayMs} ms`, {
      service: name,
      reason,
      delayMs,
      crashes: crashes.length,
      maxCrashes: policy.maxCrashes,
    });
    timer = setTimeout(() => {
      timer = undefined;
      attempt = restart().finally(() => {
        attempt = undefined;
      });
    }, delayMs);
  };

  const launch = (): Promise<ManagedChild> => {
    let ready: ManagedChild | undefined;
    return start({
      onSpawn: (managed) => {
        current = managed;
      },
      onExit: (code, signal) => {
        // Before it is ready, the start itself fails and says why.
        if (ready && current === ready) crashed(describeExit(code, signal), ready.child.pid);
      },
    }).then((managed) => {
      ready = managed;
      current = managed;
      // It may have died between being ready and now.
      if (managed.child.exitCode !== null || managed.child.signalCode !== null)
        crashed(describeExit(managed.child.exitCode, managed.child.signalCode), managed.child.pid);
      return managed;
    });
  };

  const restart = async () => {
    if (stopping) return;
    restarts++;
    try {
      const managed = await launch();
      if (stopping) {
        await managed.stop(false);
        return;
      }
      if (current !== managed) return; // Already crashed again.
      state = 'running';
      upSince = Date.now();
      log.warn(`${name} is back`, { service: name, restarts, downMs: Date.now() - downSince });
      downSince = 0;
    } catch (error) {
      const pid = current?.child.pid;
      crashed(`restart failed: ${error instanceof Error ? error.message : String(error)}`, pid);
    }
  };

  await launch();
  upSince = Date.now();
  return {
    name,
    get state() {
      return state;
    },
    get pid() {
      return current && current.child.exitCode === null && current.child.signalCode === null
        ? current.child.pid
        : undefined;
    },
    get restarts() {
      return restarts;
    },
    async stop(force) {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      // A restart under way: stop the child it spawned, then let the attempt settle.
      const starting = attempt;
      await current?.stop(force);
      await starting?.catch(() => undefined);
      await current?.stop(force);
      current = undefined;
      if (state !== 'failed') state = 'stopped';
    },
  };
}

/**
 * A launcher killed with SIGKILL cannot stop its children; the next start finds their pid files and
 * stops the ones still running the same program: PostgreSQL with a fast shutdown (SIGINT), so its
 * data directory is released cleanly, the others with SIGTERM; SIGKILL after 10 s.
 */
export async function reapLeftovers(pidDir: string, log: Logger): Promise<void> {
  if (!existsSync(pidDir)) return;
  const alive = (pid: number) => existsSync(`/proc/${pid}`);
  for (const name of ['torrent-node', 'workerd', 'nats', 'postgres']) {
    const file = join(pidDir, `${name}.pid`);
    if (!existsSync(file)) continue;
    const [pidText, command] = readFileSync(file, 'utf8').split('\n');
    const pid = Number(pidText);
    try {
      if (command && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(command)) {
        log.warn(`stopping ${name} left running by a previous launcher`, { service: name, pid });
        process.kill(pid, name === 'postgres' ? 'SIGINT' : 'SIGTERM');
        const deadline = Date.now() + 10_000;
        while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    } catch {
      // Not running any more.
    }
    rmSync(file, { force: true });
  }
}
