import { request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { Subjects } from '@sokoul/contracts';
import { connect, JSONCodec } from 'nats';
import { connect as wsConnect } from 'nats.ws';
import { afterAll, describe, expect, it } from 'vitest';
import { memberSession, stack, WsClient } from './helpers/api.js';

/**
 * The embedded nats-server carries every user's events and jobs: only Sokoul's own services, which
 * hold the token the launcher generated, may connect to it, over TCP or WebSocket, and no web page
 * may open its WebSocket listener from a browser.
 */
const json = JSONCodec<unknown>();
const natsPort = () => Number(new URL(stack().natsUrl).port);
const wsUrl = () => new URL(stack().natsWsUrl);

/** What a process speaking the NATS wire protocol by hand hears back after sending `lines`. */
function rawNats(lines: string[], waitMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    let heard = '';
    const socket = tcpConnect({ host: '127.0.0.1', port: natsPort() });
    const done = () => {
      socket.destroy();
      resolve(heard);
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (chunk) => {
      const first = heard === '';
      heard += String(chunk);
      if (first) socket.write(lines.map((l) => `${l}\r\n`).join(''));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      done();
    });
    // The server hangs up right after refusing: a reset once it has spoken is its answer, not a failure.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' && heard !== '') done();
      else reject(error);
    });
  });
}

/** The HTTP status the WebSocket listener answers an upgrade with (101 when it accepts it). */
function upgradeStatus(origin: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: wsUrl().hostname,
      port: Number(wsUrl().port),
      path: '/',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...(origin ? { origin } : {}),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const alert = (message: string) => ({
  id: crypto.randomUUID(),
  ts: new Date().toISOString(),
  type: 'alert',
  data: { level: 'critical', message },
});

const sockets: WsClient[] = [];
afterAll(() => {
  for (const s of sockets) s.close();
});

describe('the embedded NATS requires the credentials the launcher generated', () => {
  it('has a token, and hands it to the test helpers', () => {
    expect(stack().natsToken).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a client without credentials, or with wrong ones', async () => {
    for (const options of [{}, { token: 'not-the-token-not-the-token-not-the-token' }]) {
      await expect(
        connect({ servers: stack().natsUrl, reconnect: false, timeout: 2000, ...options }),
      ).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
    }
    // The wire protocol by hand: subscribing to every user's events is refused, nothing is delivered.
    const heard = await rawNats(['CONNECT {"verbose":false,"pedantic":false}', 'SUB events.> 1', 'PING']);
    expect(heard).toContain("-ERR 'Authorization Violation'");
    expect(heard).not.toContain('PONG');
    expect(heard).not.toContain('MSG ');
  });

  it('accepts a client with the token', async () => {
    const nc = await connect({ servers: stack().natsUrl, token: stack().natsToken, reconnect: false });
    try {
      expect(await nc.rtt()).toBeGreaterThanOrEqual(0);
    } finally {
      await nc.close();
    }
  });

  it('asks the same token on the WebSocket listener, which stays on loopback', async () => {
    expect(wsUrl().hostname).toBe('127.0.0.1');
    await expect(
      wsConnect({ servers: stack().natsWsUrl, reconnect: false, timeout: 2000 }),
    ).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
    const nc = await wsConnect({ servers: stack().natsWsUrl, token: stack().natsToken, reconnect: false });
    await nc.close();
  });

  it('refuses a WebSocket upgrade from a web page of another origin', async () => {
    expect(await upgradeStatus('http://evil.example')).toBe(403);
    expect(await upgradeStatus(stack().url)).toBe(403);
    // Sokoul's own services (workerd's nats.ws, no Origin header) are let through to authenticate.
    expect(await upgradeStatus(undefined)).toBe(101);
  });
});

describe("events that reach a user's socket come only from Sokoul's own services", () => {
  it('drops a forged alert published without the token, and delivers one published with it', async () => {
    const victim = await memberSession('victim');
    const socket = await WsClient.connect({ token: victim.accessToken });
    sockets.push(socket);
    const subject = Subjects.userEvents(victim.user.id);
    const forged = JSON.stringify(alert('forged: your account is locked, sign in at evil.example'));
    const isForged = (m: Record<string, unknown>) =>
      m.type === 'event' && JSON.stringify(m.event).includes('forged:');

    // Over TCP, by hand and through a client library, and over the WebSocket listener.
    const heard = await rawNats([
      'CONNECT {"verbose":false,"pedantic":false}',
      `PUB ${subject} ${Buffer.byteLength(forged)}`,
      forged,
      `PUB ${Subjects.broadcastEvents} ${Buffer.byteLength(forged)}`,
      forged,
      'PING',
    ]);
    expect(heard).toContain("-ERR 'Authorization Violation'");
    await expect(connect({ servers: stack().natsUrl, reconnect: false, timeout: 2000 })).rejects.toThrow();
    await expect(
      wsConnect({ servers: stack().natsWsUrl, reconnect: false, timeout: 2000 }),
    ).rejects.toThrow();

    // Sokoul's own publisher (holding the token) reaches the same socket on the same subject.
    const nc = await connect({ servers: stack().natsUrl, token: stack().natsToken });
    try {
      nc.publish(subject, json.encode(alert('genuine')));
      await nc.flush();
    } finally {
      await nc.drain();
    }
    await socket.next(
      (m) => m.type === 'event' && (m.event as { data: { message?: string } }).data.message === 'genuine',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(socket.messages.some(isForged)).toBe(false);
  });
});
