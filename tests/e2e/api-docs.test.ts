import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, stack } from '../helpers/api.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('API reference at /docs', () => {
  it('renders every tag of the document under the CSP and calls the API with a token', {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(`${stack().url}/docs`);
    // Swagger UI's first render (a large bundle, the whole document) took 12-19 s on a loaded CI machine.
    await page.locator('.swagger-ui .information-container').waitFor({ timeout: 60_000 });
    await expect(page.locator('.swagger-ui .title').first().textContent()).resolves.toContain('Sokoul API');
    for (const tag of ['Tasks', 'Media', 'Search']) {
      await expect(page.locator(`.opblock-tag[data-tag="${tag}"]`).count()).resolves.toBe(1);
    }

    // "Try it out" with the bearer scheme reaches the real API.
    const admin = await adminSession();
    await page.click('.auth-wrapper .authorize');
    await page.locator('.auth-container input[type="text"]').first().fill(admin.accessToken);
    await page.locator('.auth-container .modal-btn.authorize').first().click();
    await page.locator('.btn-done').first().click();
    const listTasks = page.locator('#operations-Tasks-get_tasks');
    await listTasks.locator('.opblock-summary').click();
    await listTasks.locator('.try-out__btn').click();
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/tasks');
    await listTasks.locator('.execute').click();
    expect((await answer).status()).toBe(200);
    await screenshot(page, 'api-docs');
    expect(problems).toEqual([]);
    await page.close();
  });
});
