import { type PushDevice, PushKind, type PushStatus } from '@sokoul/contracts';
import { createSignal, For, onMount, Show } from 'solid-js';
import { pushApi } from '../api/push.js';
import { ErrorMessage, messageOf, useAction } from '../components/Field.js';
import { formatDate, type MessageKey, t } from '../i18n.js';
import { session } from '../stores/session.js';

/** Which row is this browser's (the API never returns endpoints, so the id is kept here). */
const DEVICE_KEY = 'sokoul.pushDevice';

const KINDS: Record<PushKind, MessageKey> = {
  'download.ready': 'push.kind.download.ready',
  alert: 'push.kind.alert',
};

/** Why this browser cannot take web push, or null when it can. */
function unsupported(): MessageKey | null {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window))
    return 'push.unsupported';
  return null;
}

/** The applicationServerKey PushManager wants: the VAPID public key's bytes. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** `Firefox · Linux`: how this device shows in the list. */
function deviceLabel(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : '';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Mac OS X/.test(ua)
        ? 'macOS'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return [browser, os].filter(Boolean).join(' · ').slice(0, 100);
}

async function registration(): Promise<ServiceWorkerRegistration | null> {
  return (await navigator.serviceWorker.getRegistration()) ?? null;
}

/**
 * Web push, for every user: turn notifications on for this browser (permission, subscription with
 * the server's VAPID key), choose per device what it is told (alerts: admins only), send a test,
 * and remove devices.
 */
export function PushCard() {
  const [status, setStatus] = createSignal<PushStatus | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [thisDevice, setThisDevice] = createSignal<string | null>(null);
  const isAdmin = () => session.user()?.role === 'admin';
  const action = useAction();
  const why = unsupported();

  const load = async () => {
    try {
      const next = await pushApi.status();
      setStatus(next);
      setLoadError(null);
      // This browser's row, if it is still subscribed and still listed.
      const saved = localStorage.getItem(DEVICE_KEY);
      const subscribed = why ? null : await (await registration())?.pushManager.getSubscription();
      setThisDevice(saved && subscribed && next.devices.some((d) => d.id === saved) ? saved : null);
    } catch (error) {
      setLoadError(messageOf(error));
    }
  };
  onMount(() => void load());

  const enable = () =>
    void action.run(async () => {
      const key = status()?.publicKey;
      if (!key) return;
      const reg = await registration();
      if (!reg) throw new Error(t('push.noWorker'));
      if ((await Notification.requestPermission()) !== 'granted') throw new Error(t('push.denied'));
      const subscription = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(key),
      });
      const json = subscription.toJSON();
      const device = await pushApi.subscribe({
        subscription: {
          endpoint: subscription.endpoint,
          expirationTime: subscription.expirationTime,
          keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
        },
        label: deviceLabel(),
        kinds: isAdmin() ? ['download.ready', 'alert'] : ['download.ready'],
      });
      localStorage.setItem(DEVICE_KEY, device.id);
      await load();
    }, t('push.enabled'));

  const remove = (device: PushDevice) =>
    void action.run(async () => {
      if (device.id === thisDevice()) {
        await (await registration())?.pushManager
          .getSubscription()
          .then((s) => s?.unsubscribe())
          .catch(() => undefined);
        localStorage.removeItem(DEVICE_KEY);
      }
      await pushApi.remove(device.id);
      await load();
    }, t('push.removed'));

  const test = (device: PushDevice) => void action.run(() => pushApi.test(device.id), t('push.testSent'));

  const toggle = (device: PushDevice, kind: PushKind, input: HTMLInputElement) => {
    const wanted = input.checked;
    const kinds = PushKind.options.filter((k) => (k === kind ? wanted : device.kinds.includes(k)));
    void action.run(async () => {
      try {
        const saved = await pushApi.setKinds(device.id, kinds);
        setStatus((s) => s && { ...s, devices: s.devices.map((d) => (d.id === saved.id ? saved : d)) });
      } catch (error) {
        input.checked = !wanted;
        throw error;
      }
    }, t('push.saved'));
  };

  const kinds = () => PushKind.options.filter((kind) => kind !== 'alert' || isAdmin());

  return (
    <div class="card push" data-testid="push">
      <h2>{t('push.title')}</h2>
      <ErrorMessage message={loadError()} />
      <Show when={status()} fallback={<p class="muted">{loadError() ? '' : t('app.loading')}</p>}>
        {(known) => (
          <>
            <Show
              when={known().publicKey}
              fallback={
                <p class="notice" role="status" data-testid="push-not-configured">
                  {t('push.notConfigured')}
                </p>
              }
            >
              <p class="muted">{t('push.intro')}</p>
              <Show
                when={!why}
                fallback={
                  <p class="notice" role="status" data-testid="push-unsupported">
                    {why ? t(why) : ''}
                  </p>
                }
              >
                <Show when={!thisDevice()}>
                  <button
                    type="button"
                    class="primary"
                    onClick={enable}
                    disabled={action.busy()}
                    data-testid="push-enable"
                  >
                    {t('push.enable')}
                  </button>
                </Show>
              </Show>
            </Show>
            <ErrorMessage message={action.error()} />
            <Show when={action.done()}>
              {(message) => (
                <p class="success" role="status" data-testid="push-done">
                  {message()}
                </p>
              )}
            </Show>
            <Show
              when={known().devices.length > 0}
              fallback={
                <p class="muted" data-testid="push-no-devices">
                  {t('push.noDevices')}
                </p>
              }
            >
              <ul class="list" data-testid="push-devices">
                <For each={known().devices}>
                  {(device) => (
                    <li data-testid="push-device" data-device={device.id}>
                      <span>
                        <strong>{device.label || device.service}</strong>
                        <Show when={device.id === thisDevice()}> · {t('push.thisDevice')}</Show> ·{' '}
                        {t('push.since', { date: formatDate(device.createdAt) })}
                        <Show when={device.lastSentAt}>
                          {(at) => <> · {t('push.lastSent', { date: formatDate(at()) })}</>}
                        </Show>
                      </span>
                      <span class="inline">
                        <For each={kinds()}>
                          {(kind) => (
                            <label class="check">
                              <input
                                type="checkbox"
                                checked={device.kinds.includes(kind)}
                                disabled={action.busy()}
                                onChange={(e) => toggle(device, kind, e.currentTarget)}
                                data-testid="push-kind"
                                data-kind={kind}
                              />
                              <span>{t(KINDS[kind])}</span>
                            </label>
                          )}
                        </For>
                        <button type="button" onClick={() => test(device)} data-testid="push-test">
                          {t('push.test')}
                        </button>
                        <button
                          type="button"
                          onClick={() => remove(device)}
                          aria-label={t('push.removeLabel', { name: device.label || device.service })}
                          data-testid="push-remove"
                        >
                          {t('push.remove')}
                        </button>
                      </span>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </>
        )}
      </Show>
    </div>
  );
}
