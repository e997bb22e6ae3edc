import { useParams } from '@solidjs/router';
import { createResource, For, Show } from 'solid-js';
import { catalogApi } from '../../api/catalog.js';
import { Loader } from '../../components/Loader.js';
import { MediaCard } from '../../components/MediaCard.js';
import { Picture } from '../../components/Picture.js';
import { departmentLabel, formatDay, jobLabel, locale, t } from '../../i18n.js';
import { usePageTitle } from '../../title.js';
import { DetailSkeleton, tmdbIdOf } from './details.js';

export default function PersonPage() {
  const params = useParams<{ id: string }>();
  const [person, { refetch }] = createResource(
    () => [tmdbIdOf(params.id) ?? 0, locale()] as const,
    ([id]) => catalogApi.person(id),
  );
  usePageTitle(() => person.latest?.name ?? t('catalog.person'));
  return (
    <Loader resource={person} retry={refetch} loading={<DetailSkeleton />}>
      {(p) => (
        <article class="page person" data-testid="person-page">
          <header class="detail-main">
            <Picture
              image={p.profile}
              sizes="(max-width: 600px) 35vw, 185px"
              alt={p.name}
              class="detail-poster"
              eager
            />
            <div class="detail-text">
              <h1 data-testid="detail-title">{p.name}</h1>
              <p class="facts muted">
                {[
                  p.knownFor ? departmentLabel(p.knownFor) : null,
                  p.birthday
                    ? `${t('catalog.born', { date: formatDay(p.birthday) })}${p.placeOfBirth ? ` ${t('catalog.bornIn', { place: p.placeOfBirth })}` : ''}`
                    : null,
                  p.deathday ? t('catalog.died', { date: formatDay(p.deathday) }) : null,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </p>
              <h2>{t('catalog.biography')}</h2>
              <p class="overview biography">{p.biography || t('catalog.noBiography')}</p>
            </div>
          </header>
          <section aria-label={t('catalog.filmography')}>
            <h2>{t('catalog.filmography')}</h2>
            <Show when={p.filmography.length > 0} fallback={<p class="muted">{t('catalog.empty')}</p>}>
              <div class="media-grid" data-testid="filmography">
                <For each={p.filmography}>
                  {(entry) => (
                    <MediaCard
                      item={entry}
                      subtitle={[
                        entry.year ?? t('catalog.upcoming'),
                        // A character's name stays as is; a crew job is a TMDB term.
                        entry.department === 'Acting' ? entry.role : jobLabel(entry.role),
                      ]
                        .filter(Boolean)
                        .join(' · ')}
                    />
                  )}
                </For>
              </div>
            </Show>
          </section>
        </article>
      )}
    </Loader>
  );
}
