/**
 * The database as domain code sees it: defined by @sokoul/db, which owns the SQL of the tables the
 * API shares with torrent-node. Kept apart from the Durable Object client so repositories (and the
 * benchmarks) need no workerd types.
 */
export type { Db } from '@sokoul/db';
