import type { CatalogItem } from '@sokoul/contracts';
import { createResource, For, type JSX, Show } from 'solid-js';
import { t } from '../i18n.js';
import { Loader } from './Loader.js';
import { MediaCard } from './MediaCard.js';
import { SkeletonCards } from './Skeleton.js';

/** A horizontal strip of cards: scrolled with the buttons, the arrow keys, or a swipe. */
export function Strip(props: { title: string; children: JSX.Element; testId?: string }) {
  let track: HTMLElement | undefined;
  const scroll = (direction: 1 | -1) =>
    track?.scrollBy({ left: direction * track.clientWidth * 0.85, behavior: 'smooth' });
  const onKey = (event: KeyboardEvent) => {
    if (event.target !== track) return;
    if (event.key === 'ArrowRight') scroll(1);
    else if (event.key === 'ArrowLeft') scroll(-1);
    else return;
    event.preventDefault();
  };
  return (
    <section class="media-row" aria-label={props.title} data-testid={props.testId}>
      <div class="row-head">
        <h2>{props.title}</h2>
        <div class="row-buttons">
          <button
            type="button"
            class="row-button"
            aria-label={t('catalog.previous')}
            onClick={() => scroll(-1)}
          >
            ‹
          </button>
          <button type="button" class="row-button" aria-label={t('catalog.next')} onClick={() => scroll(1)}>
            ›
          </button>
        </div>
      </div>
      <section class="row-track" ref={track} tabindex="0" aria-label={props.title} onKeyDown={onKey}>
        {props.children}
      </section>
    </section>
  );
}

/** A row of titles from a catalog call, with its loading, empty and error states. */
export function MediaRow(props: { title: string; load: () => Promise<CatalogItem[]>; testId?: string }) {
  const [items, { refetch }] = createResource(
    () => props.load,
    (load) => load(),
  );
  return (
    <Strip title={props.title} testId={props.testId}>
      <Loader resource={items} retry={refetch} loading={<SkeletonCards />}>
        {(list) => (
          <Show when={list.length > 0} fallback={<p class="muted">{t('catalog.empty')}</p>}>
            <For each={list}>{(item) => <MediaCard item={item} />}</For>
          </Show>
        )}
      </Loader>
    </Strip>
  );
}
