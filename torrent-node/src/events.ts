import { type DataChangedMessage, type SokoulEvent, Subjects, type Task } from '@sokoul/contracts';
import { JSONCodec, type NatsConnection } from 'nats';

const codec = JSONCodec<SokoulEvent>();

/** Events go to `events.user.<id>` (one user's sockets) or `events.broadcast` (everyone's). */
export function publishEvent(nc: NatsConnection, userId: string | null, event: SokoulEvent): void {
  nc.publish(userId ? Subjects.userEvents(userId) : Subjects.broadcastEvents, codec.encode(event));
}

export function publishTaskUpdate(nc: NatsConnection, task: Task): void {
  publishEvent(nc, task.userId, {
    id: crypto.randomUUID(),
    ts: new Date().toISOString(),
    type: 'task.updated',
    data: { task },
  });
}

const changes = JSONCodec<DataChangedMessage>();

/**
 * Call after committing a write to data users see (task results, downloads, media files): the API
 * then recomputes the per-user answers it keeps, for that user or, with `{ scope: 'titles' }`, for
 * everyone.
 */
export function publishDataChanged(nc: NatsConnection, change: DataChangedMessage): void {
  nc.publish(Subjects.dataChanged, changes.encode(change));
}
