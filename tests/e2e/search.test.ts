import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberSession, PASSWORD, stack } from '../helpers/api.js';
import { launchBrowser, screenshot, signIn } from '../helpers/browser.js';

/** "Find releases" on a film page: live status, the ranked table, filters, and the rejected ones. */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('releases in the browser', () => {
  it('finds, filters and explains releases for a film', { timeout: 60_000 }, async () => {
    const user = await memberSession('releases-ui');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await signIn(page, stack().url, user.user.email, PASSWORD);
    await page.goto(`${stack().url}/movie/603`);
    await page.click('[data-testid="find-releases"]');
    const rows = page.locator('[data-testid="release"]');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    expect(await rows.first().textContent()).toContain('The.Matrix.1999.MULTi.VFF.1080p.BluRay.x265-QTZ');
    expect(await rows.first().textContent()).toContain('audio en fr');
    expect(await rows.first().locator('[data-testid="release-download"]').getAttribute('href')).toMatch(
      /^magnet:\?xt=urn:btih:/,
    );
    await screenshot(page, 'releases-table');

    await page.check('[data-testid="french-only"]');
    await expect.poll(() => rows.count()).toBe(1);
    await page.uncheck('[data-testid="french-only"]');

    await page.click('[data-testid="toggle-rejected"]');
    const rejected = page.locator('[data-testid="rejected"] li');
    await expect.poll(() => rejected.count()).toBe(2);
    expect(await page.locator('[data-testid="rejected"]').textContent()).toContain('n’est pas Matrix');
    await screenshot(page, 'releases-rejected');
    expect(errors).toEqual([]);
    await page.close();
  });
});
