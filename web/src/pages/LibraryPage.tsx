import type { HistoryEntry, ListEntry, ListSort, MediaType } from '@sokoul/contracts';
import { useSearchParams } from '@solidjs/router';
import { createEffect, createSignal, For, on, Show } from 'solid-js';
import { type ListFilters, libraryApi } from '../api/library.js';
import { episodeLabel } from '../components/ContinueRow.js';
import { LoadError } from '../components/Loader.js';
import { itemOfMedia, MediaCard } from '../components/MediaCard.js';
import { SkeletonCards } from '../components/Skeleton.js';
import { formatDate, type MessageKey, t } from '../i18n.js';
import { library } from '../stores/library.js';
import { notifyFailure } from '../stores/notices.js';
import { usePageTitle } from '../title.js';

type Tab = 'favorites' | 'watchlist' | 'history';
const TABS: [Tab, MessageKey][] = [
  ['favorites', 'library.favorites'],
  ['watchlist', 'library.watchlist'],
  ['history', 'library.history'],
];
const SORTS: [ListSort, MessageKey][] = [
  ['added', 'library.sort.added'],
  ['title', 'catalog.sort.title'],
  ['year', 'catalog.year'],
];

/** The spec's three tabs: favorites, watchlist and history; the tab and filters live in the URL. */
export default function LibraryPage() {
  const [params, setParams] = useSearchParams<{ tab?: string; sort?: string; type?: string; q?: string }>();
  const tab = (): Tab => TABS.find(([v]) => v === params.tab)?.[0] ?? 'favorites';
  const filters = (): ListFilters => ({
    sort: (SORTS.find(([v]) => v === params.sort)?.[0] ?? 'added') as ListSort,
    type: params.type === 'movie' || params.type === 'tv' ? (params.type as MediaType) : undefined,
    q: params.q || undefined,
  });
  const [text, setText] = createSignal(params.q ?? '');
  usePageTitle(() => t('nav.library'));

  const [entries, setEntries] = createSignal<ListEntry[]>([]);
  const [history, setHistory] = createSignal<HistoryEntry[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>(null);
  let generation = 0;

  const load = async (more: boolean) => {
    const mine = more ? generation : ++generation;
    setLoading(true);
    setError(null);
    try {
      const current = tab();
      if (current === 'history') {
        const page = await libraryApi.history(more ? (cursor() ?? undefined) : undefined);
        if (mine !== generation) return;
        setHistory(more ? [...history(), ...page.items] : page.items);
        setCursor(page.nextCursor);
      } else {
        const page = await libraryApi.list(current, {
          ...filters(),
          cursor: more ? (cursor() ?? undefined) : undefined,
        });
        if (mine !== generation) return;
        setEntries(more ? [...entries(), ...page.items] : page.items);
        setCursor(page.nextCursor);
      }
    } catch (e) {
      if (mine === generation) setError(e);
    } finally {
      if (mine === generation) setLoading(false);
    }
  };
  createEffect(on([tab, () => JSON.stringify(filters())], () => void load(false)));

  const remove = async (entry: ListEntry) => {
    const current = tab();
    if (current === 'history') return;
    const before = entries();
    setEntries(before.filter((e) => e.media.id !== entry.media.id));
    try {
      await libraryApi.remove(current, entry.media.id);
      library.dropped(current, entry.media.id);
    } catch (e) {
      setEntries(before);
      notifyFailure(e);
    }
  };
  const forget = async (entry: HistoryEntry) => {
    const before = history();
    setHistory(before.filter((e) => e.media.id !== entry.media.id));
    try {
      await libraryApi.forget(entry.media.id);
    } catch (e) {
      setHistory(before);
      notifyFailure(e);
    }
  };

  return (
    <section class="page library-page">
      <h1>{t('nav.library')}</h1>
      <div class="tabs" role="tablist">
        <For each={TABS}>
          {([value, key]) => (
            <button
              type="button"
              role="tab"
              aria-selected={tab() === value}
              onClick={() => setParams({ tab: value })}
              data-testid={`library-tab-${value}`}
            >
              {t(key)}
            </button>
          )}
        </For>
      </div>
      <Show when={tab() !== 'history'}>
        <form
          class="filters"
          onSubmit={(event) => {
            event.preventDefault();
            setParams({ q: text().trim() || undefined });
          }}
        >
          <label>
            <span>{t('catalog.sort')}</span>
            <select
              value={filters().sort}
              onChange={(e) => setParams({ sort: e.currentTarget.value })}
              data-testid="library-sort"
            >
              <For each={SORTS}>{([value, key]) => <option value={value}>{t(key)}</option>}</For>
            </select>
          </label>
          <label>
            <span>{t('library.type')}</span>
            <select
              value={params.type ?? ''}
              onChange={(e) => setParams({ type: e.currentTarget.value || undefined })}
            >
              <option value="">{t('search.all')}</option>
              <option value="movie">{t('nav.films')}</option>
              <option value="tv">{t('nav.series')}</option>
            </select>
          </label>
          <label>
            <span>{t('library.filter')}</span>
            <input
              type="search"
              value={text()}
              onInput={(e) => setText(e.currentTarget.value)}
              data-testid="library-filter"
            />
          </label>
        </form>
      </Show>

      <Show when={tab() === 'history'}>
        <ol class="history" data-testid="history">
          <For each={history()}>
            {(entry) => {
              const { item, href } = itemOfMedia(entry.media, entry.series);
              return (
                <li class="history-entry">
                  <MediaCard
                    item={item}
                    href={href}
                    progress={entry.progress.positionSeconds / entry.progress.durationSeconds}
                    subtitle={[
                      entry.media.type === 'episode'
                        ? `${episodeLabel(entry.media.seasonNumber, entry.media.episodeNumber)} ${entry.media.title}`
                        : null,
                      entry.progress.completed ? `✓ ${t('library.watched')}` : null,
                      formatDate(entry.progress.updatedAt),
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  >
                    <button
                      type="button"
                      class="remove"
                      onClick={() => void forget(entry)}
                      data-testid="history-remove"
                    >
                      {t('library.remove')}
                    </button>
                  </MediaCard>
                </li>
              );
            }}
          </For>
        </ol>
      </Show>
      <Show when={tab() !== 'history'}>
        <div class="media-grid" data-testid="library-grid">
          <For each={entries()}>
            {(entry) => {
              const { item, href } = itemOfMedia(entry.media);
              return (
                <MediaCard item={item} href={href}>
                  <button
                    type="button"
                    class="remove"
                    onClick={() => void remove(entry)}
                    data-testid="library-remove"
                  >
                    {t('library.remove')}
                  </button>
                </MediaCard>
              );
            }}
          </For>
        </div>
      </Show>
      <Show when={loading()}>
        <div class="media-grid">
          <SkeletonCards count={6} />
        </div>
      </Show>
      <Show when={error()}>
        <LoadError error={error()} retry={() => void load(false)} />
      </Show>
      <Show
        when={
          !loading() && !error() && (tab() === 'history' ? history().length === 0 : entries().length === 0)
        }
      >
        <p class="muted" data-testid="library-empty">
          {tab() === 'history' ? t('library.emptyHistory') : t('library.emptyList')}
        </p>
      </Show>
      <Show when={!loading() && cursor()}>
        <button type="button" class="load-more" onClick={() => void load(true)}>
          {t('catalog.loadMore')}
        </button>
      </Show>
    </section>
  );
}
