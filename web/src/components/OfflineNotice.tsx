import { createSignal, onCleanup, Show } from 'solid-js';
import { t } from '../i18n.js';

/** A banner while the browser has no network; the service worker keeps the app itself working. */
export function OfflineNotice() {
  const [offline, setOffline] = createSignal(!navigator.onLine);
  const update = () => setOffline(!navigator.onLine);
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  onCleanup(() => {
    window.removeEventListener('online', update);
    window.removeEventListener('offline', update);
  });
  return (
    <Show when={offline()}>
      <p class="offline-notice" role="status" data-testid="offline-notice">
        {t('offline.notice')}
      </p>
    </Show>
  );
}
