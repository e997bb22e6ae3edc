import { JSONCodec } from 'nats';

const codec = JSONCodec<unknown>();

/** A NATS message's JSON, or null when it is not JSON (the caller's schema check then refuses it). */
export function decodeJson(data: Uint8Array): unknown {
  try {
    return codec.decode(data);
  } catch {
    return null;
  }
}

/**
 * Work started from NATS callbacks, which cannot await it: each failure goes to `onError` (logged,
 * never unhandled), and `settled()` lets a stop wait for what is still running.
 */
export class Background {
  readonly #pending = new Set<Promise<unknown>>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  track(promise: Promise<unknown>): void {
    const tracked = promise.catch(this.#onError).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}
