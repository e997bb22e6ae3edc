import { type MessageKey, t } from '../i18n.js';
import { usePageTitle } from '../title.js';

export function placeholder(title: MessageKey) {
  return () => {
    usePageTitle(() => t(title));
    return (
      <section class="page">
        <h1>{t(title)}</h1>
        <p class="muted">{t('placeholder.soon')}</p>
      </section>
    );
  };
}
