import type { CatalogItem } from '@sokoul/contracts';
import { useNavigate } from '@solidjs/router';
import { createEffect, createResource, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js';
import { catalogApi } from '../api/catalog.js';
import { t } from '../i18n.js';
import { LoadError } from './Loader.js';
import { hrefOf } from './MediaCard.js';
import { Picture } from './Picture.js';

const DEBOUNCE_MS = 250;
const MAX_RESULTS = 8;

/**
 * Ctrl+K (Cmd+K on a Mac) from anywhere: debounced search, arrows to move, Enter to open; Escape,
 * a click outside or the close button close it.
 */
export function SearchModal() {
  const navigate = useNavigate();
  const [open, setOpen] = createSignal(false);
  const [text, setText] = createSignal('');
  const [query, setQuery] = createSignal('');
  const [active, setActive] = createSignal(0);
  let dialog: HTMLDialogElement | undefined;
  let input: HTMLInputElement | undefined;

  const onGlobalKey = (event: KeyboardEvent) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
      event.preventDefault();
      setOpen(true);
    }
  };
  const onOpenRequest = () => setOpen(true);
  onMount(() => {
    window.addEventListener('keydown', onGlobalKey);
    window.addEventListener('sokoul:search', onOpenRequest);
  });
  onCleanup(() => {
    window.removeEventListener('keydown', onGlobalKey);
    window.removeEventListener('sokoul:search', onOpenRequest);
  });

  createEffect(
    on(open, (isOpen) => {
      if (isOpen) {
        dialog?.showModal();
        input?.select();
      } else if (dialog?.open) dialog.close();
    }),
  );

  let timer: ReturnType<typeof setTimeout> | undefined;
  createEffect(
    on(text, (value) => {
      clearTimeout(timer);
      timer = setTimeout(() => setQuery(value.trim()), DEBOUNCE_MS);
    }),
  );
  onCleanup(() => clearTimeout(timer));

  const [results, { refetch }] = createResource(
    () => (query().length >= 2 ? query() : null),
    async (q) => (await catalogApi.search(q)).results.slice(0, MAX_RESULTS),
  );
  createEffect(on(results, () => setActive(0)));

  const list = (): CatalogItem[] => (results.state === 'ready' ? results() : []);
  const close = () => setOpen(false);
  const go = (item: CatalogItem) => {
    close();
    navigate(hrefOf(item));
  };
  const seeAll = () => {
    close();
    navigate(`/search?q=${encodeURIComponent(text().trim())}`);
  };
  const onKey = (event: KeyboardEvent) => {
    const count = list().length;
    // A search field takes the first Escape to clear itself, and the dialog would stay open.
    if (event.key === 'Escape') close();
    else if (event.key === 'ArrowDown' && count) setActive((active() + 1) % count);
    else if (event.key === 'ArrowUp' && count) setActive((active() - 1 + count) % count);
    else if (event.key === 'Enter') {
      const chosen = list()[active()];
      if (chosen) go(chosen);
      else if (text().trim()) seeAll();
    } else return;
    event.preventDefault();
  };

  // The dialog closed itself (Escape, a form) or was closed by `close`: `close` events arrive later,
  // so one from an earlier close must not shut a dialog that Ctrl+K has opened again since.
  const onClosed = () => {
    if (!dialog?.open) close();
  };

  // A click on the backdrop targets the dialog itself, outside its box.
  const onClick = (event: MouseEvent) => {
    if (!dialog || event.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const inside =
      event.clientX >= box.left &&
      event.clientX <= box.right &&
      event.clientY >= box.top &&
      event.clientY <= box.bottom;
    if (!inside) close();
  };

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: keyboard users close it with Escape or the button
    <dialog
      ref={dialog}
      class="search-modal"
      aria-label={t('nav.search')}
      onClose={onClosed}
      onClick={onClick}
      data-testid="search-modal"
    >
      <div class="search-head">
        <input
          ref={input}
          type="search"
          role="combobox"
          aria-expanded={list().length > 0}
          aria-controls="search-results"
          aria-activedescendant={list().length ? `search-result-${active()}` : undefined}
          placeholder={t('search.placeholder')}
          value={text()}
          onInput={(event) => setText(event.currentTarget.value)}
          onKeyDown={onKey}
          data-testid="search-input"
        />
        <button
          type="button"
          class="search-close"
          aria-label={t('search.close')}
          title={t('search.close')}
          onClick={close}
          data-testid="search-close"
        >
          ✕
        </button>
      </div>
      <Show when={results.state === 'errored'}>
        <LoadError error={results.error} retry={refetch} />
      </Show>
      <Show when={query().length < 2}>
        <p class="muted">{t('search.prompt')}</p>
      </Show>
      <Show when={results.state === 'ready' && query().length >= 2 && list().length === 0}>
        <p class="muted">{t('search.noResults', { q: query() })}</p>
      </Show>
      <div id="search-results" role="listbox" class="search-results">
        <For each={list()}>
          {(item, i) => (
            <div
              id={`search-result-${i()}`}
              role="option"
              tabIndex={-1}
              aria-selected={i() === active()}
              classList={{ active: i() === active() }}
              onMouseEnter={() => setActive(i())}
              onClick={() => go(item)}
              onKeyDown={() => undefined}
              data-testid="search-result"
            >
              <Picture image={item.poster} sizes="46px" alt="" class="thumb" />
              <span>
                <strong>{item.title}</strong>
                <span class="muted">
                  {' '}
                  {[
                    item.type === 'movie'
                      ? t('catalog.film')
                      : item.type === 'tv'
                        ? t('catalog.serie')
                        : t('catalog.person'),
                    item.year,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              </span>
            </div>
          )}
        </For>
      </div>
      <Show when={text().trim().length >= 2}>
        <button type="button" class="see-all" onClick={seeAll}>
          {t('search.seeAll')}
        </button>
      </Show>
    </dialog>
  );
}
