import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberSession, PASSWORD, stack } from '../helpers/api.js';
import { launchBrowser, screenshot, signIn } from '../helpers/browser.js';

/** Keyboard and pointer paths: the skip link, the season tabs, closing the Ctrl+K search. */
let browser: Browser;
let email: string;
beforeAll(async () => {
  browser = await launchBrowser();
  email = (await memberSession('keyboard')).user.email;
});
afterAll(async () => {
  await browser?.close();
});

async function signedIn(viewport: { width: number; height: number }, locale = 'fr-FR'): Promise<Page> {
  const page = await browser.newPage({ viewport, locale });
  page.setDefaultTimeout(10_000);
  await signIn(page, stack().url, email, PASSWORD);
  return page;
}

const focused = (page: Page) =>
  page.evaluate(() => ({
    id: document.activeElement?.id ?? '',
    text: document.activeElement?.textContent?.trim() ?? '',
    testId: document.activeElement?.getAttribute('data-testid') ?? '',
  }));

describe('keyboard and pointer', () => {
  it('skips to the content with the first Tab, on app pages and the sign-in page', async () => {
    const page = await signedIn({ width: 1280, height: 800 });
    await page.goto(`${stack().url}/films`);
    await page.locator('main h1').waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ testId: 'skip-link', text: 'Aller au contenu' });
    expect(await page.locator('[data-testid="skip-link"]').isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    expect((await focused(page)).id).toBe('main');
    expect(page.url()).toBe(`${stack().url}/films`);
    // The next Tab goes on inside the content, past the navigation.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.getElementById('main')?.contains(document.activeElement))).toBe(
      true,
    );

    // Signed out, in English (chosen on the sign-in page, so the account keeps French), on a fresh load.
    await page.click('[data-testid="logout"]');
    await page.waitForURL('**/login');
    await page.click('[data-testid="lang-en"]');
    await page.goto(`${stack().url}/login`);
    await page.locator('main h1').waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ testId: 'skip-link', text: 'Skip to content' });
    await page.keyboard.press('Enter');
    expect((await focused(page)).id).toBe('main');
    await page.close();
  });

  it('moves between seasons with the arrow keys, Home and End', async () => {
    const page = await signedIn({ width: 1280, height: 800 });
    await page.goto(`${stack().url}/tv/1399`);
    const episodes = page.locator('[data-testid="episodes"]');
    await expect.poll(() => episodes.getAttribute('data-season')).toBe('1');
    const tabs = page.locator('[data-testid="season-tabs"] [role="tab"]');
    expect(await page.locator('[data-testid="season-tabs"]').getAttribute('role')).toBe('tablist');
    const numbers = await tabs.evaluateAll((all) => all.map((tab) => tab.id.replace('season-tab-', '')));
    expect(numbers.length).toBeGreaterThanOrEqual(2);
    // Roving tabindex: only the open season is in the Tab order.
    expect(await tabs.evaluateAll((all) => all.map((tab) => tab.getAttribute('tabindex')))).toEqual(
      numbers.map((n) => (n === '1' ? '0' : '-1')),
    );
    const panel = page.locator('[role="tabpanel"]');
    expect(await panel.getAttribute('aria-labelledby')).toBe('season-tab-1');
    expect(await tabs.first().getAttribute('aria-controls')).toBe(await panel.getAttribute('id'));

    await page.focus('#season-tab-1');
    await page.keyboard.press('ArrowRight');
    expect((await focused(page)).id).toBe('season-tab-2');
    await expect.poll(() => episodes.getAttribute('data-season')).toBe('2');
    expect(await page.locator('#season-tab-2').getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#season-tab-2').getAttribute('tabindex')).toBe('0');
    expect(await page.locator('#season-tab-1').getAttribute('tabindex')).toBe('-1');
    expect(page.url()).toContain('season=2');

    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => episodes.getAttribute('data-season')).toBe('1');
    expect((await focused(page)).id).toBe('season-tab-1');
    // From the first, Left wraps to the last; Home and End go to either end.
    const last = numbers[numbers.length - 1];
    await page.keyboard.press('ArrowLeft');
    expect((await focused(page)).id).toBe(`season-tab-${last}`);
    await page.keyboard.press('Home');
    expect((await focused(page)).id).toBe(`season-tab-${numbers[0]}`);
    await page.keyboard.press('End');
    expect((await focused(page)).id).toBe(`season-tab-${last}`);
    await expect.poll(() => page.locator(`#season-tab-${last}`).getAttribute('aria-selected')).toBe('true');
    await page.close();
  });

  it('closes the Ctrl+K search with Escape even with text typed, a click outside, or its button', async () => {
    const page = await signedIn({ width: 360, height: 740 });
    const modal = page.locator('[data-testid="search-modal"]');
    const input = page.locator('[data-testid="search-input"]');
    const open = async () => {
      // Ctrl+K from the page itself, wherever the previous click left the focus.
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press('Control+k');
      await input.waitFor();
      expect(await modal.evaluate((d) => (d as HTMLDialogElement).open)).toBe(true);
    };

    await open();
    await page.keyboard.type('matr');
    await expect.poll(() => page.locator('[data-testid="search-result"]').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => modal.evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);

    // A click on the dimmed page around the dialog.
    await open();
    const box = await modal.boundingBox();
    if (!box) throw new Error('the search dialog has no box');
    await page.mouse.click(box.x + box.width / 2, Math.min(box.y + box.height + 40, 730));
    await expect.poll(() => modal.evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);
    // A click inside keeps it open.
    await open();
    await input.click();
    expect(await modal.evaluate((d) => (d as HTMLDialogElement).open)).toBe(true);

    // The close button, visible on a phone.
    const close = page.locator('[data-testid="search-close"]');
    expect(await close.isVisible()).toBe(true);
    expect(await close.getAttribute('aria-label')).toBe('Fermer la recherche');
    await screenshot(page, 'search-modal-phone');
    await close.click();
    await expect.poll(() => modal.evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);
    await page.close();
  });
});
