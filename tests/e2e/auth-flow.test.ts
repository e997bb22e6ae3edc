import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, api, PASSWORD, stack, uniqueEmail } from '../helpers/api.js';
import { allowConsoleError, launchBrowser, screenshot, signIn } from '../helpers/browser.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('web app in headless Chromium', () => {
  it('signs up with an invite, sees the live indicator, logs out, logs back in', {
    timeout: 90_000,
  }, async () => {
    const admin = await adminSession();
    const invite = await api<{ code: string }>('POST', '/admin/invites', {
      token: admin.accessToken,
      body: {},
    });
    const email = uniqueEmail('browser');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${stack().url}/`);
    await page.waitForURL('**/login');
    await page.getByRole('link', { name: 'Créer un compte' }).click();
    await page.waitForURL('**/signup');
    await page.fill('#email', email);
    await page.fill('#displayName', 'Navigateur');
    await page.fill('#password', PASSWORD);
    await page.fill('#inviteCode', invite.body.code);
    await page.click('[data-testid="signup-submit"]');
    await page.waitForURL(`${stack().url}/`);
    const indicator = page.locator('[data-testid="connection-indicator"]');
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    await screenshot(page, 'home-live');

    // The tasks page receives its updates over the same socket.
    await page.getByRole('link', { name: 'Tâches' }).click();
    await page.click('[data-testid="task-start-system-report"]');
    await expect
      .poll(() => page.locator('[data-testid="task-row"]').first().getAttribute('data-status'), {
        timeout: 10_000,
      })
      .toBe('done');
    await screenshot(page, 'tasks');

    await page.click('[data-testid="lang-en"]');
    await expect.poll(() => page.getByRole('link', { name: 'Tasks' }).count()).toBe(1);
    await page.click('[data-testid="lang-fr"]');

    await page.click('[data-testid="logout"]');
    await page.waitForURL('**/login');
    expect(await page.evaluate(() => localStorage.getItem('sokoul.refreshToken'))).toBeNull();

    // The refusal is worded by the app from its code, in the interface's language.
    allowConsoleError(page, /status of 401/);
    await page.fill('#email', email);
    await page.fill('#password', 'wrong password');
    await page.click('[data-testid="login-submit"]');
    await expect
      .poll(() => page.locator('[data-testid="form-error"]').textContent())
      .toBe('E-mail ou mot de passe incorrect.');
    await page.click('[data-testid="lang-en"]');
    await page.click('[data-testid="login-submit"]');
    await expect
      .poll(() => page.locator('[data-testid="form-error"]').textContent())
      .toBe('Wrong email or password.');
    await page.click('[data-testid="lang-fr"]');

    await page.fill('#password', PASSWORD);
    await page.click('[data-testid="login-submit"]');
    await page.waitForURL(`${stack().url}/`);
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 10_000 }).toBe('live');

    // A reload restores the session from the refresh token.
    await page.reload();
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone screen with the navigation behind a menu button', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'en-US' });
    await signIn(page, stack().url, 'admin@example.test', PASSWORD);
    const nav = page.locator('#main-nav');
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    expect(await nav.isVisible()).toBe(true);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
    await screenshot(page, 'phone-menu');
    await page.close();
  });
});
