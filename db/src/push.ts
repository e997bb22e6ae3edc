import { type Locale, type PushDevice, PushKind } from '@sokoul/contracts';
import { type Db, iso, isoOrNull, type Timestamp } from './db.js';

/**
 * Web push devices (`push_devices`): one row per browser subscription, owned by a user and opted
 * in per kind. The API writes them (the caller's own only); torrent-node reads whom to tell and
 * forgets the subscriptions the push service says are gone. The endpoint and keys never leave
 * this module toward a client: a device shows as its push service's host.
 */

interface DeviceRow {
  id: string;
  endpoint: string;
  label: string;
  kinds: PushKind[];
  created_at: Timestamp;
  last_sent_at: Timestamp | null;
}

const DEVICE_COLUMNS = 'id, endpoint, label, kinds, created_at, last_sent_at';

/** The push service's host: what the browser subscribed through (`fcm.googleapis.com`). */
const serviceOf = (endpoint: string) => {
  try {
    return new URL(endpoint).host;
  } catch {
    return '';
  }
};

const toDevice = (row: DeviceRow): PushDevice => ({
  id: row.id,
  label: row.label,
  service: serviceOf(row.endpoint),
  kinds: row.kinds,
  createdAt: iso(row.created_at),
  lastSentAt: isoOrNull(row.last_sent_at),
});

/** Kinds as the column stores them (text[] from a JSON list: arrays are not SQL parameters here). */
const kindsParam = (n: number) =>
  `ARRAY(SELECT k FROM jsonb_array_elements_text($${n}::jsonb -> 'kinds') WITH ORDINALITY AS t(k, i) ORDER BY i)`;
/** Once each, in the contract's order, whatever order the client sent. */
const kindsValue = (kinds: readonly PushKind[]) => ({
  kinds: PushKind.options.filter((k) => kinds.includes(k)),
});

export interface NewPushDevice {
  endpoint: string;
  p256dh: string;
  auth: string;
  label: string;
  kinds: readonly PushKind[];
}

/**
 * Subscribes a device for a user. The same endpoint again (the browser subscribed anew, or another
 * account signed in on it) updates the row and moves it to that user: an endpoint is one browser.
 */
export async function upsertPushDevice(db: Db, userId: string, device: NewPushDevice): Promise<PushDevice> {
  const [row] = await db.query<DeviceRow>(
    `INSERT INTO push_devices (user_id, endpoint, p256dh, auth, label, kinds)
     VALUES ($1, $2, $3, $4, $5, ${kindsParam(6)})
     ON CONFLICT (endpoint) DO UPDATE
        SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth,
            label = excluded.label, kinds = excluded.kinds
     RETURNING ${DEVICE_COLUMNS}`,
    [userId, device.endpoint, device.p256dh, device.auth, device.label, kindsValue(device.kinds)],
  );
  if (!row) throw new Error('push device upsert returned no row');
  return toDevice(row);
}

export async function listPushDevices(db: Db, userId: string): Promise<PushDevice[]> {
  const rows = await db.query<DeviceRow>(
    `SELECT ${DEVICE_COLUMNS} FROM push_devices WHERE user_id = $1 ORDER BY created_at, id`,
    [userId],
  );
  return rows.map(toDevice);
}

/** The user's own device only: another user's id is null, like a missing one. */
export async function updatePushDeviceKinds(
  db: Db,
  userId: string,
  id: string,
  kinds: readonly PushKind[],
): Promise<PushDevice | null> {
  const [row] = await db.query<DeviceRow>(
    `UPDATE push_devices SET kinds = ${kindsParam(3)}
      WHERE id = $1 AND user_id = $2 RETURNING ${DEVICE_COLUMNS}`,
    [id, userId, kindsValue(kinds)],
  );
  return row ? toDevice(row) : null;
}

export async function deletePushDevice(db: Db, userId: string, id: string): Promise<boolean> {
  return (await db.execute('DELETE FROM push_devices WHERE id = $1 AND user_id = $2', [id, userId])) > 0;
}

/** What sending to a device needs (torrent-node only): the subscription and its owner's language. */
export interface PushTarget {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  locale: Locale;
}

interface TargetRow {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  locale: Locale;
}

const TARGET_SELECT = `SELECT d.id, d.user_id, d.endpoint, d.p256dh, d.auth, u.locale
                         FROM push_devices d JOIN users u ON u.id = d.user_id`;

const toTarget = (row: TargetRow): PushTarget => ({
  id: row.id,
  userId: row.user_id,
  endpoint: row.endpoint,
  p256dh: row.p256dh,
  auth: row.auth,
  locale: row.locale,
});

/** One of the user's devices, whatever it opted in to (a test push); null when not theirs. */
export async function findPushTarget(db: Db, userId: string, id: string): Promise<PushTarget | null> {
  const [row] = await db.query<TargetRow>(
    `${TARGET_SELECT} WHERE d.id = $1 AND d.user_id = $2 AND NOT u.disabled`,
    [id, userId],
  );
  return row ? toTarget(row) : null;
}

/** The user's devices opted in to a kind (none for a disabled account). */
export async function userPushTargets(db: Db, userId: string, kind: PushKind): Promise<PushTarget[]> {
  const rows = await db.query<TargetRow>(
    `${TARGET_SELECT} WHERE d.user_id = $1 AND $2 = ANY (d.kinds) AND NOT u.disabled ORDER BY d.created_at`,
    [userId, kind],
  );
  return rows.map(toTarget);
}

/** Every active admin's devices opted in to a kind (alerts). */
export async function adminPushTargets(db: Db, kind: PushKind): Promise<PushTarget[]> {
  const rows = await db.query<TargetRow>(
    `${TARGET_SELECT} WHERE u.role = 'admin' AND NOT u.disabled AND $1 = ANY (d.kinds) ORDER BY d.created_at`,
    [kind],
  );
  return rows.map(toTarget);
}

export async function markPushSent(db: Db, id: string): Promise<void> {
  await db.execute('UPDATE push_devices SET last_sent_at = now() WHERE id = $1', [id]);
}

/**
 * The push service said the subscription is gone (404/410): the row goes, unless the browser
 * subscribed again meanwhile with other keys (then the row is a new subscription).
 */
export async function forgetPushDevice(
  db: Db,
  id: string,
  endpoint: string,
  p256dh: string,
): Promise<boolean> {
  return (
    (await db.execute('DELETE FROM push_devices WHERE id = $1 AND endpoint = $2 AND p256dh = $3', [
      id,
      endpoint,
      p256dh,
    ])) > 0
  );
}
