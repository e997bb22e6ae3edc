export {
  cacheStoreStub,
  databaseStub,
  databaseUrl,
  natsBridgeStub,
  textBindings,
  userSessionStub,
} from './bindings.js';
export { CacheStore } from './cache-store.js';
export {
  Database,
  type SqlBatchResult,
  type SqlParam,
  type SqlResult,
  type SqlRow,
  type SqlStatement,
} from './database.js';
export type { Env } from './env.js';
export { createLogger, errorMessage, type LogFields, type Logger } from './log.js';
export { NatsBridge, type NatsRequestResult, type NatsStatus } from './nats-bridge.js';
export { HASHER_BUSY, PasswordHasher } from './password-hasher.js';
export { USER_HEADER, UserSession } from './user-session.js';
