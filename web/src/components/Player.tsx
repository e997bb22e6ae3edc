import type {
  FileAvailability,
  LibraryStatus,
  PlaybackDecision,
  PlaybackPreferences,
  StreamSource,
  SubtitleTrack,
} from '@sokoul/contracts';
import { useNavigate } from '@solidjs/router';
import {
  createEffect,
  createResource,
  createSignal,
  For,
  on,
  onCleanup,
  onMount,
  Show,
  untrack,
} from 'solid-js';
import { mediaApi } from '../api/downloads.js';
import { libraryApi } from '../api/library.js';
import { streamingApi } from '../api/streaming.js';
import { formatPercent, locale, t } from '../i18n.js';
import { type MediaControllerElement, setPlayerLanguage } from '../player/media-chrome.js';
import {
  capabilitiesOf,
  type EpisodeRef,
  formatClock,
  nextEpisode,
  playableUntil,
  resumePosition,
  type WatchTarget,
  watchHref,
} from '../player/playback.js';
import { reportProgress } from '../player/progress.js';
import type { PlaySource, SokoulVideo } from '../player/sokoul-video.js';
import { modeLine, subtitleLabel } from '../player/wording.js';
import { episodeLabel } from './ContinueRow.js';
import { messageOf } from './Field.js';
import {
  AudioMenu,
  cueStyle,
  SubtitleMenu,
  type SubtitleStyle,
  savedSubtitleStyle,
  saveSubtitleStyle,
} from './PlayerMenus.js';

const AVAILABILITY_EVERY_MS = 3000;
const NEXT_COUNTDOWN_S = 10;

/** The saved progress of this film or episode, from the title's status. */
function progressOf(status: LibraryStatus | null, target: WatchTarget) {
  if (!status) return null;
  const wanted = target.episode;
  if (!wanted) return status.progress;
  return (
    status.episodes.find((e) => e.seasonNumber === wanted.season && e.episodeNumber === wanted.episode)
      ?.progress ?? null
  );
}

const playSource = (
  decision: PlaybackDecision,
  fallbackDuration: number | null,
  start: number,
): PlaySource => ({
  url: decision.url,
  seek: decision.seek,
  durationSeconds: decision.durationSeconds ?? fallbackDuration,
  start,
});

/**
 * A source that plays: asks how this browser plays it, offers to resume, plays it with
 * media-chrome's controls plus audio, subtitle and style menus, says how much is playable while it
 * downloads, keeps the position, and offers the next episode at the end.
 */
export function Player(props: { target: WatchTarget; mediaId: string; source: StreamSource }) {
  const navigate = useNavigate();
  // The page is keyed on the title and the source: these never change for one player.
  const { target, mediaId, source } = untrack(() => ({ ...props }));
  const fileId = source.fileId;
  let video!: SokoulVideo;
  let controller!: MediaControllerElement;

  const probe = document.createElement('video');
  const capabilities = capabilitiesOf((mime) => probe.canPlayType(mime));

  /** Preferences belong to the film or the series; the resume position to this very title. */
  const [setup] = createResource(async () => {
    const [ownerId, status] = await Promise.all([
      target.type === 'movie'
        ? Promise.resolve(mediaId)
        : mediaApi
            .get(mediaId)
            .then((m) => m.parentId ?? mediaId)
            .catch(() => null),
      libraryApi.status(target.tmdbId, target.type).catch(() => null),
    ]);
    const preferences = ownerId ? await streamingApi.preferences(ownerId).catch(() => null) : null;
    return { ownerId, preferences, resumeAt: resumePosition(progressOf(status, target)) };
  });

  const [audioTrack, setAudioTrack] = createSignal<number | undefined>(undefined);
  const [decision, { refetch: askAgain }] = createResource(
    () => (setup() ? { track: audioTrack() } : null),
    ({ track }) =>
      streamingApi.playback(fileId, { capabilities, ...(track === undefined ? {} : { audioTrack: track }) }),
  );
  const current = () => (decision.state === 'ready' ? decision() : undefined);
  const duration = () => current()?.durationSeconds ?? source.durationSeconds ?? null;

  /** null until the viewer answered "resume at…?" (or there was nothing to resume). */
  const [startAt, setStartAt] = createSignal<number | null>(null);
  const [resumeAsk, setResumeAsk] = createSignal<number | null>(null);
  createEffect(() => {
    const ready = setup();
    if (!ready) return;
    if (ready.resumeAt === null) setStartAt(0);
    else setResumeAsk(ready.resumeAt);
  });
  const answerResume = (start: number) => {
    setResumeAsk(null);
    setStartAt(start);
  };

  // ---- preferences: restored once, saved when the viewer changes them ----
  let saved: PlaybackPreferences | null = null;
  const savePreferences = (change: Partial<PlaybackPreferences>) => {
    const ownerId = setup()?.ownerId;
    const before = saved ?? setup()?.preferences ?? { subtitleLanguage: null, audioLanguage: null };
    const next = { ...before, ...change };
    if (
      !ownerId ||
      (next.subtitleLanguage === before.subtitleLanguage && next.audioLanguage === before.audioLanguage)
    )
      return;
    saved = next;
    streamingApi.setPreferences(ownerId, next).catch(() => undefined);
  };

  // ---- playback: open the decision's URL; a new decision (audio track, expired URL) resumes in place ----
  let opened = false;
  let audioRestored = false;
  createEffect(() => {
    const answer = current();
    const start = startAt();
    if (!answer) return;
    if (!audioRestored) {
      audioRestored = true;
      const wanted = setup()?.preferences?.audioLanguage;
      const match = wanted ? answer.audioTracks.find((a) => a.language === wanted) : undefined;
      if (match && match.index !== answer.audioTrack) {
        setAudioTrack(match.index);
        return;
      }
    }
    if (start === null) return;
    untrack(() => {
      if (!opened) {
        opened = true;
        video.open(playSource(answer, source.durationSeconds, start), true);
        controller.focus({ preventScroll: true });
      } else {
        video.open(playSource(answer, source.durationSeconds, video.currentTime), !video.paused);
      }
    });
  });
  const chooseAudio = (index: number) => {
    setAudioTrack(index);
    const track = current()?.audioTracks.find((a) => a.index === index);
    savePreferences({ audioLanguage: track?.language ?? null });
    setPanel(null);
  };

  // ---- subtitles: the file's tracks as <track>, one shown at a time ----
  const [listed] = createResource(() => streamingApi.subtitles(fileId).catch(() => null));
  const [added, setAdded] = createSignal<SubtitleTrack[]>([]);
  const tracks = () => {
    const all = [...(listed()?.tracks ?? []), ...added()];
    return all.filter((track, i) => all.findIndex((other) => other.id === track.id) === i);
  };
  const [selected, setSelected] = createSignal<string | null>(null);
  const elementId = (trackId: string) => `sub-${trackId}`;
  const applySubtitles = () => {
    const wanted = selected();
    const list = video.textTracks;
    for (let i = 0; i < list.length; i++) {
      const track = list[i];
      if (track && (track.kind === 'subtitles' || track.kind === 'captions'))
        track.mode = wanted !== null && track.id === elementId(wanted) ? 'showing' : 'disabled';
    }
  };
  createEffect(on(selected, () => applySubtitles(), { defer: true }));
  const chooseSubtitle = (trackId: string | null) => {
    setSelected(trackId);
    const track = trackId ? tracks().find((s) => s.id === trackId) : null;
    savePreferences({ subtitleLanguage: track?.language ?? null });
  };
  let subtitlesRestored = false;
  createEffect(() => {
    const ready = setup();
    const list = listed();
    if (subtitlesRestored || !ready || listed.loading) return;
    subtitlesRestored = true;
    const wanted = ready.preferences?.subtitleLanguage;
    const match = wanted ? list?.tracks.find((s) => s.convertible && s.language === wanted) : undefined;
    if (match) setSelected(match.id);
  });

  const [style, setStyle] = createSignal<SubtitleStyle>(savedSubtitleStyle());
  const changeStyle = (next: SubtitleStyle) => {
    setStyle(next);
    saveSubtitleStyle(next);
  };

  // ---- while downloading: how far playback can go ----
  const [availability, setAvailability] = createSignal<FileAvailability | null>(null);
  const [position, setPosition] = createSignal(0);
  if (source.state === 'downloading') {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = async () => {
      const answer = await streamingApi.availability(fileId).catch(() => null);
      if (stopped) return;
      if (answer) setAvailability(answer);
      if (!answer?.complete) timer = setTimeout(() => void poll(), AVAILABILITY_EVERY_MS);
    };
    void poll();
    onCleanup(() => {
      stopped = true;
      clearTimeout(timer);
    });
  }
  const downloaded = () => {
    const known = availability();
    if (!known || known.sizeBytes <= 0) return source.progress;
    return known.ranges.reduce((sum, [first, last]) => sum + last - first + 1, 0) / known.sizeBytes;
  };
  const playable = () => {
    const known = availability();
    const length = duration();
    if (!known || known.complete || !length) return undefined;
    return playableUntil(known, length, position());
  };

  // ---- the end: the next episode, after a countdown ----
  const [next, setNext] = createSignal<{ ref: EpisodeRef; title: string; seconds: number } | null>(null);
  let countdown: ReturnType<typeof setInterval> | undefined;
  const cancelNext = () => {
    clearInterval(countdown);
    setNext(null);
  };
  const playNext = () => {
    const upcoming = next();
    cancelNext();
    if (upcoming) navigate(watchHref('tv', target.tmdbId, upcoming.ref));
  };
  const offerNext = async () => {
    const ownerId = setup()?.ownerId;
    if (target.type !== 'tv' || !target.episode || !ownerId) return;
    const list = await streamingApi.episodes(ownerId).catch(() => null);
    const upcoming = list ? nextEpisode(list, target.episode) : null;
    if (!upcoming) return;
    setNext({ ref: upcoming, title: upcoming.title, seconds: NEXT_COUNTDOWN_S });
    countdown = setInterval(() => {
      const shown = next();
      if (!shown) return;
      if (shown.seconds <= 1) playNext();
      else setNext({ ...shown, seconds: shown.seconds - 1 });
    }, 1000);
  };
  onCleanup(() => clearInterval(countdown));

  // ---- failures: an expired URL is signed again; anything else is said ----
  const [failed, setFailed] = createSignal(false);
  const onError = () => {
    const answer = current();
    if (answer && Date.parse(answer.expiresAt) <= Date.now()) void askAgain();
    else setFailed(true);
  };

  const [panel, setPanel] = createSignal<'audio' | 'subtitles' | null>(null);
  const toggle = (which: 'audio' | 'subtitles') => setPanel(panel() === which ? null : which);

  createEffect(() => setPlayerLanguage(locale()));

  onMount(() => {
    const onTime = () => setPosition(video.currentTime);
    const onEnded = () => void offerNext();
    const onTracks = () => applySubtitles();
    /** media-chrome's captions toggle (the `c` key) changes the modes itself: the menu follows. */
    const onModes = () => {
      const list = video.textTracks;
      let showing: string | null = null;
      for (let i = 0; i < list.length; i++) {
        const track = list[i];
        if (track?.mode === 'showing' && track.id.startsWith('sub-')) showing = track.id.slice(4);
      }
      if (showing !== selected()) chooseSubtitle(showing);
    };
    /** Shortcuts also work when nothing has the focus (after a click on the page around the player). */
    const onKey = (event: KeyboardEvent) => {
      if (event.target !== document.body || event.ctrlKey || event.metaKey || event.altKey) return;
      if ([' ', 'ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(event.key))
        event.preventDefault();
      controller.keyboardShortcutHandler(event);
    };
    video.addEventListener('timeupdate', onTime);
    video.addEventListener('ended', onEnded);
    video.addEventListener('error', onError);
    video.textTracks.addEventListener('addtrack', onTracks);
    video.textTracks.addEventListener('change', onModes);
    document.addEventListener('keydown', onKey);
    onCleanup(() => {
      video.removeEventListener('timeupdate', onTime);
      video.removeEventListener('ended', onEnded);
      video.removeEventListener('error', onError);
      video.textTracks.removeEventListener('addtrack', onTracks);
      video.textTracks.removeEventListener('change', onModes);
      document.removeEventListener('keydown', onKey);
      // A detached element would go on playing: it is emptied.
      video.nativeEl.removeAttribute('src');
      video.nativeEl.load();
    });
    // After the cleanup above, so that its own cleanup (the last report) runs first: cleanups run
    // last-registered first, and the one above empties the element.
    reportProgress(video, { mediaId, duration });
  });

  /** A control-bar button of ours: Enter and Space are its own, not the player's shortcuts. */
  const ownKeys = (event: KeyboardEvent) => {
    if (event.key === ' ' || event.key === 'Enter') event.stopPropagation();
  };

  return (
    <div class="player-wrap">
      <media-controller
        ref={controller}
        class="player"
        tabIndex={0}
        attr:lang={locale()}
        bool:nosubtitleslangpref={true}
        aria-label={t('watch.player')}
        data-testid="player"
      >
        <sokoul-video
          ref={video}
          slot="media"
          attr:playsinline=""
          attr:preload="auto"
          style={cueStyle(style())}
          data-testid="video"
        >
          <For each={tracks().filter((s) => s.convertible && s.url)}>
            {(track) => (
              <track
                id={elementId(track.id)}
                kind="subtitles"
                src={track.url ?? ''}
                srclang={track.language ?? undefined}
                label={subtitleLabel(track)}
              />
            )}
          </For>
        </sokoul-video>
        <media-loading-indicator slot="centered-chrome" bool:noautohide={true} />
        <Show when={resumeAsk()} keyed>
          {(at) => (
            <div
              slot="centered-chrome"
              class="player-overlay"
              bool:noautohide={true}
              data-testid="resume-prompt"
            >
              <p>{t('watch.resumeAsk', { time: formatClock(at) })}</p>
              <div class="player-overlay-actions">
                <button
                  type="button"
                  class="primary"
                  onClick={() => answerResume(at)}
                  data-testid="resume"
                  autofocus
                >
                  {t('watch.resume')}
                </button>
                <button type="button" onClick={() => answerResume(0)} data-testid="restart">
                  {t('watch.restart')}
                </button>
              </div>
            </div>
          )}
        </Show>
        <Show when={next()}>
          {(upcoming) => (
            <div
              slot="centered-chrome"
              class="player-overlay"
              bool:noautohide={true}
              data-testid="next-episode"
            >
              <p>
                {t('watch.next', {
                  episode: `${episodeLabel(upcoming().ref.season, upcoming().ref.episode)} · ${upcoming().title}`,
                })}
              </p>
              <p class="muted" role="timer">
                {t('watch.nextIn', { n: String(upcoming().seconds) })}
              </p>
              <div class="player-overlay-actions">
                <button type="button" class="primary" onClick={playNext} data-testid="next-play">
                  {t('watch.playNow')}
                </button>
                <button type="button" onClick={cancelNext} data-testid="next-cancel">
                  {t('watch.cancel')}
                </button>
              </div>
            </div>
          )}
        </Show>
        <Show when={failed()}>
          <div
            slot="centered-chrome"
            class="player-overlay"
            bool:noautohide={true}
            role="alert"
            data-testid="player-failed"
          >
            <p>{t('watch.failed')}</p>
          </div>
        </Show>
        <Show when={panel() === 'audio' ? current() : undefined}>
          {(answer) => (
            <div class="player-panel-slot" bool:noautohide={true}>
              <AudioMenu tracks={answer().audioTracks} current={answer().audioTrack} onSelect={chooseAudio} />
            </div>
          )}
        </Show>
        <Show when={panel() === 'subtitles'}>
          <div class="player-panel-slot" bool:noautohide={true}>
            <SubtitleMenu
              fileId={fileId}
              tracks={tracks()}
              selected={selected()}
              onSelect={chooseSubtitle}
              onAdded={(track) => setAdded([...added(), track])}
              style={style()}
              onStyle={changeStyle}
            />
          </div>
        </Show>
        <media-control-bar>
          <media-play-button />
          <media-seek-backward-button attr:seekoffset="10" />
          <media-seek-forward-button attr:seekoffset="10" />
          <media-mute-button />
          <media-volume-range />
          <media-time-range />
          <media-time-display bool:showduration={true} />
          <media-playback-rate-button attr:rates="0.5 0.75 1 1.25 1.5 2" />
          <Show when={(current()?.audioTracks.length ?? 0) > 1}>
            <button
              type="button"
              class="player-button"
              aria-expanded={panel() === 'audio'}
              onClick={() => toggle('audio')}
              onKeyDown={ownKeys}
              data-testid="audio-button"
            >
              {t('watch.audio')}
            </button>
          </Show>
          <button
            type="button"
            class="player-button"
            aria-expanded={panel() === 'subtitles'}
            onClick={() => toggle('subtitles')}
            onKeyDown={ownKeys}
            data-testid="subtitles-button"
          >
            {t('watch.subtitles')}
          </button>
          <Show when={document.pictureInPictureEnabled}>
            <media-pip-button />
          </Show>
          <media-fullscreen-button />
        </media-control-bar>
      </media-controller>
      <div class="player-facts">
        <Show when={current()}>
          {(answer) => (
            <p data-testid="playback-mode" data-mode={answer().mode}>
              {modeLine(answer())}
            </p>
          )}
        </Show>
        <Show when={decision.error}>
          {(error) => (
            <p class="error" role="alert" data-testid="playback-error">
              {messageOf(error())}
            </p>
          )}
        </Show>
        <Show when={source.state === 'downloading'}>
          <p data-testid="download-progress">
            {t('watch.step.downloading', { percent: formatPercent(downloaded()) })}
            <Show when={playable() !== undefined}>
              {' · '}
              <span data-testid="playable-until">
                {playable() === null
                  ? t('watch.waitingData')
                  : t('watch.playableUntil', { time: formatClock(playable() ?? 0) })}
              </span>
            </Show>
          </p>
        </Show>
      </div>
    </div>
  );
}
