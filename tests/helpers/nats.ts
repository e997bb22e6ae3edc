import { type ChildProcess, spawn } from 'node:child_process';
import { JOBS_STREAM } from '@sokoul/contracts';
import { connect, type NatsConnection, RetentionPolicy } from 'nats';
import { until } from './wait.js';

/**
 * A nats-server of the test's own on `port` (so a test can kill it and start it again there), with
 * JetStream stored in `storeDir` when given one.
 */
export function spawnNatsServer(port: number, storeDir?: string): ChildProcess {
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(storeDir ? ['-js', '-sd', storeDir] : [])];
  return spawn('nats-server', args, { stdio: 'ignore' });
}

/** A connection once the server listens (it takes a moment after spawning). */
export const connectWhenUp = (url: string): Promise<NatsConnection> =>
  until('nats-server', () => connect({ servers: url }).catch(() => undefined), 10_000);

/** The jobs stream as torrent-node's task runner creates it at start (the Telegram sender needs it). */
export async function addJobsStream(nc: NatsConnection): Promise<void> {
  await (await nc.jetstreamManager()).streams.add({
    name: JOBS_STREAM.name,
    subjects: [...JOBS_STREAM.subjects],
    retention: RetentionPolicy.Workqueue,
  });
}
