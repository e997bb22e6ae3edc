import type { ContinueItem } from '@sokoul/contracts';
import { createResource, For, Show } from 'solid-js';
import { libraryApi } from '../api/library.js';
import { t } from '../i18n.js';
import { watchHref } from '../player/playback.js';
import { Loader } from './Loader.js';
import { itemOfMedia, MediaCard } from './MediaCard.js';
import { Strip } from './MediaRow.js';
import { SkeletonCards } from './Skeleton.js';

export const episodeLabel = (season: number | null, episode: number | null) =>
  t('library.episodeShort', { s: String(season ?? 0), e: String(episode ?? 0) });

function subtitle(entry: ContinueItem): string {
  const media = entry.media;
  const where = media.type === 'episode' ? `${episodeLabel(media.seasonNumber, media.episodeNumber)} · ` : '';
  return `${where}${entry.reason === 'next' ? t('library.next') : t('library.resume')}`;
}

/** The player, at this film or episode (it offers to resume); null for titles without TMDB ids. */
function playerHref(entry: ContinueItem): string | null {
  const { media, series } = entry;
  if (media.type === 'movie') return media.tmdbId === null ? null : watchHref('movie', media.tmdbId);
  if (
    media.type !== 'episode' ||
    !series?.tmdbId ||
    media.seasonNumber === null ||
    media.episodeNumber === null
  )
    return null;
  return watchHref('tv', series.tmdbId, { season: media.seasonNumber, episode: media.episodeNumber });
}

/** The home page's "continue watching": what the user is in the middle of, and next episodes. */
export function ContinueRow() {
  const [items, { refetch }] = createResource(async () => (await libraryApi.continueWatching()).items);
  const empty = (
    <section class="media-row" aria-label={t('catalog.continue')} data-testid="row-continue">
      <h2>{t('catalog.continue')}</h2>
      <p class="muted">{t('catalog.continueSoon')}</p>
    </section>
  );
  return (
    <Loader
      resource={items}
      retry={refetch}
      loading={
        <Strip title={t('catalog.continue')} testId="row-continue">
          <SkeletonCards count={4} />
        </Strip>
      }
    >
      {(list) => (
        <Show when={list.length > 0} fallback={empty}>
          <Strip title={t('catalog.continue')} testId="row-continue">
            <For each={list}>
              {(entry) => {
                const { item, href } = itemOfMedia(entry.media, entry.series);
                const playing = playerHref(entry) ?? href;
                const share = entry.progress
                  ? entry.progress.positionSeconds / entry.progress.durationSeconds
                  : 0;
                return <MediaCard item={item} href={playing} subtitle={subtitle(entry)} progress={share} />;
              }}
            </For>
          </Strip>
        </Show>
      )}
    </Loader>
  );
}
