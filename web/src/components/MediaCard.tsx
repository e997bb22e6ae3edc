import type { CatalogItem, Media } from '@sokoul/contracts';
import { A } from '@solidjs/router';
import { type JSX, Show } from 'solid-js';
import { formatRating, t } from '../i18n.js';
import { ListButtons } from './ListButtons.js';
import { Picture } from './Picture.js';
import { ProgressBar } from './ProgressBar.js';

export const hrefOf = (item: Pick<CatalogItem, 'type' | 'id'>) => `/${item.type}/${item.id}`;

/** Card widths: about 40% of a phone screen, a fixed column on larger screens. */
export const CARD_SIZES = '(max-width: 600px) 40vw, 185px';

/** A stored title as a card: its TMDB page when it has one (episodes show their series). */
export function itemOfMedia(media: Media, series?: Media | null): { item: CatalogItem; href: string | null } {
  const show = media.type === 'episode' ? (series ?? null) : media;
  const tmdbId = show?.tmdbId ?? null;
  const type = show?.type === 'tv' || media.type === 'episode' ? 'tv' : 'movie';
  const href =
    tmdbId === null
      ? null
      : `/${type}/${tmdbId}${media.type === 'episode' ? `?season=${media.seasonNumber}` : ''}`;
  return {
    href,
    item: {
      type,
      id: tmdbId ?? 0,
      title: media.type === 'episode' && series ? series.title : media.title,
      originalTitle: media.originalTitle,
      overview: media.overview,
      date: media.airDate,
      year: media.year,
      poster: media.type === 'episode' ? (series?.poster ?? media.poster) : media.poster,
      backdrop: media.backdrop,
      rating: null,
      votes: 0,
      genreIds: media.genreIds,
      knownFor: null,
    },
  };
}

export function MediaCard(props: {
  item: CatalogItem;
  subtitle?: string;
  /** Share of the title already watched, 0 to 1. */
  progress?: number;
  /** Where the card leads; null for titles without a page (entered by hand). */
  href?: string | null;
  children?: JSX.Element;
}) {
  const kind = () =>
    props.item.type === 'movie'
      ? t('catalog.film')
      : props.item.type === 'tv'
        ? t('catalog.serie')
        : t('catalog.person');
  const href = () => (props.href === undefined ? hrefOf(props.item) : props.href);
  const body = () => (
    <>
      <Picture image={props.item.poster} sizes={CARD_SIZES} alt={props.item.title} class="poster" />
      <Show when={props.progress}>{(share) => <ProgressBar share={share()} />}</Show>
      <span class="card-title">{props.item.title}</span>
      <span class="card-meta muted">
        {props.subtitle ?? [kind(), props.item.year].filter(Boolean).join(' · ')}
        <Show when={props.item.rating}>
          {(rating) => (
            <span class="rating" title={t('catalog.rating', { n: formatRating(rating()) })}>
              ★ {formatRating(rating())}
            </span>
          )}
        </Show>
      </span>
    </>
  );
  return (
    <div class="card-wrap">
      <Show
        when={href()}
        fallback={
          <div class="media-card" data-testid="media-card" data-type={props.item.type}>
            {body()}
          </div>
        }
      >
        {(link) => (
          <A href={link()} class="media-card" data-testid="media-card" data-type={props.item.type}>
            {body()}
          </A>
        )}
      </Show>
      <Show when={props.item.type !== 'person' && props.item.id > 0}>
        <ListButtons
          compact
          item={{ tmdbId: props.item.id, type: props.item.type === 'tv' ? 'tv' : 'movie' }}
        />
      </Show>
      {props.children}
    </div>
  );
}
