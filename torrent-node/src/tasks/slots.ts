/**
 * A counting semaphore: at most `limit` holders at once, the others wait in order. `close()` turns
 * every waiter (and every later `acquire`) away with `false`.
 */
export class Slots {
  #free: number;
  #closed = false;
  readonly #waiting: ((granted: boolean) => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a limit of ${limit} slots`);
    this.#free = limit;
  }

  get inUse(): number {
    return this.limit - this.#free;
  }

  /** Resolves true once a slot is held (release it exactly once), false when closed. */
  acquire(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#closed ? undefined : this.#waiting.shift();
    if (next) next(true);
    else this.#free = Math.min(this.limit, this.#free + 1);
  }

  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiting.splice(0)) waiter(false);
  }
}
