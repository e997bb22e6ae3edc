import type { MediaType } from '@sokoul/contracts';
import { createSignal } from 'solid-js';
import { libraryApi } from '../api/library.js';
import { notifyFailure } from './notices.js';

export type ToggleList = 'favorites' | 'watchlist';
export interface TitleRef {
  tmdbId: number;
  type: MediaType;
}

const keyOf = (ref: TitleRef) => `${ref.type}:${ref.tmdbId}`;

/**
 * Which titles are in the user's favorites and watchlist, for the buttons on every card and page.
 * Loaded once per session; changes show at once and are rolled back, with a message, if the server
 * refuses them.
 */
const [members, setMembers] = createSignal<Record<ToggleList, Map<string, string>>>({
  favorites: new Map(),
  watchlist: new Map(),
});
let loading: Promise<void> | null = null;

async function loadList(list: ToggleList): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await libraryApi.list(list, { cursor }, 100);
    for (const { media } of page.items) {
      if (media.tmdbId !== null && media.type !== 'episode')
        found.set(`${media.type}:${media.tmdbId}`, media.id);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

function update(list: ToggleList, change: (map: Map<string, string>) => void): void {
  const next = { ...members() };
  next[list] = new Map(next[list]);
  change(next[list]);
  setMembers(next);
}

export const library = {
  /** Loads the lists (once); the buttons read them reactively. */
  ensureLoaded(): Promise<void> {
    loading ??= (async () => {
      const [favorites, watchlist] = await Promise.all([loadList('favorites'), loadList('watchlist')]);
      setMembers({ favorites, watchlist });
    })().catch(() => {
      loading = null;
    });
    return loading;
  },
  reset(): void {
    loading = null;
    setMembers({ favorites: new Map(), watchlist: new Map() });
  },
  /** A title removed elsewhere (the library page): its buttons follow. */
  dropped(list: ToggleList, mediaId: string): void {
    update(list, (map) => {
      for (const [key, id] of map) if (id === mediaId) map.delete(key);
    });
  },
  /** Records a film or an episode as watched to the end; false (with a message) when refused. */
  async markWatched(
    ref: TitleRef & { seasonNumber?: number; episodeNumber?: number },
    runtimeMinutes: number | null,
  ): Promise<boolean> {
    const seconds = Math.max(1, (runtimeMinutes ?? 0) * 60);
    try {
      await libraryApi.record({ ...ref, positionSeconds: seconds, durationSeconds: seconds });
      return true;
    } catch (error) {
      notifyFailure(error);
      return false;
    }
  },
  has: (list: ToggleList, ref: TitleRef) => members()[list].has(keyOf(ref)),
  async toggle(list: ToggleList, ref: TitleRef): Promise<void> {
    const key = keyOf(ref);
    const mediaId = members()[list].get(key);
    const adding = !members()[list].has(key);
    update(list, (map) => (adding ? map.set(key, '') : map.delete(key)));
    try {
      if (adding) {
        const entry = await libraryApi.add(list, { tmdbId: ref.tmdbId, type: ref.type });
        update(list, (map) => map.set(key, entry.media.id));
      } else if (mediaId) {
        await libraryApi.remove(list, mediaId);
      }
    } catch (error) {
      update(list, (map) => (adding ? map.delete(key) : map.set(key, mediaId ?? '')));
      notifyFailure(error);
    }
  },
};
