import type { Env } from '@sokoul/durable-objects';
import { createApp } from './app.js';

export { CacheStore, Database, NatsBridge, UserSession } from '@sokoul/durable-objects';

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
