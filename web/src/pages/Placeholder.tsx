import { type MessageKey, t } from '../i18n.js';

export function placeholder(title: MessageKey) {
  return () => (
    <section class="page">
      <h1>{t(title)}</h1>
      <p class="muted">{t('placeholder.soon')}</p>
    </section>
  );
}
