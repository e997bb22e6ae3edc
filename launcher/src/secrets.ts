import { createECDH, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const Secrets = z.object({
  JWT_SECRET: z.string().min(32),
  INTERNAL_SIGNING_KEY: z.string().min(32),
  EMBEDDED_POSTGRES_PASSWORD: z.string().min(16),
  /** What the embedded nats-server requires of every client (torrent-node, the API, the launcher). */
  NATS_TOKEN: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * Web push's VAPID pair (RFC 8292): a P-256 key, public as the uncompressed point and private as
   * the 32-byte scalar, both base64url. Kept here so backups carry it: a new pair would orphan
   * every browser's subscription (they are bound to the public key).
   */
  VAPID_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{87}$/),
  VAPID_PRIVATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export type Secrets = z.infer<typeof Secrets>;

/**
 * Secrets that are not configured are generated once and kept in `<DATA_DIR>/secrets.json`
 * (mode 0600), so restarts keep sessions and signed URLs valid.
 */
export function loadSecrets(dataDir: string): Secrets {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'secrets.json');
  const existing = existsSync(file) ? Secrets.partial().parse(JSON.parse(readFileSync(file, 'utf8'))) : {};
  const vapid =
    existing.VAPID_PUBLIC_KEY && existing.VAPID_PRIVATE_KEY
      ? { VAPID_PUBLIC_KEY: existing.VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: existing.VAPID_PRIVATE_KEY }
      : newVapidPair();
  const secrets: Secrets = {
    JWT_SECRET: existing.JWT_SECRET ?? randomBytes(32).toString('hex'),
    INTERNAL_SIGNING_KEY: existing.INTERNAL_SIGNING_KEY ?? randomBytes(32).toString('hex'),
    EMBEDDED_POSTGRES_PASSWORD: existing.EMBEDDED_POSTGRES_PASSWORD ?? randomBytes(18).toString('base64url'),
    NATS_TOKEN: existing.NATS_TOKEN ?? randomBytes(32).toString('hex'),
    ...vapid,
  };
  if (JSON.stringify(existing) !== JSON.stringify(secrets)) {
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}

function newVapidPair(): Pick<Secrets, 'VAPID_PUBLIC_KEY' | 'VAPID_PRIVATE_KEY'> {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // The scalar can be shorter than 32 bytes (leading zeros): push libraries expect exactly 32.
  const scalar = ecdh.getPrivateKey();
  const privateKey = Buffer.concat([Buffer.alloc(32 - scalar.length), scalar]);
  return {
    VAPID_PUBLIC_KEY: ecdh.getPublicKey().toString('base64url'),
    VAPID_PRIVATE_KEY: privateKey.toString('base64url'),
  };
}

/** The pair a signing key stands for: the first HMAC of it that is a valid P-256 scalar. */
function derivedVapidPair(signingKey: string): Pick<Secrets, 'VAPID_PUBLIC_KEY' | 'VAPID_PRIVATE_KEY'> {
  for (let counter = 0; ; counter++) {
    const scalar = createHmac('sha256', signingKey).update(`web-push-vapid-${counter}`).digest();
    const ecdh = createECDH('prime256v1');
    try {
      // Refused for 0 or a value not below the curve's order (odds about 2^-32).
      ecdh.setPrivateKey(scalar);
    } catch {
      continue;
    }
    return {
      VAPID_PUBLIC_KEY: ecdh.getPublicKey().toString('base64url'),
      VAPID_PRIVATE_KEY: scalar.toString('base64url'),
    };
  }
}

/**
 * The VAPID pair both services use: the configured one when both halves are set; else, when
 * INTERNAL_SIGNING_KEY is configured (the app and torrent-node may each run in a container of
 * their own, with their own data directory, `start --only`), one derived from it so both agree;
 * else the pair generated once into secrets.json.
 */
export const vapidKeys = (
  config: {
    VAPID_PUBLIC_KEY?: string | undefined;
    VAPID_PRIVATE_KEY?: string | undefined;
    INTERNAL_SIGNING_KEY?: string | undefined;
  },
  secrets: Secrets,
) => {
  if (config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY)
    return { VAPID_PUBLIC_KEY: config.VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: config.VAPID_PRIVATE_KEY };
  if (config.INTERNAL_SIGNING_KEY) return derivedVapidPair(config.INTERNAL_SIGNING_KEY);
  return { VAPID_PUBLIC_KEY: secrets.VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: secrets.VAPID_PRIVATE_KEY };
};

/**
 * What Telegram and torrent-node's poller send in X-Telegram-Bot-Api-Secret-Token, unless
 * TELEGRAM_WEBHOOK_SECRET is set: derived from the signing key, so the app and torrent-node agree
 * even when each runs in its own container with its own data directory.
 */
export const telegramWebhookSecret = (env: Record<string, string | undefined>, signingKey: string) =>
  env.TELEGRAM_WEBHOOK_SECRET || createHmac('sha256', signingKey).update('telegram-webhook').digest('hex');
