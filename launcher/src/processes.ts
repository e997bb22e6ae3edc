import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './log.js';

export interface Managed {
  name: string;
  /** Ends the service gracefully; `force` kills at once. */
  stop(force: boolean): Promise<void>;
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
    onExit?: (code: number | null) => void;
  },
): Managed & { child: ChildProcess } {
  // Own process group: Ctrl+C reaches only the launcher, which then stops services in order.
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
      rmSync(pidFile, { force: true });
      if (!stopping) {
        options.log.error(`${name} exited unexpectedly`, { service: name, code, signal });
        options.onExit?.(code);
      }
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
