import { A, useParams } from '@solidjs/router';
import { createResource } from 'solid-js';
import { catalogApi } from '../../api/catalog.js';
import { libraryApi } from '../../api/library.js';
import { Loader } from '../../components/Loader.js';
import { ReleaseSearch } from '../../components/ReleaseSearch.js';
import { TitleDownloads } from '../../components/TitleDownloads.js';
import { formatRating, locale, t } from '../../i18n.js';
import { watchHref } from '../../player/playback.js';
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

export default function MovieDetail() {
  const params = useParams<{ tmdbId: string }>();
  const [movie, { refetch }] = createResource(
    () => [tmdbIdOf(params.tmdbId) ?? 0, locale()] as const,
    ([id]) => catalogApi.movie(id),
  );
  const [status, { refetch: refreshStatus }] = createResource(
    () => tmdbIdOf(params.tmdbId),
    (id) => libraryApi.status(id, 'movie'),
  );
  usePageTitle(() => movie.latest?.title ?? t('catalog.film'));
  return (
    <Loader resource={movie} retry={refetch} loading={<DetailSkeleton />}>
      {(m) => {
        const directors = m.crew.filter((c) => c.job === 'Director').map((c) => c.name);
        return (
          <article class="page detail" data-testid="movie-detail">
            <DetailHeader
              details={m}
              facts={[
                m.year ? String(m.year) : null,
                m.runtime ? t('catalog.runtime', { n: String(m.runtime) }) : null,
                m.rating ? `★ ${formatRating(m.rating)}` : null,
                directors.length ? `${t('catalog.director')} ${directors.join(', ')}` : null,
              ]}
            >
              <A href={watchHref('movie', m.id)} class="button primary watch-button" data-testid="watch">
                ▶ {t('watch.play')}
              </A>
              <TitleActions
                tmdbId={m.id}
                type="movie"
                status={status.latest}
                runtimeMinutes={m.runtime}
                onChange={() => void refreshStatus()}
              />
            </DetailHeader>
            <TitleDownloads tmdbId={m.id} type="movie" />
            <ReleaseSearch tmdbId={m.id} type="movie" />
            <CastRow cast={m.cast} />
            <VideosRow videos={m.videos} />
            <Providers providers={m.providers} />
            <SimilarRow details={m} />
          </article>
        );
      }}
    </Loader>
  );
}
