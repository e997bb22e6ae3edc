import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const Secrets = z.object({
  JWT_SECRET: z.string().min(32),
  INTERNAL_SIGNING_KEY: z.string().min(32),
  EMBEDDED_POSTGRES_PASSWORD: z.string().min(16),
  /** What the embedded nats-server requires of every client (torrent-node, the API, the launcher). */
  NATS_TOKEN: z.string().regex(/^[0-9a-f]{64}$/),
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
  const secrets: Secrets = {
    JWT_SECRET: existing.JWT_SECRET ?? randomBytes(32).toString('hex'),
    INTERNAL_SIGNING_KEY: existing.INTERNAL_SIGNING_KEY ?? randomBytes(32).toString('hex'),
    EMBEDDED_POSTGRES_PASSWORD: existing.EMBEDDED_POSTGRES_PASSWORD ?? randomBytes(18).toString('base64url'),
    NATS_TOKEN: existing.NATS_TOKEN ?? randomBytes(32).toString('hex'),
  };
  if (JSON.stringify(existing) !== JSON.stringify(secrets)) {
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}

/**
 * What Telegram and torrent-node's poller send in X-Telegram-Bot-Api-Secret-Token, unless
 * TELEGRAM_WEBHOOK_SECRET is set: derived from the signing key, so the app and torrent-node agree
 * even when each runs in its own container with its own data directory.
 */
export const telegramWebhookSecret = (env: Record<string, string | undefined>, signingKey: string) =>
  env.TELEGRAM_WEBHOOK_SECRET || createHmac('sha256', signingKey).update('telegram-webhook').digest('hex');
