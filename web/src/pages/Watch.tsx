import type { DirectStreamAnswer } from '@sokoul/contracts';
import { A, useParams, useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, Match, onCleanup, Show, Switch } from 'solid-js';
import { catalogApi } from '../api/catalog.js';
import { streamingApi } from '../api/streaming.js';
import { episodeLabel } from '../components/ContinueRow.js';
import { messageOf } from '../components/Field.js';
import { Player } from '../components/Player.js';
import { locale, t } from '../i18n.js';
import type { WatchTarget } from '../player/playback.js';
import { stepLine, trailLine } from '../player/wording.js';
import { usePageTitle } from '../title.js';
import { tmdbIdOf } from './catalog/details.js';
import NotFound from './NotFound.js';

/**
 * While a search runs or a download starts, the chain is asked again this often: each step is a
 * cheap read, and the first frame waits on the slowest of them (measured by the streaming bench).
 */
const ASK_AGAIN_MS = 500;

/** The route's film or episode, or null when the address names neither. */
function targetOf(type: string | undefined, tmdbId: string | undefined, season?: string, episode?: string) {
  const id = tmdbIdOf(tmdbId);
  if (!id || (type !== 'movie' && type !== 'tv')) return null;
  if (type === 'movie') return { type, tmdbId: id, episode: null } satisfies WatchTarget;
  const s = Number(season);
  const e = Number(episode);
  if (!Number.isInteger(s) || s < 0 || !Number.isInteger(e) || e < 1) return null;
  return { type, tmdbId: id, episode: { season: s, episode: e } } satisfies WatchTarget;
}

/** `/watch/:type/:tmdbId` (`?season=&episode=` for an episode): play it now. */
export default function Watch() {
  const params = useParams<{ type: string; tmdbId: string }>();
  const [search] = useSearchParams<{ season?: string; episode?: string }>();
  // One key per title: the next episode is a new page, not an update of this one.
  const key = () => {
    const target = targetOf(params.type, params.tmdbId, search.season, search.episode);
    return target ? JSON.stringify(target) : null;
  };
  return (
    <Show when={key()} keyed fallback={<NotFound />}>
      {(k) => <WatchTitle target={JSON.parse(k) as WatchTarget} />}
    </Show>
  );
}

function WatchTitle(props: { target: WatchTarget }) {
  const { target } = props;
  const [title] = createResource(
    () => locale(),
    async () =>
      target.type === 'movie'
        ? (await catalogApi.movie(target.tmdbId)).title
        : (await catalogApi.tv(target.tmdbId)).title,
  );
  const fullTitle = () => {
    const name = title.latest;
    if (!name) return null;
    return target.episode ? `${name} · ${episodeLabel(target.episode.season, target.episode.episode)}` : name;
  };
  usePageTitle(() => fullTitle() ?? t('watch.title'));
  const backHref =
    target.type === 'movie'
      ? `/movie/${target.tmdbId}`
      : `/tv/${target.tmdbId}?season=${target.episode?.season}`;

  // "Play this now", asked again while a search or a download start is under way.
  const [answer, setAnswer] = createSignal<DirectStreamAnswer | null>(null);
  const [failure, setFailure] = createSignal<unknown>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gone = false;
  const ask = async () => {
    try {
      const next = await streamingApi.direct(target.type, target.tmdbId, target.episode ?? undefined);
      if (gone) return;
      setAnswer(next);
      if (next.status !== 'ready') timer = setTimeout(() => void ask(), ASK_AGAIN_MS);
    } catch (error) {
      if (!gone) setFailure(error);
    }
  };
  const retry = () => {
    setFailure(null);
    setAnswer(null);
    void ask();
  };
  void ask();
  onCleanup(() => {
    gone = true;
    clearTimeout(timer);
  });

  const ready = () => {
    const known = answer();
    return known?.status === 'ready' ? known : null;
  };

  return (
    <article class="page watch" data-testid="watch">
      <header class="watch-head">
        <h1 data-testid="watch-title">{fullTitle() ?? t('watch.title')}</h1>
        <A href={backHref}>{t('watch.back')}</A>
      </header>
      <Switch
        fallback={
          <p class="watch-wait" role="status" data-testid="watch-step">
            <Show when={answer()} keyed fallback={t('watch.asking')}>
              {(pending) => stepLine(pending)}
            </Show>
          </p>
        }
      >
        <Match when={failure()}>
          {(error) => (
            <div class="load-error" role="alert" data-testid="watch-error">
              <p class="error">{messageOf(error())}</p>
              <button type="button" onClick={retry}>
                {t('common.retry')}
              </button>
            </div>
          )}
        </Match>
        <Match when={ready()} keyed>
          {(playing) => (
            <>
              <p class="muted" data-testid="watch-step">
                {stepLine(playing)}
              </p>
              <Player target={target} mediaId={playing.mediaId} source={playing.source} />
            </>
          )}
        </Match>
      </Switch>
      <Show when={(answer()?.steps.length ?? 0) > 0}>
        <details class="watch-trail">
          <summary>{t('watch.trail')}</summary>
          <ol data-testid="watch-trail">
            <For each={answer()?.steps}>{(report) => <li>{trailLine(report)}</li>}</For>
          </ol>
        </details>
      </Show>
    </article>
  );
}
