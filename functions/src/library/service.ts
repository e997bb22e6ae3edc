import type {
  JsonText,
  LibraryStatus,
  ListEntry,
  MediaRef,
  MediaType,
  PersonalList,
  PersonalListName,
  PersonalListQuery,
} from '@sokoul/contracts';
import type { Deps, Principal } from '../context.js';
import { notFound } from '../errors.js';
import { forUser, userDataChanged } from '../infra/user-data.js';
import { get as getMedia, resolveRef } from '../media/service.js';
import { addToList, libraryStatus, listEntries, removeFromList } from './repository.js';

const NAMES: Record<PersonalListName, string> = {
  library: 'library',
  favorites: 'favorites',
  watchlist: 'watchlist',
};

/**
 * A stable key for a validated input in the per-user answer cache: its fields in name order
 * (absent ones left out), so equal inputs share an answer however their query strings were written.
 */
export function inputKey(input: object): string {
  return JSON.stringify(
    Object.entries(input)
      .filter(([, value]) => value !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** Adds a title to one of the caller's lists (idempotent: adding it again changes nothing). */
export async function add(
  deps: Deps,
  principal: Principal,
  input: { list: PersonalListName; ref: MediaRef },
): Promise<{ entry: ListEntry; created: boolean }> {
  const mediaId = await resolveRef(deps, input.ref);
  const { addedAt, created } = await addToList(deps.infra.db, input.list, principal.userId, mediaId);
  if (created) await userDataChanged(deps.infra.cache, principal.userId);
  return { entry: { media: await getMedia(deps, principal, mediaId), addedAt }, created };
}

/** One of the caller's lists, kept per user between writes. */
export const list = (
  deps: Deps,
  principal: Principal,
  input: { list: PersonalListName; query: PersonalListQuery },
): Promise<JsonText<PersonalList>> =>
  forUser(deps.infra.cache, principal.userId, `${input.list}:${inputKey(input.query)}`, () =>
    listEntries(deps.infra.db, deps.config.TMDB_IMAGE_BASE_URL, input.list, principal.userId, input.query),
  );

export async function remove(
  deps: Deps,
  principal: Principal,
  input: { list: PersonalListName; mediaId: string },
): Promise<void> {
  if (!(await removeFromList(deps.infra.db, input.list, principal.userId, input.mediaId))) {
    throw notFound(`This title in your ${NAMES[input.list]}`);
  }
  await userDataChanged(deps.infra.cache, principal.userId);
}

/** A details page's whole state for the caller: lists, progress, files, episodes watched. */
export const status = (
  deps: Deps,
  principal: Principal,
  input: { tmdbId: number; type: MediaType },
): Promise<JsonText<LibraryStatus>> =>
  forUser(deps.infra.cache, principal.userId, `status:${input.type}:${input.tmdbId}`, async () =>
    JSON.stringify(await libraryStatus(deps.infra.db, principal.userId, input.tmdbId, input.type)),
  );
