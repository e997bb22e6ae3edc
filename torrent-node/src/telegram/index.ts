import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, type TorrentNodeConfig, telegramToken } from '@sokoul/contracts';
import type { Db } from '@sokoul/db';
import type { NatsConnection } from 'nats';
import { backoffMs, botApi } from './api.js';
import { storeBotIdentity } from './identity.js';
import { TelegramNotifier } from './notifier.js';
import { TelegramPoller } from './poller.js';
import { TelegramSender } from './sender.js';

export interface TelegramDeps {
  nc: NatsConnection;
  db: Db;
  config: TorrentNodeConfig;
  log: Logger;
}

export interface TelegramService {
  /** Long polling runs (no PUBLIC_URL); false in webhook mode. */
  polling: boolean;
  stop(): Promise<void>;
}

/**
 * The bot's torrent-node side, when a token is set: the outbox sender, the notifier, the bot's
 * identity and, without PUBLIC_URL, long polling. Everything starts in the background and retries
 * on its own: Telegram (or JetStream) failing never stops torrent-node nor its downloads.
 */
export function startTelegram(deps: TelegramDeps): TelegramService | null {
  const { config, db, nc } = deps;
  const token = telegramToken(config);
  const log = deps.log.child({ module: 'telegram' });
  if (!token) {
    log.debug('no Telegram token: the bot is off');
    return null;
  }
  const abort = new AbortController();
  const plain = botApi(config, token);
  const sender = new TelegramSender({ nc, db, api: botApi(config, token, true), log });
  const notifier = new TelegramNotifier({ nc, db, config, log });
  notifier.start();
  const mode = config.PUBLIC_URL ? 'webhook' : 'polling';
  let poller: TelegramPoller | null = null;
  if (mode === 'polling') {
    if (config.TELEGRAM_WEBHOOK_SECRET) {
      poller = new TelegramPoller({
        api: plain,
        webhookUrl: `${config.APP_URL.replace(/\/+$/, '')}/telegram/webhook`,
        secret: config.TELEGRAM_WEBHOOK_SECRET,
        log,
      });
      poller.start();
    } else {
      log.error(
        'TELEGRAM_WEBHOOK_SECRET is not set: the bot cannot hand updates to the API (the launcher sets it)',
      );
    }
  } else {
    log.info('PUBLIC_URL is set: updates arrive by webhook (`sokoul telegram webhook set`), no polling');
  }
  const identity = storeBotIdentity({ api: plain, db, log }, mode, abort.signal);
  const senderStarted = (async () => {
    for (let attempt = 0; !abort.signal.aborted; attempt++) {
      try {
        await sender.start();
        return true;
      } catch (error) {
        log.warn('telegram: cannot start the outbox consumer yet, retrying', {
          attempt,
          error: String(error),
        });
        await sleep(backoffMs(attempt, 30_000), undefined, { signal: abort.signal }).catch(() => undefined);
      }
    }
    return false;
  })();
  return {
    polling: poller !== null,
    stop: async () => {
      abort.abort();
      await Promise.allSettled([
        poller?.stop(),
        notifier.stop(),
        identity,
        senderStarted.then((started) => (started ? sender.stop() : undefined)),
      ]);
      log.info('telegram stopped');
    },
  };
}
