import type { Env } from '@sokoul/durable-objects';
import { createApp } from './app.js';

export { CacheStore, Database, PasswordHasher, UserSession } from '@sokoul/durable-objects';
export { NatsBridge } from './infra/nats-bridge.js';

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
