import type { RecordProgressRequest } from '@sokoul/contracts';
import { onCleanup } from 'solid-js';
import { libraryApi } from '../api/library.js';
import { recordOnLeave } from '../api/streaming.js';

const EVERY_MS = 10_000;

/**
 * Keeps `/watch-history` up to date for the owner's lifetime: every 10 s while playing, on pause,
 * after a seek, at the end, and when the page goes away (closed, hidden, or left for another page).
 * Nothing is sent before playback has really started, so opening the page never erases a position.
 */
export function reportProgress(
  media: EventTarget & { readonly currentTime: number; readonly paused: boolean },
  options: { mediaId: string; duration: () => number | null },
): void {
  let started = false;
  let lastSent: number | null = null;

  const report = (): RecordProgressRequest | null => {
    const duration = options.duration();
    if (!started || !duration || !Number.isFinite(duration)) return null;
    return {
      mediaId: options.mediaId,
      positionSeconds: Math.min(Math.max(0, media.currentTime), duration),
      durationSeconds: duration,
      at: new Date().toISOString(),
    };
  };
  const send = () => {
    const body = report();
    if (!body || body.positionSeconds === lastSent) return;
    lastSent = body.positionSeconds;
    // A report that fails is replaced by the next one, 10 s later.
    libraryApi.record(body).catch(() => undefined);
  };
  const leave = () => {
    const body = report();
    if (body) recordOnLeave(body);
  };
  const onHidden = () => {
    if (document.visibilityState === 'hidden') leave();
  };
  const onPlaying = () => {
    started = true;
  };

  media.addEventListener('playing', onPlaying);
  for (const type of ['pause', 'seeked', 'ended']) media.addEventListener(type, send);
  window.addEventListener('pagehide', leave);
  document.addEventListener('visibilitychange', onHidden);
  const timer = setInterval(() => {
    if (!media.paused) send();
  }, EVERY_MS);

  onCleanup(() => {
    clearInterval(timer);
    media.removeEventListener('playing', onPlaying);
    for (const type of ['pause', 'seeked', 'ended']) media.removeEventListener(type, send);
    window.removeEventListener('pagehide', leave);
    document.removeEventListener('visibilitychange', onHidden);
    leave();
  });
}
