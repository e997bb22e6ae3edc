import type { TokenPair, User } from '@sokoul/contracts';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, memberSession, PASSWORD, stack } from '../helpers/api.js';
import { allowConsoleError, launchBrowser, screenshot, signIn } from '../helpers/browser.js';

/** Browsing the catalog in headless Chromium against the full stack and the fake TMDB. */
let browser: Browser;
let member: TokenPair;

beforeAll(async () => {
  browser = await launchBrowser();
  member = await memberSession('browse');
});
afterAll(async () => {
  await browser?.close();
});

/** Every picture in the locator has loaded (a real decoded image, not a broken one). */
async function imagesLoaded(scope: Locator, atLeast: number): Promise<void> {
  await expect
    .poll(
      () =>
        scope
          .locator('img')
          .evaluateAll(
            (imgs) => (imgs as HTMLImageElement[]).filter((i) => i.complete && i.naturalWidth > 0).length,
          ),
      { timeout: 10_000 },
    )
    .toBeGreaterThanOrEqual(atLeast);
}

async function openPage(
  context: BrowserContext,
): Promise<{ page: Page; errors: string[]; tmdbRequests: string[] }> {
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  const tmdbRequests: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/tmdb/')) tmdbRequests.push(`${url.pathname}${url.search}`);
  });
  return { page, errors, tmdbRequests };
}

describe('catalog in the browser', () => {
  it('browses home, a film, an actor and a series; searches with Ctrl+K; switches language', {
    timeout: 120_000,
  }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    const { page, errors, tmdbRequests } = await openPage(context);
    await signIn(page, stack().url, member.user.email, PASSWORD);

    // Home: the hero and the rows, with their pictures.
    const hero = page.locator('[data-testid="hero"]');
    await hero.waitFor();
    await imagesLoaded(hero, 1);
    const films = page.locator('[data-testid="row-trending-films"]');
    await expect.poll(() => films.locator('[data-testid="media-card"]').count()).toBeGreaterThanOrEqual(10);
    await imagesLoaded(films, 3);
    await expect
      .poll(() => page.locator('[data-testid="row-trending-series"] [data-testid="media-card"]').count())
      .toBeGreaterThan(5);
    await expect
      .poll(() => page.locator('[data-testid="row-top-rated"] [data-testid="media-card"]').count())
      .toBeGreaterThan(5);
    expect(await page.locator('[data-testid="row-continue"]').isVisible()).toBe(true);
    // Keyboard: a focused row scrolls with the arrow keys.
    const track = films.locator('.row-track');
    await track.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => track.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    await screenshot(page, 'catalog-home');

    // A film: details, cast, trailer in a modal.
    await films.locator('a[href="/movie/550"]').click();
    await page.waitForURL('**/movie/550');
    await expect.poll(() => page.locator('[data-testid="detail-title"]').textContent()).toBe('Fight Club');
    expect(await page.locator('[data-testid="cast-member"]').allInnerTexts()).toEqual([
      expect.stringContaining('Brad Pitt'),
      expect.stringContaining('Edward Norton'),
    ]);
    expect(await page.locator('[data-testid="providers"]').innerText()).toContain('Netflix');
    await page.click('[data-testid="play-trailer"]');
    const player = page.locator('[data-testid="video-player"]');
    await player.waitFor();
    expect(await player.locator('iframe').getAttribute('src')).toContain(
      'youtube-nocookie.com/embed/trailer550',
    );
    await page.keyboard.press('Escape');
    await player.waitFor({ state: 'detached' });
    await screenshot(page, 'catalog-movie');

    // An actor, then back: the film's answer comes from the client cache, not a second request.
    await page.locator('[data-testid="cast-member"]', { hasText: 'Brad Pitt' }).click();
    await page.waitForURL('**/person/287');
    await expect.poll(() => page.locator('[data-testid="detail-title"]').textContent()).toBe('Brad Pitt');
    const filmography = page.locator('[data-testid="filmography"] [data-testid="media-card"]');
    expect(await filmography.evaluateAll((cards) => cards.map((c) => c.getAttribute('href')))).toEqual([
      '/tv/1399',
      '/movie/550',
    ]);
    await screenshot(page, 'catalog-person');
    await page.goBack();
    await expect.poll(() => page.locator('[data-testid="detail-title"]').textContent()).toBe('Fight Club');
    await page.goForward();
    await expect.poll(() => page.locator('[data-testid="detail-title"]').textContent()).toBe('Brad Pitt');
    expect(tmdbRequests.filter((r) => r.startsWith('/tmdb/movie/550?'))).toHaveLength(1);
    expect(tmdbRequests.filter((r) => r.startsWith('/tmdb/person/287?'))).toHaveLength(1);

    // A series: season 1 by default, then season 2.
    await filmography.first().click();
    await page.waitForURL('**/tv/1399');
    const episodes = page.locator('[data-testid="episodes"]');
    await expect.poll(() => episodes.getAttribute('data-season')).toBe('1');
    expect(await episodes.locator('[data-testid="episode"]').count()).toBe(10);
    await page.click('[data-testid="season-tab-2"]');
    await expect.poll(() => episodes.getAttribute('data-season')).toBe('2');
    expect(await episodes.locator('[data-testid="episode"]').first().innerText()).toContain(
      'Épisode 1 (saison 2)',
    );
    expect(page.url()).toContain('season=2');
    await screenshot(page, 'catalog-series');

    // Ctrl+K from anywhere, keyboard only.
    await page.keyboard.press('Control+k');
    const input = page.locator('[data-testid="search-input"]');
    await input.waitFor();
    await page.keyboard.type('matr');
    await expect.poll(() => page.locator('[data-testid="search-result"]').count()).toBe(1);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/movie/603');
    await expect.poll(() => page.locator('[data-testid="detail-title"]').textContent()).toBe('Matrix');

    // English: the interface and TMDB's answers follow, and the choice is saved on the account.
    await page.click('[data-testid="lang-en"]');
    await expect.poll(() => page.locator('[data-testid="detail-title"]').textContent()).toBe('The Matrix');
    expect(await page.getByRole('link', { name: 'Series' }).count()).toBe(1);
    const me = await api<User>('GET', '/auth/me', { token: member.accessToken });
    expect(me.body.locale).toBe('en');
    await screenshot(page, 'catalog-english');
    await page.click('[data-testid="lang-fr"]');
    await expect.poll(() => page.locator('[data-testid="detail-title"]').textContent()).toBe('Matrix');

    expect(errors).toEqual([]);
    await context.close();
  });

  it('filters the film catalogue on a wide screen, keeps the filters in the URL, and loads more on scroll', {
    timeout: 60_000,
  }, async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'fr-FR' });
    const { page, errors } = await openPage(context);
    await signIn(page, stack().url, member.user.email, PASSWORD);
    await page.getByRole('link', { name: 'Films', exact: true }).click();
    const grid = page.locator('[data-testid="catalogue-grid"] [data-testid="media-card"]');
    // A page is 20; a tall screen loads on until it is full, and scrolling loads the rest (44 films).
    await expect.poll(() => grid.count()).toBeGreaterThanOrEqual(20);
    await expect
      .poll(
        async () => {
          await page.mouse.wheel(0, 20_000);
          return grid.count();
        },
        { timeout: 10_000 },
      )
      .toBe(44);
    await expect.poll(() => page.locator('[data-testid="filter-genre"] option').count()).toBeGreaterThan(5);
    await page.selectOption('[data-testid="filter-genre"]', '878');
    await expect.poll(() => grid.count()).toBe(4);
    expect(page.url()).toContain('genre=878');
    await page.selectOption('[data-testid="filter-year"]', '1999');
    await expect
      .poll(() => grid.evaluateAll((cards) => cards.map((c) => c.getAttribute('href'))))
      .toEqual(['/movie/603']);
    await screenshot(page, 'catalog-films-filtered');
    await page.reload();
    await expect.poll(() => grid.count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('fits a phone screen and opens offline from the service worker', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      locale: 'fr-FR',
      isMobile: true,
      hasTouch: true,
    });
    const { page, errors } = await openPage(context);
    await signIn(page, stack().url, member.user.email, PASSWORD);
    await expect
      .poll(() => page.locator('[data-testid="row-trending-films"] [data-testid="media-card"]').count())
      .toBeGreaterThan(5);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
    // Phone-sized pictures: the browser picked a small width from srcset.
    const src = await page
      .locator('[data-testid="row-trending-films"] img')
      .first()
      .evaluate((img) => (img as HTMLImageElement).currentSrc);
    expect(src).toMatch(/\/w(154|185|342)\//);
    await screenshot(page, 'catalog-phone');

    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    // Offline, the browser logs every API request that cannot leave: the point of this step.
    allowConsoleError(page, /net::ERR_INTERNET_DISCONNECTED/);
    await context.setOffline(true);
    await page.reload();
    await page.locator('[data-testid="offline-notice"]').waitFor();
    await expect.poll(() => page.locator('#root').innerText()).not.toBe('');
    await screenshot(page, 'catalog-offline');
    await context.setOffline(false);
    expect(errors).toEqual([]);
    await context.close();
  });
});
