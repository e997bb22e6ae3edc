import { useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, Show } from 'solid-js';
import { catalogApi } from '../../api/catalog.js';
import { Loader } from '../../components/Loader.js';
import { MediaCard } from '../../components/MediaCard.js';
import { SkeletonCards } from '../../components/Skeleton.js';
import { locale, type MessageKey, t } from '../../i18n.js';
import { usePageTitle } from '../../title.js';

const TYPES: ['multi' | 'movie' | 'tv' | 'person', MessageKey][] = [
  ['multi', 'search.all'],
  ['movie', 'nav.films'],
  ['tv', 'nav.series'],
  ['person', 'catalog.person'],
];
type SearchType = (typeof TYPES)[number][0];

export default function SearchPage() {
  const [params, setParams] = useSearchParams<{ q?: string; type?: string; page?: string }>();
  const [text, setText] = createSignal(params.q ?? '');
  usePageTitle(() => (params.q ? `${params.q} · ${t('nav.search')}` : t('nav.search')));
  const type = (): SearchType => TYPES.find(([v]) => v === params.type)?.[0] ?? 'multi';
  const page = () => Math.max(1, Number(params.page ?? 1) || 1);
  const [results, { refetch }] = createResource(
    () =>
      params.q && params.q.trim().length >= 1 ? ([params.q.trim(), type(), page(), locale()] as const) : null,
    ([q, kind, n]) => catalogApi.search(q, kind, n),
  );
  return (
    <section class="page search-page">
      <h1>{t('nav.search')}</h1>
      <form
        class="search-form"
        onSubmit={(event) => {
          event.preventDefault();
          setParams({ q: text().trim() || undefined, page: undefined });
        }}
      >
        <input
          type="search"
          aria-label={t('nav.search')}
          placeholder={t('search.placeholder')}
          value={text()}
          onInput={(e) => setText(e.currentTarget.value)}
          data-testid="search-page-input"
        />
        <button type="submit" class="primary">
          {t('nav.search')}
        </button>
      </form>
      <p class="muted">{t('search.hint')}</p>
      <div class="tabs" role="tablist">
        <For each={TYPES}>
          {([value, key]) => (
            <button
              type="button"
              role="tab"
              aria-selected={type() === value}
              onClick={() => setParams({ type: value === 'multi' ? undefined : value, page: undefined })}
            >
              {t(key)}
            </button>
          )}
        </For>
      </div>
      <Show when={params.q}>
        <Loader
          resource={results}
          retry={refetch}
          loading={
            <div class="media-grid">
              <SkeletonCards />
            </div>
          }
        >
          {(answer) => (
            <Show
              when={answer.results.length > 0}
              fallback={<p class="muted">{t('search.noResults', { q: params.q ?? '' })}</p>}
            >
              <div class="media-grid" data-testid="search-grid">
                <For each={answer.results}>{(item) => <MediaCard item={item} />}</For>
              </div>
              <nav class="pager" aria-label={t('catalog.pagination')}>
                <button
                  type="button"
                  disabled={page() <= 1}
                  onClick={() => setParams({ page: String(page() - 1) })}
                >
                  {t('catalog.previous')}
                </button>
                <span>
                  {answer.page} / {answer.totalPages}
                </span>
                <button
                  type="button"
                  disabled={page() >= answer.totalPages}
                  onClick={() => setParams({ page: String(page() + 1) })}
                >
                  {t('catalog.next')}
                </button>
              </nav>
            </Show>
          )}
        </Loader>
      </Show>
    </section>
  );
}
