import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, TelegramBotInfo } from '@sokoul/contracts';
import { type Db, type StoredBot, saveBotInfo } from '@sokoul/db';
import type { Api } from 'grammy';
import { backoffMs, botSignal, describeTelegramError } from './api.js';

/**
 * Asks Telegram who the bot is (getMe) and stores it with the mode updates arrive in, so the
 * API's handlers build their bot without calling getMe on each request and the settings page
 * can show the bot's name. Retries until it worked or `signal` ends it.
 */
export async function storeBotIdentity(
  deps: { api: Api; db: Db; log: Logger },
  mode: StoredBot['mode'],
  signal: AbortSignal,
): Promise<TelegramBotInfo | null> {
  const { api, db, log } = deps;
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      const info = TelegramBotInfo.parse(await api.getMe(botSignal(signal)));
      await saveBotInfo(db, { info, mode });
      log.info('telegram bot identified', { username: info.username, id: info.id, mode });
      return info;
    } catch (error) {
      if (signal.aborted) break;
      log.warn('telegram: cannot identify the bot yet, retrying', {
        attempt,
        ...describeTelegramError(error),
      });
      await sleep(backoffMs(attempt, 60_000), undefined, { signal }).catch(() => undefined);
    }
  }
  return null;
}
