import type { Locale } from '@sokoul/contracts';
import { For } from 'solid-js';
import { locale } from '../i18n.js';
import { session } from '../stores/session.js';

export function LanguageSwitcher() {
  const choose = (next: Locale) => void session.changeLocale(next);
  return (
    <fieldset class="lang" aria-label="Langue / Language">
      <For each={['fr', 'en'] as const}>
        {(code) => (
          <button
            type="button"
            data-testid={`lang-${code}`}
            aria-pressed={locale() === code}
            onClick={() => choose(code)}
          >
            {code.toUpperCase()}
          </button>
        )}
      </For>
    </fieldset>
  );
}
