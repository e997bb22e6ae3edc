import type { DataChangedMessage } from '@sokoul/contracts';
import { NatsBridge as Bridge, type Env } from '@sokoul/durable-objects';
import { getConfig } from '../config.js';
import { createCache } from './index.js';
import { titlesChanged, userDataChanged } from './user-data.js';

/**
 * The NatsBridge Durable Object of this app. A `data.changed` from torrent-node sets new versions
 * in the shared cache, exactly as the API's own writes do, so every instance recomputes the
 * per-user answers it kept (user-data.ts).
 */
export class NatsBridge extends Bridge {
  readonly #env: Env;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#env = env;
  }

  protected override async dataChanged(change: DataChangedMessage): Promise<void> {
    const cache = createCache(this.#env, getConfig(this.#env));
    await (change.scope === 'user' ? userDataChanged(cache, change.userId) : titlesChanged(cache));
  }
}
