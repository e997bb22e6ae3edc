import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Logger } from './log.js';

/**
 * An Upstash-compatible REST gateway in front of a plain Redis, so the workerd app (which can only
 * speak HTTP to a cache) uses any Redis through @upstash/redis. It implements what that client
 * sends: `POST /` (one command), `POST /pipeline`, `POST /multi-exec`, Bearer auth, and
 * `Upstash-Encoding: base64` (bulk strings base64-encoded in replies).
 */

type Reply = string | number | null | Buffer | ReplyError | Reply[];
class ReplyError {
  constructor(readonly message: string) {}
}

/** A minimal RESP2 connection: commands are queued and replies matched in order. */
class RespConnection {
  private buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const parsed = parse(this.buffer, 0);
        if (!parsed) break;
        this.buffer = this.buffer.subarray(parsed.end);
        this.waiting.shift()?.resolve(parsed.value);
      }
    });
    socket.on('close', () => {
      for (const w of this.waiting.splice(0)) w.reject(new Error('redis connection closed'));
    });
    socket.on('error', () => undefined);
  }

  static open(url: URL): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
      socket.once('error', reject);
      socket.once('connect', async () => {
        socket.off('error', reject);
        const connection = new RespConnection(socket);
        try {
          if (url.password) {
            const auth = url.username
              ? ['AUTH', decodeURIComponent(url.username), decodeURIComponent(url.password)]
              : ['AUTH', decodeURIComponent(url.password)];
            const reply = await connection.send([auth]);
            if (reply[0] instanceof ReplyError) throw new Error(reply[0].message);
          }
          const db = url.pathname.slice(1);
          if (db) await connection.send([['SELECT', db]]);
          resolve(connection);
        } catch (error) {
          socket.destroy();
          reject(error);
        }
      });
    });
  }

  get alive(): boolean {
    return !this.socket.destroyed;
  }

  send(commands: string[][]): Promise<Reply[]> {
    const frames = commands.map(
      (args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
    );
    const replies = commands.map(
      () => new Promise<Reply>((resolve, reject) => this.waiting.push({ resolve, reject })),
    );
    this.socket.write(frames.join(''));
    return Promise.all(replies);
  }

  close(): void {
    this.socket.destroy();
  }
}

function parse(buf: Buffer, start: number): { value: Reply; end: number } | null {
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd < 0) return null;
  const type = String.fromCharCode(buf[start] ?? 0);
  const line = buf.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new ReplyError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buf.length < next + length + 2) return null;
      return { value: buf.subarray(next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: Reply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, at);
        if (!item) return null;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

type Json = string | number | null | Json[];
function toJson(reply: Reply, base64: boolean): Json {
  if (reply instanceof ReplyError) return reply.message;
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString('base64') : reply.toString('utf8');
  if (Array.isArray(reply)) return reply.map((r) => toJson(r, base64));
  // Upstash encodes simple-string replies too ("OK" arrives as "T0s=").
  if (typeof reply === 'string') return base64 ? Buffer.from(reply).toString('base64') : reply;
  return reply;
}

const wrap = (reply: Reply, base64: boolean) =>
  reply instanceof ReplyError ? { error: reply.message } : { result: toJson(reply, base64) };

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const isCommand = (v: unknown): v is (string | number)[] =>
  Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === 'string' || typeof a === 'number');

export async function startRedisGateway(opts: {
  redisUrl: string;
  token: string;
  host: string;
  port: number;
  log: Logger;
}): Promise<{ url: string; server: Server; stop(): Promise<void> }> {
  const target = new URL(opts.redisUrl);
  const idle: RespConnection[] = [];
  const all = new Set<RespConnection>();
  const acquire = async () => {
    let c = idle.pop();
    while (c && !c.alive) c = idle.pop();
    if (c) return c;
    const fresh = await RespConnection.open(target);
    all.add(fresh);
    return fresh;
  };
  const expected = Buffer.from(`Bearer ${opts.token}`);

  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
      return send(401, { error: 'Unauthorized' });
    }
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (req.method !== 'POST') return send(405, { error: 'Only POST is supported' });
    let body: unknown;
    try {
      body = await readBody(req);
    } catch {
      return send(400, { error: 'Invalid JSON body' });
    }
    const base64 = req.headers['upstash-encoding'] === 'base64';
    const commands: unknown[] = path === '/' ? [body] : Array.isArray(body) ? body : [];
    if (!['/', '/pipeline', '/multi-exec'].includes(path))
      return send(404, { error: `Unknown path ${path}` });
    if (commands.length === 0 || !commands.every(isCommand)) {
      return send(400, { error: 'Expected a command as an array of strings, or an array of such commands' });
    }
    const args = commands.map((c) => c.map(String));
    let connection: RespConnection | undefined;
    try {
      connection = await acquire();
      if (path === '/multi-exec') {
        const replies = await connection.send([['MULTI'], ...args, ['EXEC']]);
        const exec = replies[replies.length - 1];
        if (!Array.isArray(exec))
          return send(400, { error: exec instanceof ReplyError ? exec.message : 'EXEC failed' });
        send(
          200,
          exec.map((r) => wrap(r, base64)),
        );
      } else {
        const replies = await connection.send(args);
        if (path === '/') {
          const [reply] = replies;
          send(reply instanceof ReplyError ? 400 : 200, wrap(reply ?? null, base64));
        } else {
          send(
            200,
            replies.map((r) => wrap(r, base64)),
          );
        }
      }
      idle.push(connection);
    } catch (error) {
      connection?.close();
      opts.log.warn('redis unavailable', { service: 'redis-gateway', error: String(error) });
      send(503, { error: 'Redis is unavailable' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `http://${opts.host}:${port}`,
    server,
    stop: async () => {
      for (const c of all) c.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
