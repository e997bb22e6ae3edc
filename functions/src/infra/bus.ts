import { type SokoulEvent, Subjects } from '@sokoul/contracts';
import { type Env, type NatsRequestResult, type NatsStatus, natsBridgeStub } from '@sokoul/durable-objects';
import { unavailable } from '../errors.js';

/** NATS as the API sees it, through the NatsBridge Durable Object that owns the connection. */
export interface Bus {
  /** Fire-and-forget event to one user's sockets (or everyone's with userId null). */
  publishEvent(userId: string | null, event: SokoulEvent): Promise<void>;
  publish(subject: string, data: unknown): Promise<void>;
  /** Durable job for torrent-node (JetStream); msgId deduplicates retries. */
  enqueue(subject: string, data: unknown, msgId: string): Promise<void>;
  request(subject: string, data: unknown, timeoutMs: number): Promise<unknown>;
  status(): Promise<NatsStatus>;
}

export function createBus(env: Env): Bus {
  const stub = () => natsBridgeStub(env);
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch {
      throw unavailable('The message bus (NATS)');
    }
  };
  return {
    publishEvent: (userId, event) =>
      guard(() => stub().publish(userId ? Subjects.userEvents(userId) : Subjects.broadcastEvents, event)),
    publish: (subject, data) => guard(() => stub().publish(subject, data)),
    enqueue: (subject, data, msgId) => guard(() => stub().enqueue(subject, data, msgId)),
    request: async (subject, data, timeoutMs) => {
      const result = await guard<NatsRequestResult>(
        async () => await stub().request(subject, data, timeoutMs),
      );
      if (!result.ok) throw unavailable(`NATS request ${subject} (${result.error})`);
      return JSON.parse(result.json) as unknown;
    },
    status: () => stub().status(),
  };
}
