import type { CatalogItem } from '@sokoul/contracts';
import { A } from '@solidjs/router';
import { createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { t } from '../i18n.js';
import { hrefOf } from './MediaCard.js';
import { Picture } from './Picture.js';

const ADVANCE_MS = 8000;

/** The home page's banner: the top trending titles, advancing by themselves until the user takes over. */
export function HeroCarousel(props: { items: CatalogItem[] }) {
  const [index, setIndex] = createSignal(0);
  const [paused, setPaused] = createSignal(false);
  const count = () => props.items.length;
  const go = (next: number) => setIndex((next + count()) % count());
  onMount(() => {
    const timer = setInterval(() => {
      if (!paused() && count() > 1 && !document.hidden) go(index() + 1);
    }, ADVANCE_MS);
    onCleanup(() => clearInterval(timer));
  });
  return (
    <section
      class="hero"
      aria-label={t('catalog.trending')}
      data-testid="hero"
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocusIn={() => setPaused(true)}
      onFocusOut={() => setPaused(false)}
    >
      <For each={props.items}>
        {(item, i) => (
          <section
            class="hero-slide"
            classList={{ active: i() === index() }}
            aria-hidden={i() !== index()}
            aria-label={t('catalog.slide', { n: String(i() + 1) })}
          >
            <Picture image={item.backdrop} sizes="100vw" alt="" class="hero-image" eager={i() === 0} />
            <div class="hero-text">
              <h2>{item.title}</h2>
              <p class="hero-overview">{item.overview}</p>
              <A href={hrefOf(item)} class="button primary" tabindex={i() === index() ? 0 : -1}>
                {t('catalog.details')}
              </A>
            </div>
          </section>
        )}
      </For>
      <Show when={count() > 1}>
        <button
          type="button"
          class="hero-prev"
          aria-label={t('catalog.previous')}
          onClick={() => go(index() - 1)}
        >
          ‹
        </button>
        <button
          type="button"
          class="hero-next"
          aria-label={t('catalog.next')}
          onClick={() => go(index() + 1)}
        >
          ›
        </button>
        <div class="hero-dots">
          <For each={props.items}>
            {(_, i) => (
              <button
                type="button"
                class="hero-dot"
                aria-label={t('catalog.slide', { n: String(i() + 1) })}
                aria-current={i() === index()}
                onClick={() => setIndex(i())}
              />
            )}
          </For>
        </div>
      </Show>
    </section>
  );
}
