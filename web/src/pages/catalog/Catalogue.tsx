import type { CatalogItem, DiscoverSort, MediaType } from '@sokoul/contracts';
import { useSearchParams } from '@solidjs/router';
import { createEffect, createResource, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { catalogApi, type DiscoverFilters } from '../../api/catalog.js';
import { LoadError } from '../../components/Loader.js';
import { MediaCard } from '../../components/MediaCard.js';
import { SkeletonCards } from '../../components/Skeleton.js';
import { locale, type MessageKey, t } from '../../i18n.js';
import { usePageTitle } from '../../title.js';

const SORTS: Record<MediaType, [DiscoverSort, MessageKey][]> = {
  movie: [
    ['popularity.desc', 'catalog.sort.popularity'],
    ['vote_average.desc', 'catalog.sort.rating'],
    ['primary_release_date.desc', 'catalog.sort.newest'],
    ['primary_release_date.asc', 'catalog.sort.oldest'],
    ['title.asc', 'catalog.sort.title'],
  ],
  tv: [
    ['popularity.desc', 'catalog.sort.popularity'],
    ['vote_average.desc', 'catalog.sort.rating'],
    ['first_air_date.desc', 'catalog.sort.newest'],
    ['first_air_date.asc', 'catalog.sort.oldest'],
    ['name.asc', 'catalog.sort.title'],
  ],
};
const THIS_YEAR = new Date().getFullYear();
const YEARS = Array.from({ length: THIS_YEAR - 1919 }, (_, i) => THIS_YEAR + 1 - i);
const RATINGS = [5, 6, 7, 8];

/** Films or series with filters kept in the URL (shareable, back button friendly) and infinite scroll. */
export function Catalogue(props: { type: MediaType }) {
  usePageTitle(() => (props.type === 'movie' ? t('nav.films') : t('nav.series')));
  const [params, setParams] = useSearchParams<{
    genre?: string;
    year?: string;
    rating?: string;
    sort?: string;
  }>();
  const [genres] = createResource(
    () => [props.type, locale()] as const,
    ([type]) => catalogApi.genres(type),
  );
  const filters = (): DiscoverFilters => ({
    with_genres: params.genre || undefined,
    year: params.year ? Number(params.year) : undefined,
    'vote_average.gte': params.rating ? Number(params.rating) : undefined,
    sort_by: (params.sort as DiscoverSort | undefined) ?? 'popularity.desc',
  });

  const [items, setItems] = createSignal<CatalogItem[]>([]);
  const [page, setPage] = createSignal(0);
  const [totalPages, setTotalPages] = createSignal(1);
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>(null);
  let generation = 0;

  const loadPage = async (n: number) => {
    const mine = generation;
    setLoading(true);
    setError(null);
    try {
      const answer = await catalogApi.discover(props.type, { ...filters(), page: n });
      if (mine !== generation) return;
      setItems((previous) => (n === 1 ? answer.results : [...previous, ...answer.results]));
      setPage(n);
      setTotalPages(answer.totalPages);
      // Observing again reports the sentinel's current state: if it is still in view, load on.
      if (sentinel) {
        observer.unobserve(sentinel);
        observer.observe(sentinel);
      }
    } catch (e) {
      if (mine === generation) setError(e);
    } finally {
      if (mine === generation) setLoading(false);
    }
  };
  createEffect(
    on([() => props.type, () => JSON.stringify(filters()), locale], () => {
      generation++;
      setItems([]);
      void loadPage(1);
    }),
  );
  const more = () => {
    if (!loading() && !error() && page() < totalPages()) void loadPage(page() + 1);
  };

  let sentinel: HTMLDivElement | undefined;
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) more();
    },
    { rootMargin: '600px' },
  );
  createEffect(() => {
    if (sentinel) observer.observe(sentinel);
  });
  onCleanup(() => observer.disconnect());

  const set = (name: 'genre' | 'year' | 'rating' | 'sort', value: string) =>
    setParams({ [name]: value || undefined });

  return (
    <section class="page catalogue" data-testid={`catalogue-${props.type}`}>
      <h1>{props.type === 'movie' ? t('nav.films') : t('nav.series')}</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>{t('catalog.genre')}</span>
          <select
            value={params.genre ?? ''}
            onChange={(e) => set('genre', e.currentTarget.value)}
            data-testid="filter-genre"
          >
            <option value="">{t('catalog.allGenres')}</option>
            <For each={genres.state === 'ready' ? genres().genres : []}>
              {(genre) => <option value={String(genre.id)}>{genre.name}</option>}
            </For>
          </select>
        </label>
        <label>
          <span>{t('catalog.year')}</span>
          <select
            value={params.year ?? ''}
            onChange={(e) => set('year', e.currentTarget.value)}
            data-testid="filter-year"
          >
            <option value="">{t('catalog.anyYear')}</option>
            <For each={YEARS}>{(year) => <option value={String(year)}>{year}</option>}</For>
          </select>
        </label>
        <label>
          <span>{t('catalog.minRating')}</span>
          <select
            value={params.rating ?? ''}
            onChange={(e) => set('rating', e.currentTarget.value)}
            data-testid="filter-rating"
          >
            <option value="">{t('catalog.anyRating')}</option>
            <For each={RATINGS}>{(r) => <option value={String(r)}>{`${r}+`}</option>}</For>
          </select>
        </label>
        <label>
          <span>{t('catalog.sort')}</span>
          <select
            value={params.sort ?? 'popularity.desc'}
            onChange={(e) => set('sort', e.currentTarget.value)}
            data-testid="filter-sort"
          >
            <For each={SORTS[props.type]}>{([value, key]) => <option value={value}>{t(key)}</option>}</For>
          </select>
        </label>
      </form>
      <div class="media-grid" data-testid="catalogue-grid">
        <For each={items()}>{(item) => <MediaCard item={item} />}</For>
        <Show when={loading()}>
          <SkeletonCards count={12} />
        </Show>
      </div>
      <Show when={error()}>
        <LoadError error={error()} retry={() => void loadPage(page() + 1)} />
      </Show>
      <Show when={!loading() && !error() && items().length === 0}>
        <p class="muted">{t('catalog.empty')}</p>
      </Show>
      <Show when={!loading() && !error() && page() < totalPages()}>
        <button type="button" class="load-more" onClick={more}>
          {t('catalog.loadMore')}
        </button>
      </Show>
      <div ref={sentinel} class="sentinel" aria-hidden="true" />
    </section>
  );
}

export const Films = () => <Catalogue type="movie" />;
export const Series = () => <Catalogue type="tv" />;
