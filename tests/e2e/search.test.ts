import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, memberSession, PASSWORD, stack } from '../helpers/api.js';
import { isLiveEvent, launchBrowser, relayLiveSocket, screenshot, signIn } from '../helpers/browser.js';
import type { IndexerBehaviour } from '../helpers/fake-indexer.js';

/**
 * "Find releases" on a film page: each indexer's outcome, the ranked table, filters, the rejected
 * ones, "search again now"; the search's task is followed over the socket, never polled.
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Clicks only once the socket is live: these tests read what its events bring, not a catch-up read. */
async function openFilm(page: Page): Promise<void> {
  await page.goto(`${stack().url}/movie/603`);
  await expect
    .poll(() => page.locator('[data-testid="connection-indicator"]').getAttribute('data-state'))
    .toBe('live');
}

describe('releases in the browser', () => {
  it('finds, filters and explains releases for a film', { timeout: 60_000 }, async () => {
    const user = await memberSession('releases-ui');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await signIn(page, stack().url, user.user.email, PASSWORD);
    await openFilm(page);
    await page.click('[data-testid="find-releases"]');
    const rows = page.locator('[data-testid="release"]');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    expect(await rows.first().textContent()).toContain('The.Matrix.1999.MULTi.VFF.1080p.BluRay.x265-QTZ');
    expect(await rows.first().textContent()).toContain('audio en fr');
    // Downloading starts in place (tests/e2e/downloads.test.ts): a button, not a link away.
    const download = rows.first().locator('[data-testid="release-download"]');
    expect(await download.evaluate((el) => el.tagName)).toBe('BUTTON');
    expect(await download.getAttribute('href')).toBeNull();
    // French units, and the header counts the list it sits above.
    expect(await rows.first().textContent()).toMatch(/9\sGo/);
    expect(await page.locator('[data-testid="release-status"]').textContent()).toMatch(
      /^2 releases retenues sur 4/,
    );
    await screenshot(page, 'releases-table');

    await page.check('[data-testid="french-only"]');
    await expect.poll(() => rows.count()).toBe(1);
    await page.uncheck('[data-testid="french-only"]');

    expect(await page.locator('[data-testid="toggle-rejected"]').textContent()).toBe('Voir les 2 écartées');
    await page.click('[data-testid="toggle-rejected"]');
    const rejected = page.locator('[data-testid="rejected"] li');
    await expect.poll(() => rejected.count()).toBe(2);
    expect(await page.locator('[data-testid="rejected"]').textContent()).toContain('n’est pas Matrix');
    await screenshot(page, 'releases-rejected');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a search that ends before the socket first joins still shows its releases', {
    timeout: 60_000,
  }, async () => {
    // Before the failing indexer's test: the search it leaves for this film within the repeat
    // window found nothing, and this search would reuse it.
    const user = await memberSession('releases-early');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    // The socket joins late: its hello waits, and the events sent before it are lost, as for a
    // socket still connecting when they happened.
    let joined = false;
    const held: (() => void)[] = [];
    await relayLiveSocket(page, (message, toPage) => {
      if (joined) toPage(message);
      else if (!isLiveEvent(message)) held.push(() => toPage(message));
    });
    await signIn(page, stack().url, user.user.email, PASSWORD);
    await page.goto(`${stack().url}/movie/603`);
    await page.click('[data-testid="find-releases"]');
    const status = page.locator('[data-testid="release-status"]');
    await expect.poll(() => status.textContent()).toMatch(/^Recherche/);
    // The task ends on the server with nobody hearing it.
    await expect
      .poll(async () => {
        const listed = await api<{ tasks: { type: string; status: string }[] }>('GET', '/tasks', {
          token: user.accessToken,
        });
        return listed.body.tasks.find((task) => task.type === 'search')?.status;
      })
      .toBe('done');
    expect(await page.locator('[data-testid="release"]').count()).toBe(0);
    joined = true;
    for (const send of held.splice(0)) send();
    await expect.poll(() => page.locator('[data-testid="release"]').count()).toBe(2);
    expect(await status.textContent()).toMatch(/^2 releases retenues sur 4/);
    await page.close();
  });
  it('shows a failing indexer, searches again now past the repeat window, and never polls the task', {
    timeout: 60_000,
  }, async () => {
    const jackett = inject('jackett');
    const behave = (behaviour: IndexerBehaviour) =>
      fetch(`${jackett}/__behaviour`, { method: 'POST', body: JSON.stringify(behaviour) });
    const user = await memberSession('releases-again');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    const taskReads: string[] = [];
    const searches: Request[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/tasks')) taskReads.push(path);
      if (path === '/search' && request.method() === 'POST') searches.push(request);
    });
    await signIn(page, stack().url, user.user.email, PASSWORD);
    await openFilm(page);
    const status = page.locator('[data-testid="release-status"]');
    const jackettReport = page.locator('[data-testid="indexer-report"][data-indexer="Jackett"]');

    await page.click('[data-testid="find-releases"]');
    await expect.poll(() => status.textContent()).toMatch(/^2 releases retenues sur 4/);
    await expect.poll(() => jackettReport.getAttribute('data-status')).toBe('ok');
    expect(await jackettReport.textContent()).toBe('Jackett : 4 résultats');
    expect(await page.locator('[data-testid="release"]').count()).toBe(2);

    // Within the repeat window only "search again now" asks the indexers: the failure shows.
    await behave({ kind: 'html' });
    try {
      await page.click('[data-testid="search-again"]');
      await expect.poll(() => jackettReport.getAttribute('data-status')).toBe('failed');
      // A member reads that it failed, not why (the reason is for admins).
      expect(await jackettReport.textContent()).toBe('Jackett : échec');
      await expect.poll(() => status.textContent()).toMatch(/^0 release retenue sur 0/);
      expect(await page.locator('[data-testid="release"]').count()).toBe(0);
      await screenshot(page, 'releases-indexer-failed');
    } finally {
      await behave({ kind: 'ok' });
    }
    expect(searches.map((r) => r.postDataJSON()?.fresh)).toEqual([undefined, true]);
    // The task's progress came over the socket: no request to /tasks at all.
    expect(taskReads).toEqual([]);
    await page.close();
  });
});
