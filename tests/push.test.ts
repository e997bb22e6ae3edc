import { createECDH, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ApiConfig,
  type Download,
  DownloadEventMessage,
  type PushDevice,
  PushPayload,
  type PushStatus,
  type SokoulEvent,
  Subjects,
} from '@sokoul/contracts';
import { WIRE_TYPES } from '@sokoul/db/postgres';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSecrets, vapidKeys } from '../launcher/src/secrets.js';
import { adminSession, api, eventually, memberSession, stack } from './helpers/api.js';
import { download } from './helpers/downloads.js';
import {
  decryptAes128gcm,
  type FakePushService,
  type PushRequest,
  readVapid,
  type SubscriptionKeys,
  startFakePushService,
  subscriptionKeys,
  subscriptionOf,
} from './helpers/fake-push.js';

// The API's push service, imported by a computed specifier so the tests' type check does not
// compile workerd code (as tests/openapi.test.ts does); called with a fake database.
interface PushServiceModule {
  status(deps: unknown, principal: unknown): Promise<PushStatus>;
  subscribe(deps: unknown, principal: unknown, input: unknown): Promise<PushDevice>;
}
const SERVICE_MODULE = '../functions/src/push/service.js';
const pushService = (await import(SERVICE_MODULE)) as PushServiceModule;

/**
 * Web push end to end on the shared stack: a device subscribes through the API with keys made
 * here, torrent-node sends (a test, a finished download, an alert) to a push service of our own,
 * which checks the VAPID JWT against the key the API hands browsers and decrypts every body with
 * the subscription's private key. Gone subscriptions (410) are forgotten; 5xx are retried.
 */

const json = JSONCodec<unknown>();
let push: FakePushService;
let nc: NatsConnection;
let sql: postgres.Sql;

beforeAll(async () => {
  push = await startFakePushService();
  nc = await connect({
    servers: stack().natsUrl,
    ...(stack().natsToken ? { token: stack().natsToken } : {}),
  });
  sql = postgres(stack().databaseUrl, { max: 2, onnotice: () => {}, types: WIRE_TYPES });
});

afterAll(async () => {
  await nc?.close();
  await sql?.end({ timeout: 2 });
  await push?.stop();
});

interface Device {
  id: string;
  path: string;
  keys: SubscriptionKeys;
}

async function subscribe(token: string, kinds?: string[], label = 'Test browser'): Promise<Device> {
  const path = `/push/${randomUUID()}`;
  const keys = subscriptionKeys();
  const res = await api<PushDevice>('POST', '/push/devices', {
    token,
    body: { subscription: subscriptionOf(`${push.origin}${path}`, keys), label, ...(kinds ? { kinds } : {}) },
  });
  expect(res.status).toBe(201);
  return { id: res.body.id, path, keys };
}

/** What the push service received, decrypted and checked as a real one would. */
function open(request: PushRequest, keys: SubscriptionKeys): PushPayload {
  expect(request.headers['content-encoding']).toBe('aes128gcm');
  return PushPayload.parse(JSON.parse(decryptAes128gcm(request.body, keys).toString('utf8')));
}

const tagged = (tag: string, keys: SubscriptionKeys) => (r: PushRequest) => {
  try {
    return open(r, keys).tag === tag;
  } catch {
    return false;
  }
};

const localeOf = async (userId: string) =>
  (
    (await sql<{ locale: 'fr' | 'en' }[]>`SELECT locale FROM users WHERE id = ${userId}`)[0] as {
      locale: string;
    }
  ).locale;

describe('VAPID keys', () => {
  it('are generated once into secrets.json, a valid P-256 pair; configured ones win; a configured signing key gives both services one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sokoul-vapid-'));
    try {
      const first = loadSecrets(dir);
      const again = loadSecrets(dir);
      expect(again.VAPID_PUBLIC_KEY).toBe(first.VAPID_PUBLIC_KEY);
      expect(again.VAPID_PRIVATE_KEY).toBe(first.VAPID_PRIVATE_KEY);
      const stored = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as Record<string, string>;
      expect(stored.VAPID_PUBLIC_KEY).toBe(first.VAPID_PUBLIC_KEY);
      // The private scalar is 32 bytes and yields the public point.
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(Buffer.from(first.VAPID_PRIVATE_KEY, 'base64url'));
      expect(Buffer.from(first.VAPID_PRIVATE_KEY, 'base64url')).toHaveLength(32);
      expect(ecdh.getPublicKey().toString('base64url')).toBe(first.VAPID_PUBLIC_KEY);
      expect(vapidKeys({}, first)).toEqual({
        VAPID_PUBLIC_KEY: first.VAPID_PUBLIC_KEY,
        VAPID_PRIVATE_KEY: first.VAPID_PRIVATE_KEY,
      });
      expect(vapidKeys({ VAPID_PUBLIC_KEY: 'pub', VAPID_PRIVATE_KEY: 'priv' }, first)).toEqual({
        VAPID_PUBLIC_KEY: 'pub',
        VAPID_PRIVATE_KEY: 'priv',
      });
      // Half a pair is no pair: the generated one is used.
      expect(vapidKeys({ VAPID_PUBLIC_KEY: 'pub' }, first).VAPID_PUBLIC_KEY).toBe(first.VAPID_PUBLIC_KEY);
      // Two containers with their own data but the same configured signing key agree on one pair.
      const other = mkdtempSync(join(tmpdir(), 'sokoul-vapid-'));
      try {
        const signing = { INTERNAL_SIGNING_KEY: 'a-signing-key-both-containers-are-given-0123' };
        const app = vapidKeys(signing, first);
        const node = vapidKeys(signing, loadSecrets(other));
        expect(node).toEqual(app);
        expect(app.VAPID_PUBLIC_KEY).not.toBe(first.VAPID_PUBLIC_KEY);
        const derived = createECDH('prime256v1');
        derived.setPrivateKey(Buffer.from(app.VAPID_PRIVATE_KEY, 'base64url'));
        expect(derived.getPublicKey().toString('base64url')).toBe(app.VAPID_PUBLIC_KEY);
        expect(
          vapidKeys({ INTERNAL_SIGNING_KEY: 'another-signing-key-0123456789abcdef' }, first),
        ).not.toEqual(app);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the stack hands browsers the generated public key', async () => {
    const member = await memberSession('push-key');
    const res = await api<PushStatus>('GET', '/push', { token: member.accessToken });
    expect(res.status).toBe(200);
    const secrets = JSON.parse(readFileSync(join(stack().dataDir, 'secrets.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(res.body.publicKey).toBe(secrets.VAPID_PUBLIC_KEY);
    expect(res.body.devices).toEqual([]);
  });

  it('without a pair, subscribing and testing answer 503 not_configured and the key is null', async () => {
    const db = {
      query: async () => [],
      execute: async () => 0,
      transaction: async () => [],
      ping: async () => undefined,
    };
    const deps = {
      config: { PUSH_ALLOW_PRIVATE: true } as ApiConfig,
      infra: { db },
      log: { info: () => undefined },
    };
    const principal = { userId: randomUUID(), role: 'member', via: 'token' } as const;
    expect((await pushService.status(deps, principal)).publicKey).toBeNull();
    const keys = subscriptionKeys();
    const input = {
      subscription: subscriptionOf('https://push.example.test/x', keys),
      label: '',
      kinds: ['alert' as const],
    };
    await expect(pushService.subscribe(deps, principal, input)).rejects.toMatchObject({
      status: 503,
      code: 'not_configured',
    });
  });
});

describe('devices', () => {
  it('are the caller’s own: subscribe, update by endpoint, opt in per kind, unsubscribe; others get 404', async () => {
    const alice = await memberSession('push-alice');
    const bob = await memberSession('push-bob');
    const device = await subscribe(alice.accessToken);
    const listed = await api<PushStatus>('GET', '/push', { token: alice.accessToken });
    expect(listed.body.devices).toEqual([
      expect.objectContaining({
        id: device.id,
        label: 'Test browser',
        service: new URL(push.origin).host,
        kinds: ['download.ready', 'alert'],
        lastSentAt: null,
      }),
    ]);
    // The endpoint and keys are credentials: never in an answer.
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(device.path);
    expect(text).not.toContain(device.keys.auth.toString('base64url'));

    // The same endpoint again updates the row.
    const again = await api<PushDevice>('POST', '/push/devices', {
      token: alice.accessToken,
      body: {
        subscription: subscriptionOf(`${push.origin}${device.path}`, device.keys),
        label: 'Renamed',
        kinds: ['alert'],
      },
    });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: device.id, label: 'Renamed', kinds: ['alert'] });

    const patched = await api<PushDevice>('PATCH', `/push/devices/${device.id}`, {
      token: alice.accessToken,
      body: { kinds: ['download.ready'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.kinds).toEqual(['download.ready']);

    // Bob sees none of it and can touch none of it.
    expect((await api<PushStatus>('GET', '/push', { token: bob.accessToken })).body.devices).toEqual([]);
    for (const [method, path, body] of [
      ['PATCH', `/push/devices/${device.id}`, { kinds: [] }],
      ['POST', `/push/devices/${device.id}/test`, undefined],
      ['DELETE', `/push/devices/${device.id}`, undefined],
    ] as const) {
      const res = await api<{ error: { code: string } }>(method, path, { token: bob.accessToken, body });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await api<PushStatus>('GET', '/push', { token: alice.accessToken })).body.devices).toHaveLength(
      1,
    );

    expect((await api('DELETE', `/push/devices/${device.id}`, { token: alice.accessToken })).status).toBe(
      204,
    );
    expect((await api<PushStatus>('GET', '/push', { token: alice.accessToken })).body.devices).toEqual([]);
    expect((await api('DELETE', `/push/devices/${device.id}`, { token: alice.accessToken })).status).toBe(
      404,
    );
  });

  it('refuses what is not a push subscription', async () => {
    const member = await memberSession('push-bad');
    const keys = subscriptionKeys();
    for (const endpoint of ['ftp://push.example.test/x', 'https://user:pass@push.example.test/x']) {
      const res = await api<{ error: { code: string } }>('POST', '/push/devices', {
        token: member.accessToken,
        body: { subscription: subscriptionOf(endpoint, keys) },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const short = await api('POST', '/push/devices', {
      token: member.accessToken,
      body: { subscription: { endpoint: `${push.origin}/push/x`, keys: { p256dh: 'abc', auth: 'def' } } },
    });
    expect(short.status).toBe(400);
    expect((await api('GET', '/push')).status).toBe(401);
  });
});

describe('delivery', () => {
  it('a test push: VAPID for the push service’s origin, TTL, aes128gcm the device decrypts', async () => {
    const member = await memberSession('push-test');
    const status = await api<PushStatus>('GET', '/push', { token: member.accessToken });
    const device = await subscribe(member.accessToken, ['download.ready']);
    const before = Math.floor(Date.now() / 1000);
    expect((await api('POST', `/push/devices/${device.id}/test`, { token: member.accessToken })).status).toBe(
      202,
    );
    const request = await push.next(device.path);
    const vapid = readVapid(request.headers.authorization);
    expect(vapid).not.toBeNull();
    expect(vapid?.valid).toBe(true);
    expect(vapid?.publicKey).toBe(status.body.publicKey);
    expect(vapid?.claims.aud).toBe(push.origin);
    expect(vapid?.claims.sub).toMatch(/^(mailto:|https:\/\/)/);
    expect(vapid?.claims.exp).toBeGreaterThan(before);
    // RFC 8292: at most 24 hours ahead.
    expect(vapid?.claims.exp).toBeLessThanOrEqual(before + 24 * 3600 + 60);
    expect(request.headers.ttl).toBe('300');
    expect(request.headers.urgency).toBe('normal');
    const payload = open(request, device.keys);
    const locale = await localeOf(member.user.id);
    expect(payload).toMatchObject({ kind: 'alert', title: 'Sokoul', tag: 'push-test', url: '/settings' });
    expect(payload.body).toBe(
      locale === 'fr'
        ? 'Les notifications fonctionnent sur cet appareil.'
        : 'Notifications work on this device.',
    );
    // A body encrypted for another subscription does not open with these keys.
    expect(() => decryptAes128gcm(request.body, subscriptionKeys())).toThrow();
    await eventually(async () => {
      const now = await api<PushStatus>('GET', '/push', { token: member.accessToken });
      expect(now.body.devices[0]?.lastSentAt).not.toBeNull();
    });
  });

  it('download ready: the owner’s devices opted in, with the title and the player’s address', async () => {
    const member = await memberSession('push-dl');
    const other = await memberSession('push-dl-other');
    const phone = await subscribe(member.accessToken);
    const muted = await subscribe(member.accessToken, ['alert']);
    const stranger = await subscribe(other.accessToken);
    const tmdbId = 900_000 + Math.floor(Math.random() * 90_000);
    const [film] = await sql<{ id: string }[]>`
      INSERT INTO media (media_type, title, year, tmdb_id) VALUES ('movie', 'Le Push', 2024, ${tmdbId}) RETURNING id`;
    const release = {
      userId: member.user.id,
      mediaId: film!.id,
      name: 'Le.Push.2024.1080p.WEB-DL',
      mediaTitle: 'Le Push',
    };
    const nothing = download(release);
    const ready = download(release);
    publishDownload(member.user.id, nothing, 0);
    publishDownload(member.user.id, ready, 1);
    const request = await push.next(phone.path, tagged(`download-${ready.id}`, phone.keys));
    const payload = open(request, phone.keys);
    const locale = await localeOf(member.user.id);
    expect(payload).toEqual({
      kind: 'download.ready',
      title: locale === 'fr' ? 'Prêt à regarder' : 'Ready to watch',
      body: 'Le Push (2024)',
      url: `/watch/movie/${tmdbId}`,
      tag: `download-${ready.id}`,
      icon: '/icons/icon-192.png',
    });
    expect(request.headers.ttl).toBe('86400');
    // After a later message to each of the others, nothing else arrived for this download.
    for (const [device, token] of [
      [muted, member.accessToken],
      [stranger, other.accessToken],
    ] as const) {
      await api('POST', `/push/devices/${device.id}/test`, { token });
      await push.next(device.path, tagged('push-test', device.keys));
    }
    const tags = push.requests
      .filter((r) => [phone, muted, stranger].some((d) => d.path === r.path))
      .map((r) => open(r, [phone, muted, stranger].find((d) => d.path === r.path)!.keys).tag);
    expect(tags.filter((t) => t.startsWith('download-'))).toEqual([`download-${ready.id}`]);
  });

  it('alerts: admins’ devices opted in, worded by phase, urgent when critical', async () => {
    const admin = await adminSession();
    const member = await memberSession('push-alert');
    const adminDevice = await subscribe(admin.accessToken, ['alert']);
    const memberDevice = await subscribe(member.accessToken);
    const cause = `test.push.${randomUUID()}`;
    publishAlert(cause, 'critical', 'raised', 'The disk is almost full');
    const raised = await push.next(adminDevice.path, tagged(`alert-${cause}`, adminDevice.keys));
    const payload = open(raised, adminDevice.keys);
    const locale = await localeOf(admin.user.id);
    expect(payload).toMatchObject({ kind: 'alert', body: 'The disk is almost full', url: '/system' });
    expect(payload.title).toBe(locale === 'fr' ? 'Sokoul : alerte critique' : 'Sokoul: critical alert');
    expect(raised.headers.urgency).toBe('high');
    expect(raised.headers.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);

    publishAlert(cause, 'critical', 'cleared', 'The disk has room again');
    const cleared = await push.next(
      adminDevice.path,
      (r) => tagged(`alert-${cause}`, adminDevice.keys)(r) && open(r, adminDevice.keys).body.includes('room'),
    );
    expect(open(cleared, adminDevice.keys).title).toBe(
      locale === 'fr' ? 'Sokoul : alerte terminée' : 'Sokoul: alert over',
    );
    expect(cleared.headers.urgency).toBe('low');
    // Same topic: a push service still holding the raised one replaces it.
    expect(cleared.headers.topic).toBe(raised.headers.topic);

    // The member's device (opted in to alerts, but not an admin) got none.
    await api('POST', `/push/devices/${memberDevice.id}/test`, { token: member.accessToken });
    await push.next(memberDevice.path, tagged('push-test', memberDevice.keys));
    expect(
      push.requests.filter((r) => r.path === memberDevice.path).map((r) => open(r, memberDevice.keys).tag),
    ).toEqual(['push-test']);
  });

  it('a gone subscription (410) is deleted; a 503 is retried and then delivered', async () => {
    const member = await memberSession('push-gone');
    const flaky = await subscribe(member.accessToken);
    const gone = await subscribe(member.accessToken);

    push.answer(flaky.path, { status: 503, headers: { 'retry-after': '0' } }, 429);
    push.answer(gone.path, 410);
    await api('POST', `/push/devices/${gone.id}/test`, { token: member.accessToken });
    await push.next(gone.path, (r) => r.status === 410);
    await eventually(async () => {
      const now = await api<PushStatus>('GET', '/push', { token: member.accessToken });
      expect(now.body.devices.map((d) => d.id)).toEqual([flaky.id]);
    }, 10_000);

    await api('POST', `/push/devices/${flaky.id}/test`, { token: member.accessToken });
    const delivered = await push.next(flaky.path, (r) => r.status === 201, 30_000);
    expect(open(delivered, flaky.keys).tag).toBe('push-test');
    expect(push.requests.filter((r) => r.path === flaky.path).map((r) => r.status)).toEqual([503, 429, 201]);
    await eventually(async () => {
      const now = await api<PushStatus>('GET', '/push', { token: member.accessToken });
      expect(now.body.devices.find((d) => d.id === flaky.id)?.lastSentAt).not.toBeNull();
    });
  });
});

function publishDownload(userId: string, d: Download, imported: number) {
  const message: DownloadEventMessage = {
    userId,
    event: {
      id: randomUUID(),
      ts: new Date().toISOString(),
      type: 'download.completed',
      data: { download: d, imported },
    },
  };
  // What torrent-node's notifiers accept, or the test would prove nothing.
  nc.publish(Subjects.downloadEvents, json.encode(DownloadEventMessage.parse(message)));
}

function publishAlert(
  cause: string,
  level: 'info' | 'warning' | 'critical',
  phase: 'raised' | 'repeated' | 'cleared',
  message: string,
) {
  const event: SokoulEvent = {
    id: randomUUID(),
    ts: new Date().toISOString(),
    type: 'alert',
    data: { level, message, code: 'disk.low', cause, phase, alertId: randomUUID() },
  };
  nc.publish(Subjects.alerts, json.encode(event));
}
