import { CustomVideoElement } from 'custom-media-element';

/** What the player plays: a signed URL and how it seeks (see `PlaybackDecision`). */
export interface PlaySource {
  url: string;
  /** `restart`: the URL is a remux/transcode stream that seeks by asking again with `&start=`. */
  seek: 'native' | 'restart';
  /** The title's full length, known from the probe (a restarted stream does not know it). */
  durationSeconds: number | null;
  /** Where to begin, in the title's time. */
  start: number;
}

/** A `TimeRanges` over plain pairs: what media-chrome's seek bar reads. */
class Ranges implements TimeRanges {
  constructor(private readonly pairs: [number, number][]) {}
  get length(): number {
    return this.pairs.length;
  }
  start(index: number): number {
    return this.at(index)[0];
  }
  end(index: number): number {
    return this.at(index)[1];
  }
  private at(index: number): [number, number] {
    const pair = this.pairs[index];
    if (!pair) throw new DOMException('index out of range', 'IndexSizeError');
    return pair;
  }
}

/** Scrubbing the seek bar asks for many positions: only the one it settles on restarts ffmpeg. */
const RESTART_SETTLE_MS = 250;

const withStart = (url: string, start: number) =>
  `${url}${url.includes('?') ? '&' : '?'}start=${start.toFixed(3).replace(/\.?0+$/, '')}`;

/**
 * `<sokoul-video slot="media">`: a video element for media-chrome whose clock is the title's, in
 * every mode. Direct play is the native element as is. A remux or transcode stream starts at the
 * `start` it was asked for and its own clock at 0, so this element reports `offset + currentTime`,
 * the title's full duration and a seekable range over all of it, turns a seek into a new request
 * (`&start=`), and moves subtitle cues by the same offset so they stay in time.
 *
 * It extends `custom-media-element` (the base of media-chrome's own media elements) rather than
 * patching a native <video>: media-chrome reads and writes only the element's public properties,
 * so overriding `currentTime`, `duration`, `seekable` and `buffered` here is enough for the seek
 * bar, time display and keyboard shortcuts, with no fork of media-chrome.
 */
export class SokoulVideo extends CustomVideoElement {
  /** Subtitle cues are drawn inside the shadow root: their style comes in through custom properties. */
  static override getTemplateHTML = (attrs: Record<string, string>) =>
    `${CustomVideoElement.getTemplateHTML(attrs)}<style>video::cue { font-size: var(--cue-size, 100%); background: var(--cue-background, rgb(0 0 0 / 80%)); }</style>`;

  #source: PlaySource | null = null;
  /** The title's time at the stream's 0 (restart mode). */
  #offset = 0;
  /** A seek waiting for the scrub to settle: reported as the current time meanwhile. */
  #pending: number | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Each cue's times in the title's clock, before any shift. */
  readonly #cueTimes = new WeakMap<TextTrackCue, [number, number]>();
  /** Direct play from a position: applied once the file's metadata is known. */
  #startAt: number | null = null;
  /** A restarted stream is loading: its first frame ends the seek. */
  #restarting = false;
  #listening = false;

  get restarts(): boolean {
    return this.#source?.seek === 'restart';
  }

  /** The stream's time 0 in the title's time (0 for direct play). */
  get offset(): number {
    return this.restarts ? this.#offset : 0;
  }

  /** Plays `source` from its `start` (paused unless `autoplay`). */
  open(source: PlaySource, autoplay: boolean): void {
    this.#listen();
    clearTimeout(this.#timer);
    this.#pending = null;
    this.#restarting = false;
    this.#startAt = null;
    this.#source = source;
    const native = this.nativeEl;
    const rate = native.playbackRate;
    if (source.seek === 'restart') {
      this.#offset = source.start;
      native.src = withStart(source.url, source.start);
    } else {
      this.#offset = 0;
      this.#startAt = source.start > 0 ? source.start : null;
      native.src = source.url;
    }
    this.#keepRate(rate);
    this.#shiftCues();
    if (autoplay) this.#play();
  }

  override get currentTime(): number {
    if (this.#pending !== null) return this.#pending;
    return this.offset + this.nativeEl.currentTime;
  }

  override set currentTime(value: number) {
    const source = this.#source;
    if (!source || source.seek === 'native') {
      this.nativeEl.currentTime = value;
      return;
    }
    const end = this.duration;
    const target = Math.max(0, Number.isFinite(end) ? Math.min(value, end - 1) : value);
    this.#pending = target;
    this.dispatchEvent(new Event('seeking'));
    this.dispatchEvent(new Event('timeupdate'));
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#restartAt(target), RESTART_SETTLE_MS);
  }

  override get duration(): number {
    const native = this.nativeEl.duration;
    if (!this.restarts) return native;
    return this.#source?.durationSeconds ?? (Number.isFinite(native) ? this.#offset + native : native);
  }

  override get seekable(): TimeRanges {
    if (!this.restarts) return this.nativeEl.seekable;
    const end = this.duration;
    return new Ranges(Number.isFinite(end) ? [[0, end]] : []);
  }

  override get buffered(): TimeRanges {
    const native = this.nativeEl.buffered;
    if (!this.restarts) return native;
    const pairs: [number, number][] = [];
    for (let i = 0; i < native.length; i++)
      pairs.push([this.#offset + native.start(i), this.#offset + native.end(i)]);
    return new Ranges(pairs);
  }

  #restartAt(target: number): void {
    const source = this.#source;
    if (!source) return;
    const native = this.nativeEl;
    const playing = !native.paused;
    const rate = native.playbackRate;
    this.#offset = target;
    this.#pending = null;
    native.src = withStart(source.url, target);
    this.#keepRate(rate);
    this.#shiftCues();
    this.#restarting = true;
    if (playing) this.#play();
  }

  /** A new `src` resets the rate to the default one: the viewer's choice is kept. */
  #keepRate(rate: number): void {
    const native = this.nativeEl;
    native.defaultPlaybackRate = rate;
    native.playbackRate = rate;
  }

  #play(): void {
    // Refused without a user gesture (autoplay policy): the play button stays for the viewer.
    this.nativeEl.play().catch(() => undefined);
  }

  /** Subtitle files load on demand (their cues are moved when they arrive); starts and restarts end. */
  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    // `load` does not bubble; the capture phase sees it for the <track> clones inside the video.
    const native = this.nativeEl;
    native.addEventListener('load', () => this.#shiftCues(), true);
    native.addEventListener('loadedmetadata', () => {
      if (this.#startAt === null) return;
      native.currentTime = this.#startAt;
      this.#startAt = null;
    });
    native.addEventListener('loadeddata', () => {
      if (!this.#restarting) return;
      this.#restarting = false;
      this.dispatchEvent(new Event('seeked'));
    });
  }

  /** Puts every cue at its title time minus the offset (back at its own time in direct play). */
  #shiftCues(): void {
    const shift = this.offset;
    const tracks = this.nativeEl.textTracks;
    for (let i = 0; i < tracks.length; i++) {
      const cues = tracks[i]?.cues;
      if (!cues) continue;
      for (let j = 0; j < cues.length; j++) {
        const cue = cues[j];
        if (!cue) continue;
        let times = this.#cueTimes.get(cue);
        if (!times) {
          times = [cue.startTime, cue.endTime];
          this.#cueTimes.set(cue, times);
        }
        cue.startTime = times[0] - shift;
        cue.endTime = times[1] - shift;
      }
    }
  }
}

if (!customElements.get('sokoul-video')) customElements.define('sokoul-video', SokoulVideo);

declare global {
  interface HTMLElementTagNameMap {
    'sokoul-video': SokoulVideo;
  }
}
