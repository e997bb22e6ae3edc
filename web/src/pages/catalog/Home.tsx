import { createResource } from 'solid-js';
import { catalogApi } from '../../api/catalog.js';
import { ContinueRow } from '../../components/ContinueRow.js';
import { HeroCarousel } from '../../components/HeroCarousel.js';
import { Loader } from '../../components/Loader.js';
import { MediaRow } from '../../components/MediaRow.js';
import { Skeleton } from '../../components/Skeleton.js';
import { locale, t } from '../../i18n.js';
import { usePageTitle } from '../../title.js';

const HERO_SLIDES = 5;

export default function Home() {
  usePageTitle(() => t('nav.home'));
  const [hero, { refetch }] = createResource(locale, async () =>
    (await catalogApi.trending('all', 'day')).results
      .filter((i) => i.backdrop && i.type !== 'person')
      .slice(0, HERO_SLIDES),
  );
  // Each loader reads the locale, so the rows reload in the new language when it changes.
  const rows = () => {
    locale();
    return {
      films: async () => (await catalogApi.trending('movie')).results,
      series: async () => (await catalogApi.trending('tv')).results,
      topRated: async () => (await catalogApi.discover('movie', { sort_by: 'vote_average.desc' })).results,
    };
  };
  return (
    <div class="page home">
      <h1 class="visually-hidden">{t('nav.home')}</h1>
      <Loader resource={hero} retry={refetch} loading={<Skeleton class="hero" />}>
        {(items) => <HeroCarousel items={items} />}
      </Loader>
      <ContinueRow />
      <MediaRow title={t('catalog.trendingFilms')} load={rows().films} testId="row-trending-films" />
      <MediaRow title={t('catalog.trendingSeries')} load={rows().series} testId="row-trending-series" />
      <MediaRow title={t('catalog.topRated')} load={rows().topRated} testId="row-top-rated" />
    </div>
  );
}
