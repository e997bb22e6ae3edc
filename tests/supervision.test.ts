import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { portOpen } from '../launcher/src/ports.js';
import {
  type RestartPolicy,
  type SpawnHooks,
  type Supervised,
  spawnManaged,
  supervise,
} from '../launcher/src/processes.js';
import { eventually } from './helpers/api.js';
import { captureLogger } from './helpers/logger.js';
import { ROOT, startEnvironment } from './helpers/stack.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sokoul-supervise-'));
  dirs.push(dir);
  return dir;
};
const supervisors: Supervised[] = [];
afterAll(async () => {
  for (const s of supervisors) await s.stop(true);
});

/**
 * A service that runs `script` under Node; every start is recorded (its time), so tests can see the
 * delays the supervisor waited.
 */
function flaky(script: string, policy: Partial<RestartPolicy>, log = captureLogger()) {
  const pidDir = tempDir();
  const starts: number[] = [];
  const exits: number[] = [];
  const gaveUp: string[] = [];
  const start = async (hooks: SpawnHooks) => {
    starts.push(Date.now());
    const managed = spawnManaged('flaky', process.execPath, ['-e', script], {
      graceMs: 1000,
      log,
      pidDir,
      stdio: ['ignore', 'ignore', 'inherit'],
      onExit: (code, signal) => {
        exits.push(Date.now());
        hooks.onExit?.(code, signal);
      },
    });
    hooks.onSpawn?.(managed);
    return managed;
  };
  return {
    starts,
    exits,
    gaveUp,
    log,
    pidDir,
    supervisor: supervise('flaky', start, {
      log,
      policy,
      onGiveUp: (name, reason) => gaveUp.push(`${name}: ${reason}`),
    }).then((s) => {
      supervisors.push(s);
      return s;
    }),
  };
}

describe('supervise', () => {
  it('restarts a crashing service with a doubling back-off, then gives up loudly', async () => {
    const run = flaky('setTimeout(() => process.exit(3), 50)', {
      initialDelayMs: 100,
      maxDelayMs: 400,
      stableMs: 10_000,
      maxCrashes: 5,
      windowMs: 60_000,
    });
    const supervisor = await run.supervisor;
    await eventually(async () => expect(supervisor.state).toBe('failed'), 10_000, 20);
    expect(run.starts).toHaveLength(5);
    expect(run.exits).toHaveLength(5);
    // Waited 100, 200, 400, then 400 ms (the cap) after each crash.
    const waits = run.starts.slice(1).map((at, i) => at - (run.exits[i] ?? 0));
    for (const [i, expected] of [100, 200, 400, 400].entries()) {
      expect(waits[i]).toBeGreaterThanOrEqual(expected - 5);
      expect(waits[i]).toBeLessThan(expected + 250);
    }
    expect(run.gaveUp).toEqual([expect.stringMatching(/^flaky: .*5 times/)]);
    const restarting = run.log.lines.filter((l) => l.msg.includes('restarting in'));
    expect(restarting.map((l) => l.fields.delayMs)).toEqual([100, 200, 400, 400]);
    expect(restarting.every((l) => l.level === 'error' && l.fields.service === 'flaky')).toBe(true);
    expect(run.log.lines.some((l) => l.level === 'error' && /giving up/.test(l.msg))).toBe(true);
    expect(supervisor.pid).toBeUndefined();
  });

  it('starts the back-off over after a stable period, and counts only recent crashes', async () => {
    // Runs 400 ms each time: longer than the stable period, and 3 crashes span more than 900 ms.
    const run = flaky('setTimeout(() => process.exit(1), 400)', {
      initialDelayMs: 100,
      maxDelayMs: 1000,
      stableMs: 200,
      maxCrashes: 3,
      windowMs: 900,
    });
    const supervisor = await run.supervisor;
    await eventually(async () => expect(run.starts.length).toBeGreaterThanOrEqual(6), 10_000, 20);
    await supervisor.stop(false);
    expect(supervisor.state).toBe('stopped');
    expect(run.gaveUp).toEqual([]);
    const waits = run.starts.slice(1).map((at, i) => at - (run.exits[i] ?? 0));
    for (const wait of waits.slice(0, 5)) expect(wait).toBeLessThan(300);
    expect(supervisor.restarts).toBeGreaterThanOrEqual(5);
  });

  it('does not restart what it was asked to stop, even while a restart is pending', async () => {
    const run = flaky('setTimeout(() => process.exit(1), 50)', { initialDelayMs: 500 });
    const supervisor = await run.supervisor;
    await eventually(async () => expect(supervisor.state).toBe('restarting'), 5000, 10);
    await supervisor.stop(false);
    await new Promise((r) => setTimeout(r, 800));
    expect(run.starts).toHaveLength(1);
    expect(supervisor.state).toBe('stopped');

    const steady = flaky('setInterval(() => {}, 1000)', { initialDelayMs: 50 });
    const service = await steady.supervisor;
    expect(service.state).toBe('running');
    const pid = service.pid;
    await service.stop(false);
    expect(pid && alive(pid)).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(steady.starts).toHaveLength(1);
    expect(readdirSync(steady.pidDir)).toEqual([]);
  });

  it('kills what a crashed service left running in its process group before restarting it', async () => {
    // Like PostgreSQL's backends after its postmaster is killed: a child that outlives its parent.
    const dir = tempDir();
    const script = `
      const { spawn } = require('node:child_process');
      const orphan = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'orphan'))} + process.pid, String(orphan.pid));
      setTimeout(() => process.exit(1), 200);`;
    const run = flaky(script, { initialDelayMs: 300, maxCrashes: 2 });
    const supervisor = await run.supervisor;
    await eventually(async () => expect(supervisor.state).toBe('failed'), 10_000, 20);
    const orphans = readdirSync(dir).map((f) => Number(readFileSync(join(dir, f), 'utf8')));
    expect(orphans).toHaveLength(2);
    await eventually(async () => expect(orphans.filter(alive)).toEqual([]), 2000, 20);
  });
});

describe('sokoul start gives up on a service that keeps crashing', () => {
  it('exits non-zero with a clear message after 5 crashes, stopping everything else', {
    timeout: 120_000,
  }, async () => {
    const { dataDir, port, pg, nats, env } = await startEnvironment('sokoul-giveup-');
    const child = spawn(process.execPath, [join(ROOT, 'launcher/bin/sokoul.mjs'), 'start'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await eventually(async () => expect(stdout).toContain('Sokoul is running at'), 60_000, 50);

    const natsPid = () => Number(readFileSync(join(dataDir, 'run/nats.pid'), 'utf8').split('\n')[0]);
    let last = 0;
    for (let crash = 1; crash <= 5; crash++) {
      // Each time, wait for the restarted server before killing it again.
      await eventually(
        async () => {
          expect(existsSync(join(dataDir, 'run/nats.pid'))).toBe(true);
          expect(natsPid()).not.toBe(last);
          expect(await portOpen(nats)).toBe(true);
        },
        30_000,
        20,
      );
      last = natsPid();
      process.kill(last, 'SIGKILL');
    }
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/nats crashed 5 times within \d+ minutes?; giving up/);
    // The rest was stopped in order, and nothing is left running.
    expect(readdirSync(join(dataDir, 'run'))).toEqual([]);
    expect(await portOpen(port)).toBe(false);
    expect(await portOpen(pg)).toBe(false);
  });
});
