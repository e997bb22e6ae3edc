import {
  type TelegramChatType,
  type TelegramLink,
  type TelegramLinkCode,
  TelegramNotificationKind,
  type TelegramStatus,
} from '@sokoul/contracts';
import { createEffect, createMemo, createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { telegramApi } from '../api/telegram.js';
import { ErrorMessage, messageOf, useAction } from '../components/Field.js';
import { formatDate, formatDuration, formatTime, type MessageKey, t, tn } from '../i18n.js';
import { session } from '../stores/session.js';

/** While a code is shown, how often the links are read again (the chat is linked from a phone). */
const POLL_MS = 3000;

const CHAT_TYPES: Record<TelegramChatType, MessageKey> = {
  private: 'telegram.chat.private',
  group: 'telegram.chat.group',
  supergroup: 'telegram.chat.supergroup',
  channel: 'telegram.chat.channel',
};

const KINDS: Record<TelegramNotificationKind, MessageKey> = {
  'download.completed': 'telegram.kind.download.completed',
  'download.failed': 'telegram.kind.download.failed',
  'download.stalled': 'telegram.kind.download.stalled',
  alert: 'telegram.kind.alert',
};

/** A code on screen, with the links as they were when it was asked for (to see a new one arrive). */
interface ShownCode {
  code: TelegramLinkCode;
  before: Map<string, string>;
}

/** The first link made (or made again) since the code was shown. */
const newLink = (links: TelegramLink[], before: Map<string, string>) =>
  links.find((link) => before.get(link.id) !== link.linkedAt);

/**
 * Telegram, for every user: whether this server has a bot, linking a chat with a one-time code,
 * the linked chats and which notifications they get; admins also see (and unlink) everyone's.
 */
export function TelegramCard() {
  const [status, setStatus] = createSignal<TelegramStatus | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [all, setAll] = createSignal<TelegramLink[] | null>(null);
  const [shown, setShown] = createSignal<ShownCode | null>(null);
  const [now, setNow] = createSignal(Date.now());
  const [linked, setLinked] = createSignal<string | null>(null);
  const isAdmin = () => session.user()?.role === 'admin';
  const action = useAction();
  const prefs = useAction();

  const load = async () => {
    try {
      const [mine, everyone] = await Promise.all([
        telegramApi.status(),
        isAdmin() ? telegramApi.allLinks() : Promise.resolve(null),
      ]);
      // Unchanged answers (the periodic reads) keep the rows, and the focus on their buttons.
      if (JSON.stringify(mine) !== JSON.stringify(status())) setStatus(mine);
      if (JSON.stringify(everyone) !== JSON.stringify(all())) setAll(everyone);
      setLoadError(null);
      const code = shown();
      const made = code && newLink(mine.links, code.before);
      if (made) {
        setShown(null);
        setLinked(t('telegram.linked', { title: made.chatTitle }));
      }
    } catch (error) {
      setLoadError(messageOf(error));
    }
  };
  onMount(() => void load());

  const expiresAt = () => {
    const code = shown();
    return code ? Date.parse(code.code.expiresAt) : 0;
  };
  // A memo: the clock ticking must not restart the timers below, only the code's validity ending.
  const waiting = createMemo(() => shown() !== null && expiresAt() > now());
  // While a code is valid: a clock for its countdown, and the links read again now and then.
  createEffect(() => {
    if (!waiting()) return;
    const clock = setInterval(() => setNow(Date.now()), 1000);
    const poll = setInterval(() => void load(), POLL_MS);
    onCleanup(() => {
      clearInterval(clock);
      clearInterval(poll);
    });
  });

  const askCode = () => {
    setLinked(null);
    void action.run(async () => {
      const before = new Map((status()?.links ?? []).map((link) => [link.id, link.linkedAt]));
      const code = await telegramApi.linkCode();
      setNow(Date.now());
      setShown({ code, before });
    });
  };

  const unlink = (link: TelegramLink) => {
    setLinked(null);
    void action.run(
      async () => {
        await telegramApi.removeLink(link.id);
        await load();
      },
      t('telegram.unlinked', { title: link.chatTitle }),
    );
  };

  const kinds = () => TelegramNotificationKind.options.filter((kind) => kind !== 'alert' || isAdmin());
  const toggle = (kind: TelegramNotificationKind, input: HTMLInputElement) => {
    const current = status();
    if (!current) return;
    const wanted = input.checked;
    const muted = TelegramNotificationKind.options.filter((k) =>
      k === kind ? !wanted : current.muted.includes(k),
    );
    void prefs.run(async () => {
      try {
        const saved = await telegramApi.setMuted(muted);
        setStatus((latest) => (latest ? { ...latest, muted: saved.muted } : latest));
      } catch (error) {
        // Not saved: the box shows what is.
        input.checked = !wanted;
        throw error;
      }
    }, t('telegram.saved'));
  };

  return (
    <div class="card telegram" data-testid="telegram">
      <h2>{t('telegram.title')}</h2>
      <ErrorMessage message={loadError()} />
      <Show when={status()} fallback={<p class="muted">{loadError() ? '' : t('app.loading')}</p>}>
        {(known) => (
          <>
            <Show
              when={known().configured}
              fallback={
                <p class="notice" role="status" data-testid="telegram-not-configured">
                  {t('telegram.notConfigured')}
                </p>
              }
            >
              <p class="muted">{t('telegram.intro')}</p>
              <p data-testid="telegram-bot">
                {known().botUsername
                  ? t('telegram.bot', { name: `@${known().botUsername}` })
                  : t('telegram.botUnknown')}
              </p>
              <Show when={isAdmin() && known().mode}>
                {(mode) => <p class="muted">{t(`telegram.mode.${mode()}`)}</p>}
              </Show>
              <button type="button" class="primary" onClick={askCode} data-testid="telegram-link">
                {shown() ? t('telegram.newCode') : t('telegram.link')}
              </button>
              <Show when={shown()}>
                {(code) => (
                  <LinkCodePanel
                    code={code().code}
                    botUsername={known().botUsername}
                    expired={!waiting()}
                    left={Math.max(0, Math.ceil((expiresAt() - now()) / 1000))}
                  />
                )}
              </Show>
            </Show>
            <ErrorMessage message={action.error()} />
            <Show when={linked() ?? action.done()}>
              {(message) => (
                <p class="success" role="status" data-testid="telegram-done">
                  {message()}
                </p>
              )}
            </Show>

            {/* Without a bot, links made before still show, to be removed. */}
            <Show when={known().configured || known().links.length > 0}>
              <h3>{t('telegram.links')}</h3>
              <Show
                when={known().links.length > 0}
                fallback={
                  <p class="muted" data-testid="telegram-no-links">
                    {t('telegram.noLinks')}
                  </p>
                }
              >
                <ul class="list" data-testid="telegram-links">
                  <For each={known().links}>
                    {(link) => (
                      <li data-testid="telegram-link-row" data-chat={link.chatId}>
                        <span>
                          <strong>{link.chatTitle}</strong> · {t(CHAT_TYPES[link.chatType])} ·{' '}
                          {t('telegram.linkedAt', { date: formatDate(link.linkedAt) })}
                        </span>
                        <button
                          type="button"
                          onClick={() => unlink(link)}
                          aria-label={t('telegram.unlinkLabel', { title: link.chatTitle })}
                          data-testid="telegram-unlink"
                        >
                          {t('telegram.unlink')}
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </Show>

            <Show when={known().configured}>
              <fieldset class="telegram-kinds" data-testid="telegram-notifications">
                <legend>{t('telegram.notifications')}</legend>
                <p class="muted">{t('telegram.notificationsHint')}</p>
                <For each={kinds()}>
                  {(kind) => (
                    <label class="check">
                      <input
                        type="checkbox"
                        checked={!known().muted.includes(kind)}
                        disabled={prefs.busy()}
                        onChange={(e) => toggle(kind, e.currentTarget)}
                        data-testid="telegram-kind"
                        data-kind={kind}
                      />
                      <span>{t(KINDS[kind])}</span>
                    </label>
                  )}
                </For>
                <ErrorMessage message={prefs.error()} />
                <Show when={prefs.done()}>{(message) => <p class="success">{message()}</p>}</Show>
              </fieldset>
            </Show>

            <Show when={all()}>{(links) => <AllLinks links={links()} onUnlink={unlink} />}</Show>
          </>
        )}
      </Show>
    </div>
  );
}

function LinkCodePanel(props: {
  code: TelegramLinkCode;
  botUsername: string | null;
  expired: boolean;
  left: number;
}) {
  const command = () => `/start ${props.code.code}`;
  const groupCommand = () => (props.botUsername ? `/start@${props.botUsername} ${props.code.code}` : null);
  return (
    <div class="notice telegram-code" data-testid="telegram-code">
      <Show
        when={!props.expired}
        fallback={
          <p role="alert" data-testid="telegram-expired">
            {t('telegram.expired')}
          </p>
        }
      >
        <p>
          {t('telegram.codeLabel')}{' '}
          <code class="secret" data-testid="telegram-code-value">
            {props.code.code}
          </code>
        </p>
        <Show when={props.code.url}>
          {(url) => (
            <>
              <p>{t('telegram.openHint')}</p>
              <p>
                <a
                  class="button primary"
                  href={url()}
                  target="_blank"
                  rel="noopener noreferrer"
                  data-testid="telegram-open"
                >
                  {t('telegram.open')}
                </a>
              </p>
            </>
          )}
        </Show>
        <p>
          {t('telegram.commandHint')}{' '}
          <code class="secret" data-testid="telegram-command">
            {command()}
          </code>{' '}
          <Show when={navigator.clipboard}>
            <button
              type="button"
              onClick={() => void navigator.clipboard.writeText(command()).catch(() => undefined)}
            >
              {t('settings.copy')}
            </button>
          </Show>
        </p>
        <Show when={groupCommand()}>
          {(text) => <p class="muted">{t('telegram.groupHint', { command: text() })}</p>}
        </Show>
        <p class="muted" data-testid="telegram-expiry">
          <time datetime={props.code.expiresAt}>
            {t('telegram.expiresIn', {
              time: formatTime(props.code.expiresAt),
              left: formatDuration(props.left),
            })}
          </time>{' '}
          · {t('telegram.waiting')}
        </p>
      </Show>
    </div>
  );
}

/** Admins: every linked chat and whose account it acts as. */
function AllLinks(props: { links: TelegramLink[]; onUnlink: (link: TelegramLink) => void }) {
  return (
    <section data-testid="telegram-all-links">
      <h3>{t('telegram.allLinks')}</h3>
      <p class="muted">
        {tn('telegram.linkCount', props.links.length)} · {t('telegram.allLinksHint')}
      </p>
      <Show when={props.links.length > 0}>
        <table class="table">
          <thead>
            <tr>
              <th scope="col">{t('telegram.account')}</th>
              <th scope="col">{t('telegram.chat')}</th>
              <th scope="col">{t('telegram.type')}</th>
              <th scope="col">{t('telegram.linkedOn')}</th>
              <th scope="col">
                <span class="visually-hidden">{t('telegram.unlink')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={props.links}>
              {(link) => (
                <tr data-testid="telegram-all-row" data-chat={link.chatId}>
                  <td>{link.userName}</td>
                  <td>{link.chatTitle}</td>
                  <td>{t(CHAT_TYPES[link.chatType])}</td>
                  <td>{formatDate(link.linkedAt)}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => props.onUnlink(link)}
                      aria-label={t('telegram.unlinkLabel', { title: link.chatTitle })}
                      data-testid="telegram-admin-unlink"
                    >
                      {t('telegram.unlink')}
                    </button>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </section>
  );
}
