import {
  type ConfigKey,
  type Logger,
  type RealDebridAccount,
  Subjects,
  type TorrentNodeConfig,
  telegramToken,
} from '@sokoul/contracts';
import type { Db } from '@sokoul/db';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import type { Engines } from './downloads/engines.js';
import type { DownloadManager } from './downloads/manager.js';
import { RealDebridApi, RealDebridError, sharedBudget } from './downloads/realdebrid/api.js';
import { RealDebridEngine } from './downloads/realdebrid/engine.js';
import { startTelegram, type TelegramService } from './telegram/index.js';

/**
 * The services built from a secret an admin may change at run time (Settings): Real-Debrid's
 * engine (its key is read at construction) and the Telegram bot (its token at start). On a
 * change of their key they are built again from the one config object, without a restart.
 */

const codec = JSONCodec<unknown>();
const ACCOUNT_TIMEOUT_MS = 15_000;

interface Deps {
  nc: NatsConnection;
  db: Db;
  config: TorrentNodeConfig;
  log: Logger;
}

/**
 * Real-Debrid's engine for the key the config holds now. Without one it is kept all the same: it
 * says `not_configured` (the engine list leaves it out) and its downloads keep their rows and wait
 * for a key, as with a bad one, instead of failing.
 */
export const realDebridEngine = (d: Deps) =>
  new RealDebridEngine({ config: d.config, db: d.db, log: d.log.child({ module: 'realdebrid' }) });

/** The bot, stopped and started again when its token changes (stopped for good when cleared). */
export function liveTelegram(d: Deps) {
  let token = telegramToken(d.config);
  let current: TelegramService | null = startTelegram(d);
  let chain = Promise.resolve();
  const then = (step: () => Promise<void>) => {
    chain = chain
      .then(step)
      .catch((error: unknown) => d.log.warn('telegram restart failed', { error: String(error) }));
    return chain;
  };
  return {
    restart: () =>
      then(async () => {
        const next = telegramToken(d.config);
        if (next === token) return;
        token = next;
        await current?.stop();
        // Names only: the token never reaches the logs.
        d.log.info(
          next ? 'telegram token changed: the bot starts again' : 'telegram token cleared: the bot is off',
        );
        current = startTelegram(d);
      }),
    stop: () =>
      then(async () => {
        await current?.stop();
        current = null;
      }),
  };
}

export type LiveTelegram = ReturnType<typeof liveTelegram>;

/**
 * What main.ts calls on each settings change, and the answer to the API's "test the Real-Debrid
 * key" (Subjects.realDebridAccount).
 */
export function liveServices(
  d: Deps & { engines: Engines; downloads: DownloadManager; telegram: LiveTelegram },
) {
  let rebuilding = Promise.resolve();
  const rebuildRealDebrid = () => {
    rebuilding = rebuilding
      .then(async () => {
        const old = d.engines.get('realdebrid');
        d.engines.set(realDebridEngine(d));
        // Its downloads leave the old engine (their rows stay) and are followed by the new one.
        await d.downloads.enginesChanged();
        await old?.destroy();
        d.log.info('Real-Debrid key changed: the engine was rebuilt', {
          configured: Boolean(d.config.REAL_DEBRID_API_KEY),
        });
      })
      .catch((error: unknown) =>
        d.log.warn('cannot rebuild the Real-Debrid engine', { error: String(error) }),
      );
  };
  const account: Subscription = d.nc.subscribe(Subjects.realDebridAccount, {
    // NATS does not wait for an async callback: its promise must never reject.
    callback: async (err, msg) => {
      if (err) return;
      const reply = await realDebridAccount(d.config, d.log);
      try {
        msg.respond(codec.encode(reply));
      } catch (error) {
        d.log.warn('cannot answer a Real-Debrid account request', { error: String(error) });
      }
    },
  });
  return {
    onChange(keys: ConfigKey[]): void {
      if (keys.includes('REAL_DEBRID_API_KEY')) rebuildRealDebrid();
      if (keys.includes('TELEGRAM_BOT_TOKEN')) void d.telegram.restart();
    },
    stop(): void {
      account.unsubscribe();
    },
  };
}

/** Real-Debrid's /user with the key applied now (the engine's budget shared). */
export async function realDebridAccount(config: TorrentNodeConfig, log: Logger): Promise<RealDebridAccount> {
  const key = config.REAL_DEBRID_API_KEY;
  const none = { username: null, type: null, premiumUntil: null };
  if (!key) return { configured: false, state: 'not_configured', ...none, error: null };
  const api = new RealDebridApi({
    baseUrl: config.REAL_DEBRID_API_URL,
    apiKey: key,
    budget: sharedBudget(key, config.REAL_DEBRID_REQUESTS_PER_MINUTE),
    log,
  });
  try {
    const user = await api.user(AbortSignal.timeout(ACCOUNT_TIMEOUT_MS));
    const premium = user.type === 'premium';
    return {
      configured: true,
      state: premium ? 'ok' : 'unauthorized',
      username: user.username,
      type: user.type,
      premiumUntil: premium ? (user.expiration ?? null) : null,
      error: premium ? null : 'The account is not premium: Real-Debrid downloads need a premium account',
    };
  } catch (error) {
    const state =
      error instanceof RealDebridError
        ? error.kind === 'unauthorized' || error.kind === 'unreachable'
          ? error.kind
          : 'error'
        : 'unreachable';
    return {
      configured: true,
      state,
      ...none,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}
