import { A } from '@solidjs/router';
import { t } from '../i18n.js';
import { usePageTitle } from '../title.js';

export default function NotFound() {
  usePageTitle(() => t('notFound.title'));
  return (
    <section class="page">
      <h1>{t('notFound.title')}</h1>
      <A href="/">{t('notFound.back')}</A>
    </section>
  );
}
