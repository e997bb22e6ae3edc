import type { TelegramStatus } from '@sokoul/contracts';
import { createEffect, createSignal, on, onMount, Show } from 'solid-js';
import { telegramApi } from '../../api/telegram.js';
import { ErrorMessage, useAction } from '../../components/Field.js';
import { t } from '../../i18n.js';
import { ConfigCard } from './ConfigCard.js';
import { configStore } from './config.js';

/**
 * The Telegram bot (admins): its token, write-only with its source, and whether the bot runs (its
 * @username once torrent-node, restarted with the token, asked Telegram who it is).
 */
export function TelegramBotCard() {
  const [status, setStatus] = createSignal<TelegramStatus | null>(null);
  const action = useAction();
  const load = () => void action.run(async () => setStatus(await telegramApi.status()));
  onMount(load);
  // A token saved: read the bot again (it takes torrent-node a moment to start it).
  createEffect(
    on(
      () => configStore.entries()?.find((e) => e.key === 'TELEGRAM_BOT_TOKEN')?.set,
      () => load(),
      { defer: true },
    ),
  );
  return (
    <>
      <ConfigCard section="telegram" />
      <div class="card config-test" data-testid="telegram-bot">
        <Show when={status()}>
          {(s) => (
            <p
              class={s().botUsername ? 'success' : 'muted'}
              data-testid="telegram-bot-state"
              data-running={s().botUsername ? 'true' : 'false'}
            >
              {s().botUsername
                ? t('telegramBot.running', { name: s().botUsername ?? '' })
                : s().configured
                  ? t('telegramBot.starting')
                  : t('telegramBot.off')}
            </p>
          )}
        </Show>
        <ErrorMessage message={action.error()} />
        <button type="button" onClick={load} disabled={action.busy()} data-testid="telegram-bot-refresh">
          {t('telegramBot.refresh')}
        </button>
      </div>
    </>
  );
}
