import type { ConfigEntry, ConfigKey, ConfigSection, ConfigValue } from '@sokoul/contracts';
import { createMemo, For, onMount, Show } from 'solid-js';
import { ErrorMessage, FormFooter, messageOf, useAction } from '../../components/Field.js';
import { formatNumber, hasMessage, locale, t } from '../../i18n.js';
import { configStore } from './config.js';

const word = (key: string, fallback: string) => (hasMessage(key) ? t(key) : fallback);

/** The kind of input a key needs, from its value's type (the default's when nothing is set). */
function kindOf(entry: ConfigEntry): 'secret' | 'boolean' | 'number' | 'text' {
  if (entry.secret) return 'secret';
  const sample = entry.value ?? entry.fallback;
  if (typeof sample === 'boolean') return 'boolean';
  if (typeof sample === 'number') return 'number';
  return 'text';
}

/** What an input holds: numbers with the language's decimal mark (read back either way). */
const inputText = (value: ConfigValue | undefined) =>
  value === undefined
    ? ''
    : typeof value === 'number' && locale() === 'fr'
      ? String(value).replace('.', ',')
      : String(value);

const shownValue = (value: ConfigValue | undefined) =>
  typeof value === 'number'
    ? formatNumber(value, 4)
    : typeof value === 'boolean'
      ? t(value ? 'config.on' : 'config.off')
      : (value ?? '');

/** Where the effective value comes from, and what clearing it would give back. */
function Source(props: { entry: ConfigEntry }) {
  const fallback = () => {
    const e = props.entry;
    if (e.source !== 'database') return null;
    if (e.secret) return e.environment ? t('config.fallbackSecret') : null;
    return e.fallback === undefined
      ? t('config.fallbackNone')
      : t('config.fallback', { value: String(shownValue(e.fallback)) });
  };
  return (
    <span class="config-source" data-testid="config-source" data-source={props.entry.source}>
      <span class={`badge source-${props.entry.source}`}>{t(`config.source.${props.entry.source}`)}</span>
      <Show when={fallback()}>{(text) => <span class="muted">{text()}</span>}</Show>
    </span>
  );
}

/**
 * One section of the run-time settings (TMDB, downloads, alerts…). A stored value overrides the
 * environment's and applies at once; "Reset" clears it. Secrets are write-only: their field is
 * always empty, left empty it keeps the stored one.
 */
export function ConfigCard(props: { section: ConfigSection }) {
  onMount(() => void configStore.load());
  const action = useAction();
  const list = createMemo(() => (configStore.entries() ?? []).filter((e) => e.section === props.section));
  let form: HTMLFormElement | undefined;

  const save = (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const values: Partial<Record<ConfigKey, ConfigValue | null>> = {};
    for (const entry of list()) {
      const kind = kindOf(entry);
      const raw = String(data.get(entry.key) ?? '').trim();
      if (kind === 'secret') {
        if (raw) values[entry.key] = raw;
        continue;
      }
      const text = kind === 'number' ? raw.replace(',', '.') : raw;
      const current = entry.value === undefined ? '' : String(entry.value);
      if (text === current) continue;
      // Emptied: back to the environment's value or the default.
      values[entry.key] = text === '' ? null : text;
    }
    if (Object.keys(values).length === 0) return;
    void action.run(async () => {
      await configStore.save(values);
      for (const entry of list())
        if (entry.secret) {
          const field = form?.elements.namedItem(entry.key);
          if (field instanceof HTMLInputElement) field.value = '';
        }
    }, t('config.saved'));
  };
  const reset = (key: ConfigKey) =>
    void action.run(() => configStore.save({ [key]: null }), t('config.reset.done'));

  return (
    <form class="card config-card" ref={form} onSubmit={save} data-testid={`config-${props.section}`}>
      <h2>{t(`config.${props.section}`)}</h2>
      <p class="muted">{t(`config.${props.section}.hint`)}</p>
      <ErrorMessage message={configStore.loadError() ? messageOf(configStore.loadError()) : null} />
      <div class="config-fields">
        <For each={list()}>
          {(entry) => {
            const id = `config-${entry.key}`;
            const kind = kindOf(entry);
            return (
              <div class="config-field" data-testid="config-field" data-key={entry.key}>
                <label class="field" for={id}>
                  <span>
                    {word(`config.key.${entry.key}`, entry.key)} <code class="muted">{entry.key}</code>
                  </span>
                  <Show
                    when={kind === 'boolean'}
                    fallback={
                      <input
                        id={id}
                        name={entry.key}
                        type={kind === 'secret' ? 'password' : 'text'}
                        inputmode={kind === 'number' ? 'decimal' : undefined}
                        autocomplete={kind === 'secret' ? 'new-password' : 'off'}
                        value={kind === 'secret' ? '' : inputText(entry.value)}
                        placeholder={
                          kind === 'secret'
                            ? t(entry.set ? 'config.secretSet' : 'config.secretUnset')
                            : entry.fallback === undefined
                              ? t('config.notSet')
                              : inputText(entry.fallback)
                        }
                      />
                    }
                  >
                    <select id={id} name={entry.key}>
                      <option value="true" selected={entry.value === true}>
                        {t('config.on')}
                      </option>
                      <option value="false" selected={entry.value === false}>
                        {t('config.off')}
                      </option>
                    </select>
                  </Show>
                </label>
                <div class="config-meta">
                  <Source entry={entry} />
                  <Show when={entry.source === 'database'}>
                    <button
                      type="button"
                      class="link"
                      onClick={() => reset(entry.key)}
                      data-testid="config-reset"
                    >
                      {t('config.reset')}
                    </button>
                  </Show>
                </div>
              </div>
            );
          }}
        </For>
      </div>
      <FormFooter action={action} label={t('settings.save')} testId={`config-${props.section}-save`} />
    </form>
  );
}
