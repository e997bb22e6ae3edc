import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Playback takes real seconds: each wait allows a few (a failure still ends it). */
export const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 100 });

export interface Playing {
  currentTime: number;
  duration: number;
  paused: boolean | null;
  /** The stream's own clock and address (a remux restarts at `start=` with its clock at 0). */
  streamTime: number;
  src: string;
  display: string;
}

/** The player page's <sokoul-video> and media-chrome's view of it. */
export const playing = (page: Page): Promise<Playing> =>
  page.evaluate(() => {
    const video = document.querySelector('sokoul-video') as unknown as {
      currentTime: number;
      duration: number;
      paused: boolean;
      nativeEl: HTMLVideoElement;
    };
    // Paused once the element and media-chrome's state (which the shortcuts read) agree.
    const shown = document.querySelector('media-controller')?.hasAttribute('mediapaused');
    return {
      currentTime: video.currentTime,
      duration: video.duration,
      paused: shown === video.paused ? video.paused : null,
      streamTime: video.nativeEl.currentTime,
      src: video.nativeEl.currentSrc,
      display: (
        document.querySelector('media-time-display')?.shadowRoot?.querySelector('slot')?.textContent ?? ''
      )
        .replace(/\s+/g, ' ')
        .trim(),
    };
  });

/** A seek as the seek bar asks it: media-chrome's request, handled by its controller. */
export const seekTo = (page: Page, seconds: number) =>
  page.evaluate((detail) => {
    document
      .querySelector('media-time-range')
      ?.dispatchEvent(new CustomEvent('mediaseekrequest', { detail, bubbles: true, composed: true }));
  }, seconds);

/** Plays if the browser's autoplay rule held it (a page opened by address has no user gesture). */
export async function ensurePlaying(page: Page): Promise<void> {
  await page.locator('[data-testid="playback-mode"]').waitFor();
  await poll(async () => (await playing(page)).duration).toBeGreaterThan(0);
  if ((await playing(page)).paused) await page.locator('media-play-button').click();
  await poll(async () => (await playing(page)).paused).toBe(false);
}
