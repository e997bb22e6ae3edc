import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stack } from './api.js';

/** A holder that crashed leaves its lock behind: past this age, the lock is taken over. */
const STALE_MS = 120_000;

/**
 * Runs `work` while no other test file holds the shared stack's `name` (test files run in parallel
 * against one stack; a few settings, such as the speed limits, are global to it). A directory is
 * the lock because mkdir is atomic across processes.
 */
export async function exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
  const port = new URL(stack().url).port;
  const lock = join(tmpdir(), `sokoul-test-lock-${port}-${name}`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_MS) rmSync(lock, { recursive: true, force: true });
      else await sleep(50);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
