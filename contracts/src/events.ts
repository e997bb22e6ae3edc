import { z } from 'zod';
import { IndexerReport, RankedResult } from './search.js';
import { Task } from './tasks.js';

/** Events travel torrent-node/API -> NATS -> NatsBridge DO -> UserSession DO -> browser sockets. */
const base = { id: z.uuid(), ts: z.string() };

export const TaskUpdatedEvent = z.object({
  ...base,
  type: z.literal('task.updated'),
  data: z.object({ task: Task }),
});
export const AlertEvent = z.object({
  ...base,
  type: z.literal('alert'),
  data: z.object({ level: z.enum(['info', 'warning', 'critical']), message: z.string() }),
});
/** Broadcast to everyone when torrent-node comes online or goes away. */
export const NodeStatusEvent = z.object({
  ...base,
  type: z.literal('node.status'),
  data: z.object({ nodeId: z.string(), state: z.enum(['online', 'offline']) }),
});

/** A search's ranked results so far, sent as each indexer answers. */
export const SearchResultsEvent = z.object({
  ...base,
  type: z.literal('search.results'),
  data: z.object({
    taskId: z.uuid(),
    mediaId: z.uuid(),
    report: IndexerReport,
    results: z.array(RankedResult),
  }),
});

export const SokoulEvent = z.discriminatedUnion('type', [
  TaskUpdatedEvent,
  AlertEvent,
  NodeStatusEvent,
  SearchResultsEvent,
]);
export type SokoulEvent = z.infer<typeof SokoulEvent>;

// The /ws protocol

/** Subprotocol the server selects; the bearer token travels as a second offered subprotocol. */
export const WS_PROTOCOL = 'sokoul.v1';
export const WS_BEARER_PREFIX = 'bearer.';
export const WS_HEARTBEAT_MS = 25_000;
/** Close code of a socket whose session the server ended (account disabled or deleted). */
export const WS_SESSION_ENDED = 4001;

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    userId: z.uuid(),
    seq: z.number().int(),
    heartbeatMs: z.number().int(),
  }),
  z.object({ type: z.literal('event'), seq: z.number().int(), event: SokoulEvent }),
  z.object({ type: z.literal('heartbeat'), ts: z.string() }),
  z.object({ type: z.literal('pong') }),
  /** Resume could not replay everything (too old): the client should refetch its state. */
  z.object({ type: z.literal('resync') }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('resume'), since: z.number().int().min(0) }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Exact text the Durable Object answers without waking (hibernation auto-response). */
export const WS_PING = JSON.stringify({ type: 'ping' });
export const WS_PONG = JSON.stringify({ type: 'pong' });
