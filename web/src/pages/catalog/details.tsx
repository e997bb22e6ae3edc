import type {
  CastMember,
  LibraryStatus,
  MovieDetails,
  TitleProviders,
  TvDetails,
  Video,
} from '@sokoul/contracts';
import { A } from '@solidjs/router';
import { createSignal, For, type JSX, Show } from 'solid-js';
import { ListButtons } from '../../components/ListButtons.js';
import { MediaCard } from '../../components/MediaCard.js';
import { Strip } from '../../components/MediaRow.js';
import { Picture } from '../../components/Picture.js';
import { ProgressBar } from '../../components/ProgressBar.js';
import { Skeleton } from '../../components/Skeleton.js';
import { VideoPlayer } from '../../components/VideoPlayer.js';
import { type MessageKey, t } from '../../i18n.js';
import { library } from '../../stores/library.js';

/** The top of a film or series page: backdrop, poster, facts, overview and the trailer button. */
export function DetailHeader(props: {
  details: MovieDetails | TvDetails;
  facts: (string | null)[];
  children?: JSX.Element;
}) {
  const [playing, setPlaying] = createSignal<Video | null>(null);
  const trailer = () => props.details.videos.find((v) => v.site === 'YouTube');
  return (
    <header class="detail-header">
      <Picture image={props.details.backdrop} sizes="100vw" alt="" class="detail-backdrop" eager />
      <div class="detail-main">
        <Picture
          image={props.details.poster}
          sizes="(max-width: 600px) 35vw, 300px"
          alt={props.details.title}
          class="detail-poster"
          eager
        />
        <div class="detail-text">
          <h1 data-testid="detail-title">{props.details.title}</h1>
          <Show when={props.details.originalTitle}>
            <p class="muted">{props.details.originalTitle}</p>
          </Show>
          <p class="facts">{props.facts.filter(Boolean).join(' · ')}</p>
          <p class="genres">
            <For each={props.details.genres}>{(g) => <span class="chip">{g.name}</span>}</For>
          </p>
          <Show when={props.details.tagline}>
            <p class="tagline">{props.details.tagline}</p>
          </Show>
          <h2 class="visually-hidden">{t('catalog.overview')}</h2>
          <p class="overview">{props.details.overview || t('catalog.noOverview')}</p>
          {props.children}
          <Show when={trailer()}>
            {(video) => (
              <button
                type="button"
                class="primary"
                onClick={() => setPlaying(video())}
                data-testid="play-trailer"
              >
                ▶ {t('catalog.playTrailer')}
              </button>
            )}
          </Show>
        </div>
      </div>
      <Show when={playing()}>
        {(video) => <VideoPlayer video={video()} onClose={() => setPlaying(null)} />}
      </Show>
    </header>
  );
}

/** The user's side of a title: list buttons, how far they are, and "mark as watched" for films. */
export function TitleActions(props: {
  tmdbId: number;
  type: 'movie' | 'tv';
  status: LibraryStatus | undefined;
  runtimeMinutes: number | null;
  onChange: () => void;
}) {
  const progress = () => props.status?.progress ?? null;
  const markWatched = async () => {
    if (await library.markWatched({ tmdbId: props.tmdbId, type: 'movie' }, props.runtimeMinutes))
      props.onChange();
  };
  return (
    <div class="title-actions" data-testid="title-actions">
      <ListButtons item={{ tmdbId: props.tmdbId, type: props.type }} />
      <Show when={props.type === 'movie'}>
        <Show
          when={progress()?.completed}
          fallback={
            <button type="button" onClick={() => void markWatched()} data-testid="mark-watched">
              {t('library.markWatched')}
            </button>
          }
        >
          <span class="badge done" data-testid="watched">
            ✓ {t('library.watched')}
          </span>
        </Show>
        <Show when={progress() && !progress()?.completed ? progress() : null}>
          {(p) => <ProgressBar share={p().positionSeconds / p().durationSeconds} wide />}
        </Show>
      </Show>
    </div>
  );
}

export function CastRow(props: { cast: CastMember[] }) {
  return (
    <Show when={props.cast.length > 0}>
      <Strip title={t('catalog.cast')} testId="cast">
        <For each={props.cast}>
          {(person) => (
            <A href={`/person/${person.id}`} class="media-card person-card" data-testid="cast-member">
              <Picture
                image={person.profile}
                sizes="(max-width: 600px) 30vw, 185px"
                alt={person.name}
                class="poster"
              />
              <span class="card-title">{person.name}</span>
              <span class="card-meta muted">{person.character}</span>
            </A>
          )}
        </For>
      </Strip>
    </Show>
  );
}

export function VideosRow(props: { videos: Video[] }) {
  const [playing, setPlaying] = createSignal<Video | null>(null);
  const playable = () => props.videos.filter((v) => v.site === 'YouTube');
  return (
    <Show when={playable().length > 1}>
      <section class="videos" aria-label={t('catalog.videos')}>
        <h2>{t('catalog.videos')}</h2>
        <ul class="video-list">
          <For each={playable()}>
            {(video) => (
              <li>
                <button type="button" onClick={() => setPlaying(video)}>
                  ▶ {video.name} <span class="muted">({video.type})</span>
                </button>
              </li>
            )}
          </For>
        </ul>
        <Show when={playing()}>
          {(video) => <VideoPlayer video={video()} onClose={() => setPlaying(null)} />}
        </Show>
      </section>
    </Show>
  );
}

const OFFERS: ['flatrate' | 'free' | 'rent' | 'buy', MessageKey][] = [
  ['flatrate', 'catalog.flatrate'],
  ['free', 'catalog.free'],
  ['rent', 'catalog.rent'],
  ['buy', 'catalog.buy'],
];

export function Providers(props: { providers: TitleProviders | null }) {
  const any = () => OFFERS.some(([kind]) => (props.providers?.[kind].length ?? 0) > 0);
  return (
    <section class="providers" aria-label={t('catalog.providers')} data-testid="providers">
      <h2>{t('catalog.providers')}</h2>
      <Show when={any()} fallback={<p class="muted">{t('catalog.noProviders')}</p>}>
        <For each={OFFERS.filter(([kind]) => (props.providers?.[kind].length ?? 0) > 0)}>
          {([kind, label]) => (
            <div class="offer">
              <span class="muted">{t(label)}</span>
              <For each={props.providers?.[kind]}>
                {(p) => (
                  <span class="provider" title={p.name}>
                    <Picture image={p.logo} sizes="32px" alt={p.name} class="provider-logo" />
                    {p.name}
                  </span>
                )}
              </For>
            </div>
          )}
        </For>
      </Show>
    </section>
  );
}

export function SimilarRow(props: { details: MovieDetails | TvDetails }) {
  return (
    <Show when={props.details.similar.length > 0}>
      <Strip title={t('catalog.similar')} testId="similar">
        <For each={props.details.similar}>{(item) => <MediaCard item={item} />}</For>
      </Strip>
    </Show>
  );
}

export function DetailSkeleton() {
  return (
    <div class="page" aria-busy="true">
      <Skeleton class="hero" />
      <Skeleton class="line wide" />
      <Skeleton class="line" />
    </div>
  );
}

export const tmdbIdOf = (value: string | undefined) => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : null;
};
