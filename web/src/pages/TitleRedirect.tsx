import { Navigate, useParams } from '@solidjs/router';
import { createResource, Show } from 'solid-js';
import { mediaApi } from '../api/downloads.js';
import { LoadError } from '../components/Loader.js';
import { t } from '../i18n.js';

/**
 * `/title/:mediaId`: a title known by its Sokoul id (a download's, a toast's link) opens its film
 * or series page; an episode opens its series on its season.
 */
export default function TitleRedirect() {
  const params = useParams<{ mediaId: string }>();
  const [target, { refetch }] = createResource(
    () => params.mediaId,
    async (id) => {
      const media = await mediaApi.get(id);
      if (media.type === 'episode' && media.parentId) {
        const series = await mediaApi.get(media.parentId);
        if (series.tmdbId === null) return '/downloads';
        return `/tv/${series.tmdbId}${media.seasonNumber !== null ? `?season=${media.seasonNumber}` : ''}`;
      }
      if (media.tmdbId === null) return '/downloads';
      return `/${media.type === 'movie' ? 'movie' : 'tv'}/${media.tmdbId}`;
    },
  );
  return (
    <Show
      when={target()}
      fallback={
        <Show when={target.error} fallback={<p class="muted page">{t('app.loading')}</p>}>
          <LoadError error={target.error} retry={refetch} />
        </Show>
      }
    >
      {(href) => <Navigate href={href()} />}
    </Show>
  );
}
