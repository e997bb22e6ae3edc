import type { CatalogItem } from '@sokoul/contracts';
import { A } from '@solidjs/router';
import { Show } from 'solid-js';
import { t } from '../i18n.js';
import { Picture } from './Picture.js';

export const hrefOf = (item: Pick<CatalogItem, 'type' | 'id'>) => `/${item.type}/${item.id}`;

/** Card widths: about 40% of a phone screen, a fixed column on larger screens. */
export const CARD_SIZES = '(max-width: 600px) 40vw, 185px';

export function MediaCard(props: { item: CatalogItem; subtitle?: string }) {
  const kind = () =>
    props.item.type === 'movie'
      ? t('catalog.film')
      : props.item.type === 'tv'
        ? t('catalog.serie')
        : t('catalog.person');
  return (
    <A href={hrefOf(props.item)} class="media-card" data-testid="media-card" data-type={props.item.type}>
      <Picture image={props.item.poster} sizes={CARD_SIZES} alt={props.item.title} class="poster" />
      <span class="card-title">{props.item.title}</span>
      <span class="card-meta muted">
        {props.subtitle ?? [kind(), props.item.year].filter(Boolean).join(' · ')}
        <Show when={props.item.rating}>
          {(rating) => (
            <span class="rating" title={t('catalog.rating', { n: String(rating()) })}>
              ★ {rating().toFixed(1)}
            </span>
          )}
        </Show>
      </span>
    </A>
  );
}
