import type { AudioTrack, SubtitleCandidate, SubtitleQuota, SubtitleTrack } from '@sokoul/contracts';
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import { ApiError } from '../api/client.js';
import { streamingApi } from '../api/streaming.js';
import { formatDate, formatNumber, languageName, type MessageKey, t, tn } from '../i18n.js';
import { audioLabel, subtitleLabel } from '../player/wording.js';
import { messageOf } from './Field.js';

/** How subtitles look, kept on this device (a screen's matter more than an account's). */
export type SubtitleStyle = {
  size: 'small' | 'medium' | 'large' | 'xlarge';
  background: 'none' | 'dark' | 'solid';
};
const SIZES: SubtitleStyle['size'][] = ['small', 'medium', 'large', 'xlarge'];
const BACKGROUNDS: SubtitleStyle['background'][] = ['none', 'dark', 'solid'];
const STYLE_KEY = 'sokoul.subtitleStyle';

export function savedSubtitleStyle(): SubtitleStyle {
  const fallback: SubtitleStyle = { size: 'medium', background: 'dark' };
  try {
    const saved = JSON.parse(localStorage.getItem(STYLE_KEY) ?? 'null') as Partial<SubtitleStyle> | null;
    return {
      size: SIZES.find((s) => s === saved?.size) ?? fallback.size,
      background: BACKGROUNDS.find((b) => b === saved?.background) ?? fallback.background,
    };
  } catch {
    return fallback;
  }
}

export function saveSubtitleStyle(style: SubtitleStyle): void {
  localStorage.setItem(STYLE_KEY, JSON.stringify(style));
}

/** The CSS custom properties `<sokoul-video>` draws cues with. */
export const cueStyle = (style: SubtitleStyle) => ({
  '--cue-size': { small: '75%', medium: '100%', large: '135%', xlarge: '175%' }[style.size],
  '--cue-background': { none: 'transparent', dark: 'rgb(0 0 0 / 60%)', solid: 'rgb(0 0 0)' }[
    style.background
  ],
});

/** Keys pressed in a menu are the menu's: the player's shortcuts (space, arrows) stay out of it. */
const keepKeys = (event: KeyboardEvent) => event.stopPropagation();

export function AudioMenu(props: {
  tracks: AudioTrack[];
  current: number | null;
  onSelect: (index: number) => void;
}) {
  return (
    <section class="player-panel" aria-label={t('watch.audio')} onKeyDown={keepKeys} data-testid="audio-menu">
      <h2>{t('watch.audio')}</h2>
      <ul class="player-choices">
        <For each={props.tracks}>
          {(track, position) => (
            <li>
              <button
                type="button"
                class="player-choice"
                aria-pressed={track.index === props.current}
                onClick={() => props.onSelect(track.index)}
                data-testid="audio-track"
                data-index={track.index}
              >
                {audioLabel(track, position())}
              </button>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}

type Search =
  | { state: 'idle' }
  | { state: 'searching' }
  | { state: 'done'; candidates: SubtitleCandidate[] }
  | { state: 'failed'; error: unknown };

export function SubtitleMenu(props: {
  fileId: string;
  tracks: SubtitleTrack[];
  selected: string | null;
  onSelect: (trackId: string | null) => void;
  onAdded: (track: SubtitleTrack) => void;
  style: SubtitleStyle;
  onStyle: (style: SubtitleStyle) => void;
}) {
  const [search, setSearch] = createSignal<Search>({ state: 'idle' });
  const [quota, setQuota] = createSignal<SubtitleQuota | null>(null);
  const [fetching, setFetching] = createSignal<number | null>(null);
  const [failure, setFailure] = createSignal<unknown>(null);

  const runSearch = async () => {
    setSearch({ state: 'searching' });
    setFailure(null);
    try {
      const result = await streamingApi.searchSubtitles(props.fileId);
      setQuota(result.quota);
      setSearch({ state: 'done', candidates: result.candidates });
    } catch (error) {
      setSearch({ state: 'failed', error });
    }
  };
  const fetchCandidate = async (candidate: SubtitleCandidate) => {
    setFetching(candidate.providerFileId);
    setFailure(null);
    try {
      const track = await streamingApi.downloadSubtitle(props.fileId, candidate.providerFileId);
      props.onAdded(track);
      props.onSelect(track.id);
    } catch (error) {
      setFailure(error);
      // The search answers the quota as OpenSubtitles last told it: when it comes back.
      if (error instanceof ApiError && error.code === 'subtitles_quota')
        void streamingApi
          .searchSubtitles(props.fileId)
          .then((result) => setQuota(result.quota))
          .catch(() => undefined);
    } finally {
      setFetching(null);
    }
  };
  const quotaLine = () => {
    const known = quota();
    if (known?.remaining === null || known?.remaining === undefined) return null;
    const left = t('watch.quotaLeft', { n: formatNumber(known.remaining) });
    return known.remaining === 0 && known.resetAt
      ? `${left}. ${t('watch.quotaReset', { date: formatDate(known.resetAt) })}`
      : left;
  };
  /** A quota error says when the quota comes back, from OpenSubtitles' last answer. */
  const failureText = (error: unknown) => {
    const text = messageOf(error);
    const resetAt = quota()?.resetAt;
    return error instanceof ApiError && error.code === 'subtitles_quota' && resetAt
      ? `${text} ${t('watch.quotaReset', { date: formatDate(resetAt) })}`
      : text;
  };

  return (
    <section
      class="player-panel"
      aria-label={t('watch.subtitles')}
      onKeyDown={keepKeys}
      data-testid="subtitle-menu"
    >
      <h2>{t('watch.subtitles')}</h2>
      <ul class="player-choices">
        <li>
          <button
            type="button"
            class="player-choice"
            aria-pressed={props.selected === null}
            onClick={() => props.onSelect(null)}
            data-testid="subtitle-off"
          >
            {t('watch.subtitlesOff')}
          </button>
        </li>
        <For each={props.tracks}>
          {(track) => (
            <li>
              <button
                type="button"
                class="player-choice"
                aria-pressed={props.selected === track.id}
                disabled={!track.convertible}
                onClick={() => props.onSelect(track.id)}
                data-testid="subtitle-track"
                data-id={track.id}
              >
                {subtitleLabel(track)}
              </button>
            </li>
          )}
        </For>
      </ul>

      <div class="player-style">
        <h3>{t('watch.style')}</h3>
        <label class="inline">
          <span>{t('watch.size')}</span>
          <select
            value={props.style.size}
            onChange={(e) =>
              props.onStyle({ ...props.style, size: e.currentTarget.value as SubtitleStyle['size'] })
            }
            data-testid="subtitle-size"
          >
            <For each={SIZES}>
              {(size) => <option value={size}>{t(`watch.size.${size}` as MessageKey)}</option>}
            </For>
          </select>
        </label>
        <label class="inline">
          <span>{t('watch.background')}</span>
          <select
            value={props.style.background}
            onChange={(e) =>
              props.onStyle({
                ...props.style,
                background: e.currentTarget.value as SubtitleStyle['background'],
              })
            }
            data-testid="subtitle-background"
          >
            <For each={BACKGROUNDS}>
              {(background) => (
                <option value={background}>{t(`watch.background.${background}` as MessageKey)}</option>
              )}
            </For>
          </select>
        </label>
      </div>

      <div class="player-opensubtitles">
        <button
          type="button"
          onClick={() => void runSearch()}
          disabled={search().state === 'searching'}
          data-testid="opensubtitles-search"
        >
          {t('watch.searchOpenSubtitles')}
        </button>
        <Switch>
          <Match when={search().state === 'searching'}>
            <p class="muted" role="status">
              {t('watch.searchingSubtitles')}
            </p>
          </Match>
          <Match
            when={(() => {
              const s = search();
              return s.state === 'failed' ? s : null;
            })()}
          >
            {(failed) => (
              <p class="error" role="alert" data-testid="opensubtitles-error">
                {failureText(failed().error)}
              </p>
            )}
          </Match>
          <Match
            when={(() => {
              const s = search();
              return s.state === 'done' ? s : null;
            })()}
          >
            {(done) => (
              <Show
                when={done().candidates.length > 0}
                fallback={<p class="muted">{t('watch.noCandidates')}</p>}
              >
                <ul class="player-choices" data-testid="opensubtitles-candidates">
                  <For each={done().candidates}>
                    {(candidate) => (
                      <li>
                        <button
                          type="button"
                          class="player-choice"
                          disabled={fetching() !== null}
                          aria-busy={fetching() === candidate.providerFileId}
                          onClick={() => void fetchCandidate(candidate)}
                          data-testid="opensubtitles-candidate"
                          data-id={candidate.providerFileId}
                        >
                          {[
                            languageName(candidate.language),
                            candidate.release,
                            candidate.hashMatch ? t('watch.hashMatch') : null,
                            candidate.stored ? t('watch.stored') : null,
                            candidate.forced ? t('watch.forced') : null,
                            candidate.hearingImpaired ? t('watch.hearingImpaired') : null,
                            tn('watch.downloadCount', candidate.downloadCount),
                          ]
                            .filter(Boolean)
                            .join(' · ')}
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            )}
          </Match>
        </Switch>
        <Show when={failure()}>
          {(error) => (
            <p class="error" role="alert" data-testid="opensubtitles-error">
              {failureText(error())}
            </p>
          )}
        </Show>
        <Show when={quotaLine()}>
          {(line) => (
            <p class="muted" data-testid="opensubtitles-quota">
              {line()}
            </p>
          )}
        </Show>
      </div>
    </section>
  );
}
