import { Subjects, TorrentHealthReply, TorrentHeartbeat } from '@sokoul/contracts';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberSession, stack, WsClient } from './helpers/api.js';

const json = JSONCodec<unknown>();
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connect({ servers: stack().natsUrl });
});
afterAll(async () => {
  await nc?.drain();
});

describe('torrent-node over NATS', () => {
  it('answers the health request', async () => {
    const reply = await nc.request(Subjects.torrentHealth, json.encode({}), { timeout: 2000 });
    expect(TorrentHealthReply.parse(json.decode(reply.data))).toMatchObject({ status: 'up', database: 'up' });
  });

  it('publishes a heartbeat', async () => {
    const sub = nc.subscribe(Subjects.torrentHeartbeat, { max: 1, timeout: 5000 });
    for await (const msg of sub) {
      expect(TorrentHeartbeat.parse(json.decode(msg.data)).rssBytes).toBeGreaterThan(0);
    }
    expect(sub.getReceived()).toBe(1);
  });
});

describe('events for everyone and for one user', () => {
  it('delivers a broadcast to every connected user and a user event to that user only', async () => {
    const [ana, ben] = await Promise.all([memberSession('ana'), memberSession('ben')]);
    const [anaSocket, benSocket] = await Promise.all([
      WsClient.connect({ token: ana.accessToken }),
      WsClient.connect({ token: ben.accessToken }),
    ]);
    try {
      const alert = (message: string) => ({
        id: crypto.randomUUID(),
        ts: new Date().toISOString(),
        type: 'alert',
        data: { level: 'info', message },
      });
      nc.publish(Subjects.broadcastEvents, json.encode(alert('for everyone')));
      nc.publish(Subjects.userEvents(ana.user.id), json.encode(alert('for ana')));
      nc.publish(Subjects.userEvents(ana.user.id), json.encode({ type: 'alert', data: 'malformed' }));
      const isAlert = (text: string) => (m: Record<string, unknown>) =>
        m.type === 'event' && (m.event as { data: { message?: string } }).data.message === text;
      await anaSocket.next(isAlert('for everyone'));
      await benSocket.next(isAlert('for everyone'));
      await anaSocket.next(isAlert('for ana'));
      await new Promise((r) => setTimeout(r, 300));
      expect(benSocket.messages.some(isAlert('for ana'))).toBe(false);
      // The malformed event was dropped, not delivered.
      expect(anaSocket.messages.filter((m) => m.type === 'event')).toHaveLength(2);
    } finally {
      anaSocket.close();
      benSocket.close();
    }
  });
});
