import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, memberSession, PASSWORD, stack } from '../helpers/api.js';
import { allowConsoleError, launchBrowser, signIn } from '../helpers/browser.js';

/**
 * Every page, opened fresh: its title, and a clean console. The browser helper fails the test on
 * any console error, uncaught exception or CSP violation (zod's eval probe used to raise one on
 * every load).
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Opens `path` as a new load of the app and waits until it has settled on `title`. */
async function visit(page: Page, path: string, title: string): Promise<void> {
  await page.goto(`${stack().url}${path}`);
  await expect.poll(() => page.title(), { timeout: 10_000 }).toBe(title);
  await page.locator('main h1').first().waitFor();
  await page.waitForLoadState('networkidle');
}

describe('every page', () => {
  it('has its own title and logs no error, in French and in English', { timeout: 120_000 }, async () => {
    const member = await memberSession('pages');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    page.setDefaultTimeout(10_000);
    await page.goto(`${stack().url}/login`);
    await expect.poll(() => page.title()).toBe('Connexion — Sokoul');
    await page.waitForLoadState('networkidle');
    await signIn(page, stack().url, member.user.email, PASSWORD);

    await visit(page, '/', 'Accueil — Sokoul');
    await visit(page, '/films', 'Films — Sokoul');
    await visit(page, '/series', 'Séries — Sokoul');
    await visit(page, '/search?q=matrix', 'matrix · Recherche — Sokoul');
    await visit(page, '/movie/603', 'Matrix — Sokoul');
    await visit(page, '/tv/1399', 'Game of Thrones — Sokoul');
    await visit(page, '/person/287', 'Brad Pitt — Sokoul');
    await visit(page, '/library', 'Bibliothèque — Sokoul');
    await visit(page, '/tasks', 'Tâches — Sokoul');
    await visit(page, '/settings', 'Paramètres — Sokoul');
    await visit(page, '/nowhere', 'Page introuvable — Sokoul');

    // The title follows the language without a reload.
    await page.goto(`${stack().url}/series`);
    await expect.poll(() => page.title()).toBe('Séries — Sokoul');
    await page.click('[data-testid="lang-en"]');
    await expect.poll(() => page.title()).toBe('Series — Sokoul');
    await visit(page, '/tasks', 'Tasks — Sokoul');
    await page.click('[data-testid="lang-fr"]');
    await expect.poll(() => page.title()).toBe('Tâches — Sokoul');

    await page.click('[data-testid="logout"]');
    await page.waitForURL('**/login');
    await expect.poll(() => page.title()).toBe('Connexion — Sokoul');
    await visit(page, '/signup', 'Créer un compte — Sokoul');
    await page.close();
  });

  it('shows the administrator’s settings, and words a refusal after its code and where it happened', {
    timeout: 60_000,
  }, async () => {
    await adminSession();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    page.setDefaultTimeout(10_000);
    await signIn(page, stack().url, 'admin@example.test', PASSWORD);
    await visit(page, '/settings', 'Paramètres — Sokoul');
    // Roles in words, not identifiers.
    const roles = page.getByRole('combobox', { name: 'Rôle' }).first();
    await roles.waitFor();
    expect(await roles.locator('option').allTextContents()).toEqual(['Membre', 'Administrateur']);

    // The server's refusal, answered here so the real last administrator stays one.
    allowConsoleError(page, /status of 409/);
    await page.route('**/admin/users/*', (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({
            status: 409,
            contentType: 'application/json',
            body: JSON.stringify({
              error: {
                code: 'conflict',
                message: 'This is the last active administrator; promote someone else first',
              },
            }),
          })
        : route.continue(),
    );
    await roles.selectOption('member');
    await expect
      .poll(() => page.locator('[data-testid="form-error"]').textContent())
      .toBe('C’est le dernier administrateur actif : nommez-en un autre d’abord.');
    await page.close();
  });
});
