import {
  type DataChangedMessage,
  PersonalList,
  Subjects,
  TorrentHealthReply,
  TorrentHeartbeat,
} from '@sokoul/contracts';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, memberSession, promotedSession, stack, WsClient } from './helpers/api.js';

const json = JSONCodec<unknown>();
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connect({ servers: stack().natsUrl, token: stack().natsToken });
});
afterAll(async () => {
  await nc?.drain();
});

describe('torrent-node over NATS', () => {
  it('answers the health request', async () => {
    const reply = await nc.request(Subjects.torrentHealth, json.encode({}), { timeout: 2000 });
    expect(TorrentHealthReply.parse(json.decode(reply.data))).toMatchObject({ status: 'up', database: 'up' });
  });

  it("announces a finished task as a change to its owner's data", async () => {
    const member = await promotedSession('changes');
    const me = await api<{ id: string }>('GET', '/auth/me', { token: member.accessToken });
    const sub = nc.subscribe(Subjects.dataChanged, { timeout: 10_000 });
    const seen = (async () => {
      for await (const msg of sub) {
        const change = json.decode(msg.data) as DataChangedMessage;
        if (change.scope === 'user' && change.userId === me.body.id) return change;
      }
      return null;
    })();
    const task = await api('POST', '/tasks', { token: member.accessToken, body: { type: 'system.report' } });
    expect(task.status).toBe(202);
    expect(await seen).toEqual({ scope: 'user', userId: me.body.id });
    sub.unsubscribe();
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

describe('data.changed from torrent-node', () => {
  const favorites = async (token: string) =>
    PersonalList.parse((await api('GET', '/favorites', { token })).body).items;
  const publish = async (change: DataChangedMessage) => {
    nc.publish(Subjects.dataChanged, json.encode(change));
    await nc.flush();
  };
  /** Longer than the API trusts a version it read (1 s): a kept answer would stay as it is. */
  const settle = () => new Promise((r) => setTimeout(r, 1500));

  it("makes the API recompute a user's answers, or everyone's, after a change behind its back", async () => {
    const member = await memberSession('changed');
    const token = member.accessToken;
    expect((await api('POST', '/favorites', { token, body: { tmdbId: 550, type: 'movie' } })).status).toBe(
      201,
    );
    const [kept] = await favorites(token);
    if (!kept) throw new Error('the favorite is missing');
    const sql = postgres(stack().databaseUrl, { max: 1, onnotice: () => {} });
    try {
      await sql`DELETE FROM favorites WHERE user_id = ${member.user.id}`;
      await settle();
      expect(await favorites(token)).toHaveLength(1);
      // Malformed changes are dropped; another user's change leaves this user's answers alone.
      nc.publish(Subjects.dataChanged, json.encode({ scope: 'user', userId: 'not-a-uuid' }));
      await publish({ scope: 'user', userId: crypto.randomUUID() });
      await settle();
      expect(await favorites(token)).toHaveLength(1);
      await publish({ scope: 'user', userId: member.user.id });
      await eventually(async () => expect(await favorites(token)).toHaveLength(0), 1500, 50);

      expect((await api('POST', '/favorites', { token, body: { mediaId: kept.media.id } })).status).toBe(201);
      expect((await favorites(token)).map((i) => i.media.title)).toEqual([kept.media.title]);
      await sql`UPDATE media SET title = 'Renamed behind the API' WHERE id = ${kept.media.id}`;
      await settle();
      expect((await favorites(token)).map((i) => i.media.title)).toEqual([kept.media.title]);
      await publish({ scope: 'titles' });
      await eventually(
        async () =>
          expect((await favorites(token)).map((i) => i.media.title)).toEqual(['Renamed behind the API']),
        1500,
        50,
      );
    } finally {
      await sql`UPDATE media SET title = ${kept.media.title} WHERE id = ${kept.media.id}`;
      await sql.end();
      await publish({ scope: 'titles' });
    }
  });
});
