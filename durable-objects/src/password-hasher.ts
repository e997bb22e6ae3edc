import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from './bindings.js';
import { hashCooperatively, verifyCooperatively } from './passwords.js';
import type { Cooperation, ScryptMemory } from './scrypt.js';

/** Derivations queued on one instance beyond which it refuses more (the caller answers 503). */
export const HASHER_QUEUE_LIMIT = 32;
export const HASHER_BUSY = 'password hasher busy';
/** Longest stretch of hashing between two turns given to other requests. */
const SLICE_MS = 3;

const cooperation: Cooperation = {
  pause: () => new Promise((resolve) => setTimeout(resolve, 0)),
  sliceMs: SLICE_MS,
};

/**
 * The V of finished derivations, lent to the next ones (see ScryptMemory). Kept by the module, not
 * an instance, since workerd evicts idle instances and a fresh one would take 128 MiB more: the
 * isolate holds at most one V per derivation running at once, one per instance.
 */
const spare: ScryptMemory[] = [];

async function withMemory<T>(work: (memory: ScryptMemory) => Promise<T>): Promise<T> {
  const memory = spare.pop() ?? [];
  try {
    return await work(memory);
  } finally {
    spare.push(memory);
  }
}

/**
 * Hashes and checks passwords away from the API's request path. The launcher runs this class in a
 * worker of its own (its own isolate and heap), and each derivation gives the thread back every few
 * milliseconds, so a burst of sign-ins slows sign-ins, not browsing. One derivation at a time per
 * instance (each needs 128 MiB); callers spread over a few instances.
 */
export class PasswordHasher extends DurableObject<Bindings> {
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;

  hash(password: string): Promise<string> {
    return this.#serially(() => withMemory((memory) => hashCooperatively(password, cooperation, memory)));
  }

  /** `stored` null: the account does not exist; the same work is done and the answer is false. */
  verify(password: string, stored: string | null): Promise<boolean> {
    return this.#serially(() =>
      withMemory((memory) => verifyCooperatively(password, stored, cooperation, memory)),
    );
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    if (this.#queued >= HASHER_QUEUE_LIMIT) return Promise.reject(new Error(HASHER_BUSY));
    this.#queued++;
    const run = this.#tail.then(work);
    this.#tail = run.catch(() => undefined);
    return run.finally(() => {
      this.#queued--;
    });
  }
}
