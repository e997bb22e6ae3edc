export * from './auth.js';
export * from './catalog.js';
export * from './config.js';
export * from './errors.js';
export * from './events.js';
export * from './health.js';
export * from './nats.js';
export * from './tasks.js';
