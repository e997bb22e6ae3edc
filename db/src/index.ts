/**
 * @sokoul/db: the one owner of the SQL on the tables several services touch. The API (on workerd,
 * through the Database Durable Object) and torrent-node (through `@sokoul/db/postgres`) both call
 * these functions; neither writes SQL on these tables itself. Nothing here may use Node's or
 * workerd's own APIs: the same code runs on both.
 */
export * from './db.js';
export * from './debrid.js';
export * from './download-clients.js';
export * from './downloads.js';
export * from './health.js';
export * from './indexers.js';
export * from './instance-settings.js';
export * from './jobs.js';
export * from './json.js';
export * from './maintenance.js';
export * from './media.js';
export * from './media-files.js';
export * from './media-title.js';
export * from './push.js';
export * from './searches.js';
export * from './streams.js';
export * from './system.js';
export * from './tasks.js';
export * from './telegram.js';
export * from './users.js';
