import type { TokenPair } from '@sokoul/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, memberSession, PASSWORD, stack } from '../helpers/api.js';
import { allowConsoleError, launchBrowser, screenshot, signIn } from '../helpers/browser.js';

/** The library in headless Chromium: lists from a film's page, /library, continue watching, episodes. */
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function signedIn(label: string): Promise<{ page: Page; user: TokenPair; errors: string[] }> {
  const user = await memberSession(label);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await signIn(page, stack().url, user.user.email, PASSWORD);
  return { page, user, errors };
}

describe('library in the browser', () => {
  it('adds a film to the watchlist from its page, finds it under /library, removes it', {
    timeout: 60_000,
  }, async () => {
    const { page, errors } = await signedIn('watchlist-ui');
    await page.goto(`${stack().url}/movie/550`);
    const toggle = page.locator('[data-testid="title-actions"] [data-testid="toggle-watchlist"]');
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
    await screenshot(page, 'library-movie-watchlisted');

    await page.getByRole('link', { name: 'Bibliothèque' }).click();
    await page.click('[data-testid="library-tab-watchlist"]');
    const grid = page.locator('[data-testid="library-grid"] [data-testid="media-card"]');
    await expect.poll(() => grid.allTextContents()).toEqual([expect.stringContaining('Fight Club')]);
    await screenshot(page, 'library-watchlist');
    await page.click('[data-testid="library-remove"]');
    await page.locator('[data-testid="library-empty"]').waitFor();
    await page.reload();
    await page.locator('[data-testid="library-empty"]').waitFor();
    expect(await grid.count()).toBe(0);

    await page.goto(`${stack().url}/movie/550`);
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('rolls a refused change back and says why', { timeout: 60_000 }, async () => {
    const { page, errors } = await signedIn('rollback-ui');
    await page.goto(`${stack().url}/movie/603`);
    const favorite = page.locator('[data-testid="title-actions"] [data-testid="toggle-favorite"]');
    await expect.poll(() => favorite.getAttribute('aria-pressed')).toBe('false');
    // The browser logs the refused request; the test provokes it.
    allowConsoleError(page, /status of 503/);
    await page.route('**/favorites', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({
              error: { code: 'dependency_unavailable', message: 'The database is unavailable' },
            }),
          })
        : route.continue(),
    );
    await favorite.click();
    await expect
      .poll(() => page.locator('[data-testid="toast"]').textContent())
      .toBe(
        'Modification impossible. Un service dont Sokoul a besoin est indisponible pour le moment. Réessayez dans un instant.',
      );
    await expect.poll(() => favorite.getAttribute('aria-pressed')).toBe('false');
    await screenshot(page, 'library-rollback');
    await page.unroute('**/favorites');
    await favorite.click();
    await expect.poll(() => favorite.getAttribute('aria-pressed')).toBe('true');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows progress under "continue watching" and watched episodes on the series page', {
    timeout: 60_000,
  }, async () => {
    const { page, user, errors } = await signedIn('continue-ui');
    const record = (body: Record<string, unknown>, minutesAgo: number) =>
      api('POST', '/watch-history', {
        token: user.accessToken,
        body: { ...body, at: new Date(Date.now() - minutesAgo * 60_000).toISOString() },
      });
    await record({ tmdbId: 8587, type: 'movie', positionSeconds: 1800, durationSeconds: 5280 }, 10);
    await record(
      {
        tmdbId: 66732,
        type: 'tv',
        seasonNumber: 1,
        episodeNumber: 3,
        positionSeconds: 3000,
        durationSeconds: 3000,
      },
      5,
    );

    await page.goto(`${stack().url}/`);
    const row = page.locator('[data-testid="row-continue"] [data-testid="media-card"]');
    await expect.poll(() => row.count()).toBe(2);
    expect(await row.nth(0).textContent()).toContain('Stranger Things');
    expect(await row.nth(0).textContent()).toContain('S1 É4');
    expect(await row.nth(1).textContent()).toContain('Le Roi lion');
    const bar = row.nth(1).locator('[role="progressbar"]');
    expect(await bar.getAttribute('aria-valuenow')).toBe('34');
    await screenshot(page, 'library-continue');

    // The card opens the player at the next episode (the watch tests play it); the series page next.
    expect(await row.nth(0).getAttribute('href')).toBe('/watch/tv/66732?season=1&episode=4');
    await page.goto(`${stack().url}/tv/66732?season=1`);
    const episodes = page.locator('[data-testid="episode"]');
    await expect.poll(() => episodes.nth(2).getAttribute('data-watched')).toBe('true');
    expect(await episodes.nth(3).getAttribute('data-watched')).toBe('false');
    await episodes.nth(3).locator('[data-testid="episode-mark-watched"]').click();
    await expect.poll(() => episodes.nth(3).getAttribute('data-watched')).toBe('true');
    await screenshot(page, 'library-series-watched');

    await page.getByRole('link', { name: 'Accueil' }).click();
    await expect.poll(() => row.nth(0).textContent()).toContain('S1 É5');
    expect(errors).toEqual([]);
    await page.close();
  });
});
