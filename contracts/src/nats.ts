import { z } from 'zod';
import { EngineInfo } from './downloads.js';
import { DownloadEvent } from './events.js';
import { TaskType } from './tasks.js';

/** Every NATS subject Sokoul uses, in one place. */
export const Subjects = {
  /** JetStream work queue consumed by torrent-node. */
  taskRun: 'jobs.task',
  /** Searches have their own subject (and consumer), so a burst of them never queues other tasks. */
  searchRequest: 'search.request',
  /** Core pub/sub: ask a running task to stop. */
  taskCancel: 'tasks.cancel',
  /** Per-user events; the token after the prefix is the user id. */
  userEvents: (userId: string) => `events.user.${userId}`,
  userEventsWildcard: 'events.user.*',
  broadcastEvents: 'events.broadcast',
  /** Request/reply health probe answered by torrent-node. */
  torrentHealth: 'torrent.health',
  torrentHeartbeat: 'torrent.heartbeat',
  /** Core pub/sub: torrent-node changed data users see; the API drops the answers it cached. */
  dataChanged: 'data.changed',
  /**
   * Core pub/sub, API -> torrent-node: a download's wanted state changed in the database (started,
   * paused, resumed, moved, removed) or the speed limits did. The database row is the truth; this
   * only wakes the engine, which also reconciles every row when it starts.
   */
  downloadControl: 'downloads.control',
  /** Core pub/sub, torrent-node -> subscribers (the Telegram bot): completed, failed, stalled. */
  downloadEvents: 'downloads.events',
  /** JetStream (in SOKOUL_JOBS): every Bot API call, sent by torrent-node's one throttled sender. */
  telegramOutbox: 'jobs.telegram',
  /**
   * Core pub/sub, torrent-node -> its Telegram notifier and web push sender: every alert Sentinel
   * raises, repeats or clears (an AlertEvent). Admins' sockets get it as a per-user event.
   */
  alerts: 'ops.alerts',
  /** Request/reply, API -> torrent-node: run a job now, list, create or restore backups (OpsRequest). */
  opsRequest: 'ops.request',
  /** Core pub/sub, API -> torrent-node: an admin changed settings; read them again from the database. */
  settingsChanged: 'settings.changed',
  /** Request/reply, API -> torrent-node: ask indexers for their capabilities (IndexerTestRequest). */
  indexerTest: 'settings.indexer-test',
  /** Request/reply, API -> torrent-node: call the LLM at LLAMA_ENDPOINT once (OracleTestReply). */
  oracleTest: 'settings.oracle-test',
  /** Request/reply, API -> torrent-node: the Real-Debrid account as its key sees it (RealDebridAccount). */
  realDebridAccount: 'settings.realdebrid-account',
  /** Core pub/sub, API -> torrent-node: send a test web push to one device (PushTestMessage). */
  pushTest: 'push.test',
} as const;

export const PushTestMessage = z.object({ deviceId: z.uuid(), userId: z.uuid() });
export type PushTestMessage = z.infer<typeof PushTestMessage>;

/** The outbox's own durable consumer (not a task consumer: the sender paces it, not task slots). */
export const TELEGRAM_OUTBOX_CONSUMER = 'torrent-node-telegram';

export const JOBS_STREAM = {
  name: 'SOKOUL_JOBS',
  subjects: ['jobs.>', 'search.request'],
  /** Durable consumers torrent-node pulls from, one per subject (NATS 2.9 filters on one subject). */
  consumers: [
    { name: 'torrent-node', subject: 'jobs.task' },
    { name: 'torrent-node-search', subject: 'search.request' },
  ],
} as const;

/** The subject each task type is queued on (each subject has its own consumer in torrent-node). */
export const TASK_SUBJECTS = {
  'system.report': Subjects.taskRun,
  'maintenance.cleanup': Subjects.taskRun,
  search: Subjects.searchRequest,
} as const satisfies Record<TaskType, string>;

export const TaskRunMessage = z.object({
  taskId: z.uuid(),
  userId: z.uuid(),
  type: TaskType,
  payload: z.record(z.string(), z.unknown()),
});
export type TaskRunMessage = z.infer<typeof TaskRunMessage>;

export const TaskCancelMessage = z.object({ taskId: z.uuid() });
export type TaskCancelMessage = z.infer<typeof TaskCancelMessage>;

export const TorrentHealthReply = z.object({
  nodeId: z.string(),
  status: z.enum(['up', 'degraded']),
  uptimeSeconds: z.number(),
  database: z.enum(['up', 'down']),
  runningTasks: z.number().int(),
  /** Each engine this node runs and whether it works (Sokoul's own is always there). */
  engines: z.array(EngineInfo).default([]),
  /** Free space where media is written: DOWNLOAD_DIR, and LIBRARY_DIR when it is set. */
  storage: z
    .array(
      z.object({
        folder: z.enum(['downloads', 'library']),
        path: z.string(),
        freeBytes: z.number(),
        totalBytes: z.number(),
      }),
    )
    .default([]),
  /** People watching now: a user reading a file within STREAM_IDLE_SECONDS. */
  activeStreams: z.number().int().default(0),
});
export type TorrentHealthReply = z.infer<typeof TorrentHealthReply>;

/** One user's data (their tasks, downloads), or shared titles and files that appear to everyone. */
export const DataChangedMessage = z.discriminatedUnion('scope', [
  z.object({ scope: z.literal('user'), userId: z.uuid() }),
  z.object({ scope: z.literal('titles') }),
]);
export type DataChangedMessage = z.infer<typeof DataChangedMessage>;

export const DownloadControlMessage = z.discriminatedUnion('action', [
  z.object({ action: z.literal('reconcile'), downloadId: z.uuid() }),
  z.object({ action: z.literal('limits') }),
  /** An admin changed an external client's configuration: torrent-node reads them again. */
  z.object({ action: z.literal('clients') }),
]);
export type DownloadControlMessage = z.infer<typeof DownloadControlMessage>;

/** What the bot hears: a download event and whose it is. */
export const DownloadEventMessage = z.object({ userId: z.uuid(), event: DownloadEvent });
export type DownloadEventMessage = z.infer<typeof DownloadEventMessage>;

export const TorrentHeartbeat = z.object({
  nodeId: z.string(),
  ts: z.string(),
  uptimeSeconds: z.number(),
  rssBytes: z.number(),
});
export type TorrentHeartbeat = z.infer<typeof TorrentHeartbeat>;
