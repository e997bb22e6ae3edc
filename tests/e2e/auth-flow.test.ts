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
    // A context of its own: the test opens more tabs of the same browser later.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    const page = await context.newPage();
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

    // The tasks page offers a member nothing to start: reports and cleanups are for admins.
    await page.getByRole('link', { name: 'Tâches' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Tâches' }).count()).toBe(1);
    expect(await page.locator('[data-testid="task-start-system-report"]').count()).toBe(0);
    await screenshot(page, 'tasks');

    // The refresh token is in an HttpOnly cookie for /auth, never where page scripts can read it.
    const sessionCookie = (await context.cookies()).find((c) => c.name === 'sokoul_refresh');
    expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth' });
    const readable = await page.evaluate(() => ({
      cookies: document.cookie,
      stored: Object.keys(localStorage).map((k) => `${k}=${localStorage.getItem(k)}`),
    }));
    expect(readable.cookies).not.toContain('sokoul_refresh');
    expect(readable.stored.join('\n')).not.toContain(sessionCookie?.value ?? 'no cookie');
    expect(await page.evaluate(() => localStorage.getItem('sokoul.refreshToken'))).toBeNull();

    await page.click('[data-testid="lang-en"]');
    await expect.poll(() => page.getByRole('link', { name: 'Tasks' }).count()).toBe(1);
    await page.click('[data-testid="lang-fr"]');

    await page.click('[data-testid="logout"]');
    await page.waitForURL('**/login');
    // Signing out ended the session on the server and cleared the cookie.
    await expect
      .poll(async () => (await context.cookies()).some((c) => c.name === 'sokoul_refresh'))
      .toBe(false);
    const spent = await api('POST', '/auth/refresh', {
      headers: { cookie: `sokoul_refresh=${sessionCookie?.value}` },
    });
    expect(spent.status).toBe(401);

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

    // A reload restores the session through the cookie, the access token having been in memory only.
    await page.reload();
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    expect(page.url()).toBe(`${stack().url}/`);
    // Two tabs of the same browser start at once: both refresh with the same cookie, and neither
    // ends the session for the other.
    const [second, third] = await Promise.all([context.newPage(), context.newPage()]);
    await Promise.all([second.goto(`${stack().url}/`), third.goto(`${stack().url}/`)]);
    for (const tab of [second, third, page]) {
      await expect
        .poll(() => tab.locator('[data-testid="connection-indicator"]').getAttribute('data-state'), {
          timeout: 10_000,
        })
        .toBe('live');
    }
    await second.close();
    await third.close();
    await page.reload();
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    expect(errors).toEqual([]);
    await context.close();
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
