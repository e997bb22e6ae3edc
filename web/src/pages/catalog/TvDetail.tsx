import type { Episode } from '@sokoul/contracts';
import { A, useParams, useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, Show } from 'solid-js';
import { catalogApi } from '../../api/catalog.js';
import { libraryApi } from '../../api/library.js';
import { LoadError, Loader } from '../../components/Loader.js';
import { Picture } from '../../components/Picture.js';
import { ProgressBar } from '../../components/ProgressBar.js';
import { ReleaseSearch } from '../../components/ReleaseSearch.js';
import { Skeleton } from '../../components/Skeleton.js';
import { TitleDownloads } from '../../components/TitleDownloads.js';
import { formatDay, formatRating, locale, t, tn } from '../../i18n.js';
import { watchHref } from '../../player/playback.js';
import { library } from '../../stores/library.js';
import { usePageTitle } from '../../title.js';
import {
  CastRow,
  DetailHeader,
  DetailSkeleton,
  Providers,
  SimilarRow,
  TitleActions,
  tmdbIdOf,
  VideosRow,
} from './details.js';

export default function TvDetail() {
  const params = useParams<{ tmdbId: string }>();
  // The season lives in the URL: links open it, and the back button returns to the previous one.
  const [search, setSearch] = useSearchParams<{ season?: string }>();
  const [pickedEpisode, setPickedEpisode] = createSignal<number | null>(null);
  const id = () => tmdbIdOf(params.tmdbId) ?? 0;
  const [show, { refetch }] = createResource(
    () => [id(), locale()] as const,
    ([tvId]) => catalogApi.tv(tvId),
  );
  const [status, { refetch: refreshStatus }] = createResource(id, (tvId) => libraryApi.status(tvId, 'tv'));
  usePageTitle(() => show.latest?.title ?? t('catalog.serie'));
  const progressOf = (episode: Episode) =>
    status.latest?.episodes.find(
      (e) => e.seasonNumber === episode.seasonNumber && e.episodeNumber === episode.episodeNumber,
    )?.progress;
  const markWatched = async (episode: Episode) => {
    const ref = {
      tmdbId: id(),
      type: 'tv' as const,
      seasonNumber: episode.seasonNumber,
      episodeNumber: episode.episodeNumber,
    };
    if (await library.markWatched(ref, episode.runtime)) void refreshStatus();
  };
  /** The season in the URL, else the first regular one. */
  const seasonNumber = () => {
    const picked = Number(search.season);
    if (search.season !== undefined && Number.isInteger(picked)) return picked;
    const seasons = show.state === 'ready' ? show().seasons : [];
    return seasons.find((s) => s.seasonNumber > 0)?.seasonNumber ?? seasons[0]?.seasonNumber ?? null;
  };
  const [season, season$] = createResource(
    () =>
      show.state === 'ready' && seasonNumber() !== null
        ? ([id(), seasonNumber() ?? 1, locale()] as const)
        : null,
    ([tvId, n]) => catalogApi.season(tvId, n),
  );
  const pickSeason = (n: number) => {
    setSearch({ season: String(n) });
    setPickedEpisode(null);
  };
  /** The tabs pattern: arrows move (and open) the previous or next season, Home and End the first or last. */
  const onTabKey = (event: KeyboardEvent, numbers: number[]) => {
    const at = numbers.indexOf(seasonNumber() ?? numbers[0] ?? 0);
    const target =
      event.key === 'ArrowRight'
        ? numbers[(at + 1) % numbers.length]
        : event.key === 'ArrowLeft'
          ? numbers[(at - 1 + numbers.length) % numbers.length]
          : event.key === 'Home'
            ? numbers[0]
            : event.key === 'End'
              ? numbers[numbers.length - 1]
              : undefined;
    if (target === undefined) return;
    event.preventDefault();
    pickSeason(target);
    document.getElementById(`season-tab-${target}`)?.focus();
  };
  return (
    <Loader resource={show} retry={refetch} loading={<DetailSkeleton />}>
      {(s) => (
        <article class="page detail" data-testid="tv-detail">
          <DetailHeader
            details={s}
            facts={[
              s.year ? String(s.year) : null,
              tn('catalog.episodes', s.numberOfEpisodes),
              s.rating ? `★ ${formatRating(s.rating)}` : null,
              s.createdBy.length
                ? `${t('catalog.createdBy')} ${s.createdBy.map((c) => c.name).join(', ')}`
                : null,
            ]}
          >
            <TitleActions
              tmdbId={s.id}
              type="tv"
              status={status.latest}
              runtimeMinutes={s.episodeRuntime}
              onChange={() => void refreshStatus()}
            />
          </DetailHeader>
          <TitleDownloads tmdbId={s.id} type="tv" />
          <section class="seasons" aria-label={t('catalog.seasons')}>
            <h2>{t('catalog.seasons')}</h2>
            <div
              class="tabs"
              role="tablist"
              aria-label={t('catalog.seasons')}
              onKeyDown={(event) =>
                onTabKey(
                  event,
                  s.seasons.map((x) => x.seasonNumber),
                )
              }
              data-testid="season-tabs"
            >
              <For each={s.seasons}>
                {(item) => (
                  // Roving tabindex: Tab enters the list on the open season; the arrows move within it.
                  <button
                    type="button"
                    role="tab"
                    id={`season-tab-${item.seasonNumber}`}
                    aria-selected={seasonNumber() === item.seasonNumber}
                    aria-controls="season-panel"
                    tabIndex={seasonNumber() === item.seasonNumber ? 0 : -1}
                    onClick={() => pickSeason(item.seasonNumber)}
                    data-testid={`season-tab-${item.seasonNumber}`}
                  >
                    {item.name}
                  </button>
                )}
              </For>
            </div>
            <div
              role="tabpanel"
              id="season-panel"
              aria-labelledby={`season-tab-${seasonNumber()}`}
              data-testid="season-panel"
            >
              <label class="inline episode-pick">
                <span>{t('releases.episode')}</span>
                <select
                  value={pickedEpisode() ?? ''}
                  onChange={(e) =>
                    setPickedEpisode(e.currentTarget.value ? Number(e.currentTarget.value) : null)
                  }
                  data-testid="release-episode"
                >
                  <option value="">{t('releases.wholeSeason')}</option>
                  <For each={season.latest?.episodes ?? []}>
                    {(episode) => (
                      <option value={String(episode.episodeNumber)}>{episode.episodeNumber}</option>
                    )}
                  </For>
                </select>
              </label>
              <Show when={seasonNumber()} keyed>
                {(n) => (
                  <Show when={pickedEpisode() ?? 'season'} keyed>
                    {(picked) => (
                      <ReleaseSearch
                        tmdbId={s.id}
                        type="tv"
                        season={n}
                        episode={typeof picked === 'number' ? picked : undefined}
                      />
                    )}
                  </Show>
                )}
              </Show>
              <Show when={season.state === 'errored'}>
                <LoadError error={season.error} retry={season$.refetch} />
              </Show>
              {/* Reads the latest answer reactively: switching seasons keeps the list until the next one arrives. */}
              <Show when={season.latest} fallback={<Skeleton class="line wide" />}>
                {(current) => (
                  <ol class="episodes" data-testid="episodes" data-season={current().seasonNumber}>
                    <For each={current().episodes}>
                      {(episode) => (
                        <li
                          class="episode"
                          classList={{ watched: progressOf(episode)?.completed === true }}
                          data-testid="episode"
                          data-watched={progressOf(episode)?.completed === true}
                        >
                          <Picture
                            image={episode.still}
                            sizes="(max-width: 600px) 40vw, 185px"
                            alt=""
                            class="still"
                          />
                          <div>
                            <h3>
                              {episode.episodeNumber}. {episode.name}
                            </h3>
                            <p class="muted">
                              {[
                                episode.airDate ? formatDay(episode.airDate) : null,
                                episode.runtime ? t('catalog.runtime', { n: String(episode.runtime) }) : null,
                              ]
                                .filter(Boolean)
                                .join(' · ')}
                            </p>
                            <Show when={episode.overview}>
                              <p>{episode.overview}</p>
                            </Show>
                            <A
                              href={watchHref('tv', s.id, {
                                season: episode.seasonNumber,
                                episode: episode.episodeNumber,
                              })}
                              class="button primary"
                              data-testid="episode-watch"
                            >
                              ▶ {t('watch.play')}
                            </A>
                            <Show
                              when={progressOf(episode)?.completed}
                              fallback={
                                <button
                                  type="button"
                                  onClick={() => void markWatched(episode)}
                                  data-testid="episode-mark-watched"
                                >
                                  {t('library.markWatched')}
                                </button>
                              }
                            >
                              <span class="badge done">✓ {t('library.watched')}</span>
                            </Show>
                            <Show
                              when={
                                progressOf(episode) && !progressOf(episode)?.completed
                                  ? progressOf(episode)
                                  : null
                              }
                            >
                              {(p) => <ProgressBar share={p().positionSeconds / p().durationSeconds} wide />}
                            </Show>
                          </div>
                        </li>
                      )}
                    </For>
                  </ol>
                )}
              </Show>
            </div>
          </section>
          <CastRow cast={s.cast} />
          <VideosRow videos={s.videos} />
          <Providers providers={s.providers} />
          <SimilarRow details={s} />
        </article>
      )}
    </Loader>
  );
}
