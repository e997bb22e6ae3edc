import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A push service of our own (RFC 8030's "push resource" side) and a browser's subscription keys,
 * so tests see exactly what a real push service receives: the VAPID Authorization (RFC 8292) is
 * checked and the aes128gcm body (RFC 8291 over RFC 8188) decrypted with the subscription's
 * private key, written here with node:crypto from the RFCs' descriptions.
 */

export interface Subscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** What a browser keeps for one subscription: its P-256 pair and the 16-byte auth secret. */
export interface SubscriptionKeys {
  publicKey: Buffer;
  privateKey: Buffer;
  auth: Buffer;
}

export function subscriptionKeys(): SubscriptionKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { publicKey: ecdh.getPublicKey(), privateKey: ecdh.getPrivateKey(), auth: randomBytes(16) };
}

export const subscriptionOf = (endpoint: string, keys: SubscriptionKeys): Subscription => ({
  endpoint,
  keys: { p256dh: keys.publicKey.toString('base64url'), auth: keys.auth.toString('base64url') },
});

/** RFC 8291 §3.4 key derivation, then the RFC 8188 record (one record: the nonce as is). */
export function decryptAes128gcm(body: Buffer, keys: SubscriptionKeys): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body.readUInt8(20);
  const senderPublic = body.subarray(21, 21 + idLength);
  const records = body.subarray(21 + idLength);
  if (records.length > recordSize) throw new Error('more than one record');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(keys.privateKey);
  const shared = ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), keys.publicKey, senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, keys.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(records.subarray(records.length - 16));
  const padded = Buffer.concat([decipher.update(records.subarray(0, records.length - 16)), decipher.final()]);
  // Padding: zeros after a delimiter, 0x02 for the last record.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error(`expected the last record's delimiter, got ${padded[end]}`);
  return padded.subarray(0, end);
}

export interface Vapid {
  /** The JWT's claims. */
  claims: { aud: string; exp: number; sub: string };
  /** The application server's public key (k=), base64url. */
  publicKey: string;
  /** The signature checked against that key (ES256). */
  valid: boolean;
}

/** Reads `Authorization: vapid t=<jwt>, k=<key>` and checks the ES256 signature with k. */
export function readVapid(authorization: string | undefined): Vapid | null {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!match) return null;
  const [, jwt, k] = match as unknown as [string, string, string];
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string };
  const point = Buffer.from(k, 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const valid =
    head.alg === 'ES256' &&
    point.length === 65 &&
    verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
  return { claims: JSON.parse(Buffer.from(payload, 'base64url').toString()), publicKey: k, valid };
}

export interface PushRequest {
  /** The subscription's path on this server (`/push/<name>`). */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** What this server answered. */
  status: number;
}

export interface FakePushService {
  url: string;
  origin: string;
  requests: PushRequest[];
  /** Answers for the next requests to one path (then 201 again), with optional headers. */
  answer(path: string, ...statuses: (number | { status: number; headers: Record<string, string> })[]): void;
  /** The next request to a path that satisfies the predicate (already received ones count). */
  next(path: string, predicate?: (r: PushRequest) => boolean, ms?: number): Promise<PushRequest>;
  stop(): Promise<void>;
}

export async function startFakePushService(): Promise<FakePushService> {
  const requests: PushRequest[] = [];
  const queued = new Map<string, { status: number; headers: Record<string, string> }[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const planned = queued.get(path)?.shift() ?? { status: 201, headers: {} };
      requests.push({ path, headers: req.headers, body: Buffer.concat(chunks), status: planned.status });
      res.writeHead(planned.status, planned.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/push`,
    origin,
    requests,
    answer(path, ...statuses) {
      queued.set(path, [
        ...(queued.get(path) ?? []),
        ...statuses.map((s) => (typeof s === 'number' ? { status: s, headers: {} } : s)),
      ]);
    },
    async next(path, predicate = () => true, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = requests.find((r) => r.path === path && predicate(r));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no push request to ${path} within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
