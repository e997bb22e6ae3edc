import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, api, PASSWORD, promotedSession, stack } from '../helpers/api.js';
import { isLiveEvent, launchBrowser, relayLiveSocket, screenshot, signIn } from '../helpers/browser.js';

/** The tasks page: results in words, and rows kept up to date by the live socket and its resyncs. */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const row = (page: Page, type: string) =>
  page.locator(`[data-testid="task-row"][data-type="${type}"]`).first();
const cell = (page: Page, type: string, name: 'title' | 'outcome') =>
  row(page, type).locator(`[data-testid="task-${name}"]`).textContent();
/**
 * Starts a task from the page and waits for its row, newest first: the shared admin may have run
 * tasks of this type in other test files, whose finished rows would otherwise be read instead.
 */
async function start(page: Page, type: string, click: () => Promise<void>): Promise<void> {
  const rows = page.locator(`[data-testid="task-row"][data-type="${type}"]`);
  const before = await rows.count();
  await click();
  await expect.poll(() => rows.count()).toBe(before + 1);
}

describe('tasks in the browser', () => {
  it('words a system report, a cleanup and a search, never as JSON, in French and English', {
    timeout: 60_000,
  }, async () => {
    // A search started elsewhere (the API, as the bot would) shows up with the others.
    const admin = await adminSession();
    const started = await api('POST', '/search', {
      token: admin.accessToken,
      body: { tmdbId: 603, type: 'movie' },
    });
    expect(started.status).toBe(202);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    page.setDefaultTimeout(10_000);
    await signIn(page, stack().url, admin.user.email, PASSWORD);
    await page.getByRole('link', { name: 'Tâches' }).click();
    await expect.poll(() => row(page, 'search').getAttribute('data-status')).toBe('done');
    expect(await cell(page, 'search', 'title')).toBe('Recherche de releases : Matrix');
    expect(await cell(page, 'search', 'outcome')).toMatch(
      // Each indexer's count follows; other files add indexers to the shared stack for a while.
      /^2 releases retenues sur 4( \(recherche récente réutilisée\))?( · [^·:]+ : \d+ résultats?)*$/,
    );

    await start(page, 'system.report', () => page.click('[data-testid="task-start-system-report"]'));
    await expect.poll(() => row(page, 'system.report').getAttribute('data-status')).toBe('done');
    expect(await cell(page, 'system.report', 'title')).toBe('Rapport système');
    const report = await cell(page, 'system.report', 'outcome');
    expect(report).toMatch(/\d+ processeurs?/);
    expect(report).toMatch(/mémoire : [\d,]+\s(Go|Mo), dont [\d,]+\s(Go|Mo) de libre/);
    expect(report).toMatch(/disque .+ : [\d,\s]+(To|Go|Mo), dont/);
    expect(report).not.toMatch(/[{}"]|GB|MB|Bytes/);

    await start(page, 'maintenance.cleanup', () =>
      page.getByRole('button', { name: 'Lancer un nettoyage' }).click(),
    );
    await expect.poll(() => row(page, 'maintenance.cleanup').getAttribute('data-status')).toBe('done');
    expect(await cell(page, 'maintenance.cleanup', 'title')).toBe('Nettoyage');
    await expect.poll(() => cell(page, 'maintenance.cleanup', 'outcome')).not.toBe('');
    const cleanup = await cell(page, 'maintenance.cleanup', 'outcome');
    expect(cleanup).toMatch(/^(Rien à supprimer\.|Éléments supprimés : .+\.)$/);
    expect(cleanup).not.toMatch(/[{}"]|refreshTokens|searchResults/);
    await screenshot(page, 'tasks-outcomes');

    await page.click('[data-testid="lang-en"]');
    await expect.poll(() => cell(page, 'system.report', 'title')).toBe('System report');
    expect(await cell(page, 'system.report', 'outcome')).toMatch(
      /memory: [\d.]+\s(GB|MB) free of [\d.]+\s(GB|MB)/,
    );
    expect(await cell(page, 'maintenance.cleanup', 'outcome')).toMatch(
      /^(Nothing to remove\.|Removed: .+\.)$/,
    );
    await page.click('[data-testid="lang-fr"]');
    await page.close();
  });

  it('catches up from the API after a reconnect when events were missed', { timeout: 60_000 }, async () => {
    // Starting a system report needs an administrator.
    const member = await promotedSession('tasks-resync');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    page.setDefaultTimeout(10_000);
    // The socket goes through the test: it can hold back events and drop the connection.
    let holdEvents = false;
    const socket = await relayLiveSocket(page, (message, toPage) => {
      if (!(holdEvents && isLiveEvent(message))) toPage(message);
    });
    const listReads: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.resourceType() === 'fetch' && url.pathname === '/tasks') listReads.push(url.search);
    });
    await signIn(page, stack().url, member.user.email, PASSWORD);
    await page.goto(`${stack().url}/tasks`);
    const indicator = page.locator('[data-testid="connection-indicator"]');
    await expect.poll(() => indicator.getAttribute('data-state')).toBe('live');
    await expect.poll(() => listReads.length).toBe(1);

    holdEvents = true;
    await start(page, 'system.report', () => page.click('[data-testid="task-start-system-report"]'));
    const rowStatus = () => row(page, 'system.report').getAttribute('data-status');
    await expect.poll(rowStatus).toBe('pending');
    // The task ends on the server meanwhile; without its events the page cannot know.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await rowStatus()).toBe('pending');

    // Events stay held after the reconnect too: only reading the API again can bring the row up to date.
    await socket.pageSide()?.close();
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    await expect.poll(rowStatus, { timeout: 10_000 }).toBe('done');
    expect(listReads.length).toBeGreaterThan(1);
    expect(await cell(page, 'system.report', 'outcome')).toMatch(/\d+ processeurs?/);
    await page.close();
  });
});
