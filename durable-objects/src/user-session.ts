import { DurableObject } from 'cloudflare:workers';
import {
  ClientMessage,
  type ServerMessage,
  type SokoulEvent,
  WS_HEARTBEAT_MS,
  WS_PING,
  WS_PONG,
  WS_PROTOCOL,
} from '@sokoul/contracts';
import { type Bindings, natsBridgeStub } from './bindings.js';

/** Events kept for replay to reconnecting sockets. */
const REPLAY_LIMIT = 200;
/** How long events keep being recorded after the last socket closed, so a reconnect can resume. */
const RECONNECT_GRACE_MS = 120_000;
export const USER_HEADER = 'x-sokoul-user';

/**
 * One per user: accepts that user's sockets with the hibernation API (idle sockets cost nothing),
 * numbers every event it delivers, and keeps the last ones so a reconnecting client can resume.
 */
export class UserSession extends DurableObject<Bindings> {
  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(WS_PING, WS_PONG));
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)',
    );
  }

  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get(USER_HEADER);
    if (!userId || request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('expected a websocket upgrade', { status: 400 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ userId });
    await this.ctx.storage.put('lastActive', Date.now());
    this.send(server, { type: 'hello', userId, seq: this.lastSeq(), heartbeatMs: WS_HEARTBEAT_MS });
    await natsBridgeStub(this.env).register(userId);
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + WS_HEARTBEAT_MS);
    return new Response(null, {
      status: 101,
      webSocket: client,
      headers: { 'Sec-WebSocket-Protocol': WS_PROTOCOL },
    });
  }

  /**
   * Records one event and sends it to every socket of this user. Returns false once the user has had
   * no socket for longer than the reconnect grace period, telling the bridge to stop forwarding.
   */
  async deliver(event: SokoulEvent): Promise<boolean> {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) {
      const lastActive = (await this.ctx.storage.get<number>('lastActive')) ?? 0;
      if (Date.now() - lastActive > RECONNECT_GRACE_MS) return false;
    }
    const seq = this.ctx.storage.sql
      .exec<{ seq: number }>('INSERT INTO events (body) VALUES (?) RETURNING seq', JSON.stringify(event))
      .one().seq;
    this.ctx.storage.sql.exec('DELETE FROM events WHERE seq <= ?', seq - REPLAY_LIMIT);
    const message = JSON.stringify({ type: 'event', seq, event } satisfies ServerMessage);
    for (const ws of sockets) {
      try {
        ws.send(message);
      } catch {
        // A socket closing concurrently; its close handler cleans up.
      }
    }
    return true;
  }

  /**
   * Closes every socket of this user at once (the account was disabled or deleted): 4001 with the
   * reason, which the web app reads as the end of the session. Answers how many were open.
   */
  closeAll(code: number, reason: string): number {
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) {
      try {
        ws.close(code, reason);
      } catch {
        // Already closing.
      }
    }
    // workerd ends the connections of a close started outside a socket event only when the object
    // next hibernates (~10 s; measured): restarting the object ends them now, after the close frames.
    // Its storage (the replay log) is kept.
    if (sockets.length > 0) {
      setTimeout(() => {
        try {
          this.ctx.abort('sessions ended');
        } catch {
          // abort() throws by design once it has reset the object.
        }
      }, 20);
    }
    return sockets.length;
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    let message: ClientMessage;
    try {
      message = ClientMessage.parse(
        JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw)),
      );
    } catch {
      ws.close(1003, 'unsupported message');
      return;
    }
    if (message.type === 'ping') {
      this.send(ws, { type: 'pong' });
      return;
    }
    const oldest = this.ctx.storage.sql
      .exec<{ seq: number | null }>('SELECT MIN(seq) AS seq FROM events')
      .one().seq;
    if (oldest !== null && message.since < oldest - 1) this.send(ws, { type: 'resync' });
    const rows = this.ctx.storage.sql
      .exec<{ seq: number; body: string }>(
        'SELECT seq, body FROM events WHERE seq > ? ORDER BY seq',
        message.since,
      )
      .toArray();
    for (const row of rows) ws.send(`{"type":"event","seq":${row.seq},"event":${row.body}}`);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await this.ctx.storage.put('lastActive', Date.now());
    // 1005/1006/1015 are reserved and cannot be sent back; `close(1005)` throws.
    const sendable =
      code === 1000 ||
      (code >= 1001 && code <= 1014 && ![1004, 1005, 1006].includes(code)) ||
      (code >= 3000 && code <= 4999);
    try {
      ws.close(sendable ? code : 1000, reason);
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      ws.close(1011, 'socket error');
    } catch {
      // Already closed.
    }
  }

  override async alarm(): Promise<void> {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const heartbeat = JSON.stringify({
      type: 'heartbeat',
      ts: new Date().toISOString(),
    } satisfies ServerMessage);
    for (const ws of sockets) {
      try {
        ws.send(heartbeat);
      } catch {
        // Closing socket.
      }
    }
    await this.ctx.storage.setAlarm(Date.now() + WS_HEARTBEAT_MS);
  }

  private lastSeq(): number {
    return (
      this.ctx.storage.sql.exec<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM events').one().seq ?? 0
    );
  }

  private send(ws: WebSocket, message: ServerMessage): void {
    ws.send(JSON.stringify(message));
  }
}
