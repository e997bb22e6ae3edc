import { z } from 'zod';
import { Download } from './downloads.js';
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
  data: z.object({
    level: z.enum(['info', 'warning', 'critical']),
    /** In English, for logs and clients that do not know the code. */
    message: z.string(),
    /** What it is about (`disk.low`, `disk.ok`…), for clients that word it themselves. */
    code: z.string().optional(),
    params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    /** Sentinel's alerts: the alert's id, its cause, and whether it is new, still on or over. */
    alertId: z.uuid().optional(),
    cause: z.string().optional(),
    phase: z.enum(['raised', 'repeated', 'cleared']).optional(),
  }),
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

/** A download's figures or state changed (at most one a second per download while it runs). */
export const DownloadProgressEvent = z.object({
  ...base,
  type: z.literal('download.progress'),
  data: z.object({ download: Download }),
});
/** Downloaded and imported: `imported` files were added to the library. */
export const DownloadCompletedEvent = z.object({
  ...base,
  type: z.literal('download.completed'),
  data: z.object({ download: Download, imported: z.number().int() }),
});
export const DownloadFailedEvent = z.object({
  ...base,
  type: z.literal('download.failed'),
  data: z.object({ download: Download }),
});
/** No progress and no peers: `next` is the next-best release started in its place, if any. */
export const DownloadStalledEvent = z.object({
  ...base,
  type: z.literal('download.stalled'),
  data: z.object({ download: Download, next: Download.nullable() }),
});

export const DownloadEvent = z.discriminatedUnion('type', [
  DownloadProgressEvent,
  DownloadCompletedEvent,
  DownloadFailedEvent,
  DownloadStalledEvent,
]);
export type DownloadEvent = z.infer<typeof DownloadEvent>;

export const SokoulEvent = z.discriminatedUnion('type', [
  TaskUpdatedEvent,
  AlertEvent,
  NodeStatusEvent,
  SearchResultsEvent,
  DownloadProgressEvent,
  DownloadCompletedEvent,
  DownloadFailedEvent,
  DownloadStalledEvent,
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
