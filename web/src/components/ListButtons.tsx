import { onMount, Show } from 'solid-js';
import { t } from '../i18n.js';
import { library, type TitleRef } from '../stores/library.js';

/** Favorite and watchlist toggles; `compact` for the corner of a card. */
export function ListButtons(props: { item: TitleRef; compact?: boolean }) {
  onMount(() => void library.ensureLoaded());
  const favorite = () => library.has('favorites', props.item);
  const listed = () => library.has('watchlist', props.item);
  return (
    <div class="list-buttons" classList={{ compact: props.compact }}>
      <button
        type="button"
        aria-pressed={favorite()}
        aria-label={favorite() ? t('library.removeFavorite') : t('library.addFavorite')}
        title={favorite() ? t('library.removeFavorite') : t('library.addFavorite')}
        onClick={() => void library.toggle('favorites', props.item)}
        data-testid="toggle-favorite"
      >
        {favorite() ? '♥' : '♡'}
        <Show when={!props.compact}> {t('library.favorite')}</Show>
      </button>
      <button
        type="button"
        aria-pressed={listed()}
        aria-label={listed() ? t('library.removeWatchlist') : t('library.addWatchlist')}
        title={listed() ? t('library.removeWatchlist') : t('library.addWatchlist')}
        onClick={() => void library.toggle('watchlist', props.item)}
        data-testid="toggle-watchlist"
      >
        {listed() ? '✓' : '+'}
        <Show when={!props.compact}> {t('library.watchlist')}</Show>
      </button>
    </div>
  );
}
