import { join } from 'node:path';
import {
  type DownloadClientList,
  type DownloadEngines,
  type DownloadList,
  type Media,
  SearchResults,
  type StartDownloadRequest,
  type TokenPair,
  type User,
} from '@sokoul/contracts';
import { type Db, forgetCached, rememberCached } from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import type { Browser, Page } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, api, memberSession, PASSWORD, promotedSession, stack } from '../helpers/api.js';
import { allowConsoleError, launchBrowser, screenshot, signIn } from '../helpers/browser.js';

/**
 * Download engines in the browser: an admin configures a qBittorrent in Settings (at an address
 * nothing answers, so torrent-node runs it and reports it unreachable) and sees its state; a
 * member picks their default engine, then another one for one download in the releases panel; the
 * Downloads page says which engine each download uses and that qBittorrent is down. In French and
 * in English. The shared stack has no REAL_DEBRID_API_KEY: Real-Debrid is never offered.
 */
let browser: Browser;
let sql: postgres.Sql;
let db: Db;
let admin: TokenPair;
const DEAD_URL = 'http://127.0.0.1:9';
const localPath = () => join(stack().dataDir, 'downloads', 'qbittorrent');

beforeAll(async () => {
  browser = await launchBrowser();
  sql = postgres(stack().databaseUrl, { max: 1, types: WIRE_TYPES, onnotice: () => {} });
  db = postgresDb(sql);
  admin = await adminSession();
});

afterAll(async () => {
  // The shared stack's next files expect no external client.
  await api('DELETE', '/admin/download-clients/qbittorrent', { token: admin.accessToken });
  await browser?.close();
  await sql?.end();
});

/** The shared stack's Matrix (TMDB 603), with no download of anyone's left on it. */
async function cleanMatrix(): Promise<Media> {
  const media = await api<Media>('POST', '/media', {
    token: admin.accessToken,
    body: { tmdbId: 603, type: 'movie' },
  });
  const others = await api<DownloadList>('GET', `/downloads?all=true&mediaId=${media.body.id}`, {
    token: admin.accessToken,
  });
  for (const d of others.body.downloads)
    await api('DELETE', `/downloads/${d.id}?deleteData=true`, { token: admin.accessToken });
  return media.body;
}

async function openPage(locale: 'fr-FR' | 'en-GB'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale });
  page.setDefaultTimeout(15_000);
  return page;
}

/** Switches the signed-in user's language and waits until their profile has it. */
async function toEnglish(page: Page, user: TokenPair): Promise<void> {
  await page.click('[data-testid="lang-en"]');
  await expect
    .poll(async () => (await api<User>('GET', '/auth/me', { token: user.accessToken })).body.locale)
    .toBe('en');
}

const clientForm = (page: Page) => page.locator('[data-testid="download-client"][data-client="qbittorrent"]');

/** qBittorrent configured and run by torrent-node (unreachable), through the API. */
async function qbittorrentRunning(): Promise<void> {
  const saved = await api<DownloadClientList>('PUT', '/admin/download-clients/qbittorrent', {
    token: admin.accessToken,
    body: {
      url: DEAD_URL,
      username: 'admin',
      password: 'secret',
      remotePath: '/srv/qb',
      localPath: localPath(),
    },
  });
  expect(saved.status).toBe(200);
  await expect
    .poll(
      async () =>
        (
          await api<DownloadEngines>('GET', '/downloads/engines', { token: admin.accessToken })
        ).body.engines.find((e) => e.name === 'qbittorrent')?.state,
      { timeout: 15_000 },
    )
    .toBe('unreachable');
}

/** Clicks "Download" on a release row and answers the engine the POST carried. */
async function download(page: Page, row: ReturnType<Page['locator']>): Promise<StartDownloadRequest> {
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/downloads'),
    row.locator('[data-testid="release-download"]').click(),
  ]);
  return request.postDataJSON() as StartDownloadRequest;
}

describe('download engines in the browser', () => {
  it('lets an admin configure qBittorrent in Settings and shows its state', { timeout: 60_000 }, async () => {
    await api('DELETE', '/admin/download-clients/qbittorrent', { token: admin.accessToken });
    const page = await openPage('fr-FR');
    try {
      await signIn(page, stack().url, admin.user.email, PASSWORD);
      await page.goto(`${stack().url}/settings`);
      const card = page.locator('[data-testid="download-clients"]');
      await card.waitFor();
      expect(await card.textContent()).toContain('Clients de téléchargement externes');
      const form = clientForm(page);
      expect(await form.locator('[data-testid="client-state"]').textContent()).toBe('pas encore configuré');
      expect(await form.locator('#qbittorrent-category').inputValue()).toBe('sokoul');

      await form.locator('#qbittorrent-url').fill(DEAD_URL);
      await form.locator('#qbittorrent-username').fill('admin');
      await form.locator('#qbittorrent-password').fill('secret-password');
      await form.locator('#qbittorrent-remotePath').fill('/srv/qbittorrent/downloads');
      // A folder outside DOWNLOAD_DIR is refused, saying why (the browser logs the 400).
      allowConsoleError(page, /status of 400/);
      await form.locator('#qbittorrent-localPath').fill('/etc');
      await form.locator('[data-testid="client-save"]').click();
      await expect
        .poll(() => form.locator('[data-testid="form-error"]').textContent())
        .toContain('DOWNLOAD_DIR');
      expect(await form.locator('[data-testid="form-error"]').textContent()).toMatch(
        /^Certaines valeurs ne conviennent pas/,
      );
      await form.scrollIntoViewIfNeeded();
      await screenshot(page, 'engines-settings-refused');

      await form.locator('#qbittorrent-localPath').fill(localPath());
      await form.locator('[data-testid="client-save"]').click();
      await expect.poll(() => form.textContent()).toContain('qBittorrent enregistré.');
      // torrent-node runs it: nothing answers at that address.
      await expect
        .poll(() => form.locator('[data-testid="client-state"]').getAttribute('data-state'), {
          timeout: 15_000,
        })
        .toBe('unreachable');
      expect(await form.locator('[data-testid="client-state"] .badge').textContent()).toBe(
        'État : injoignable',
      );
      // The password is written, never shown again.
      expect(await form.locator('#qbittorrent-password').inputValue()).toBe('');
      expect(await form.locator('#qbittorrent-password').getAttribute('placeholder')).toBe('inchangé');
      expect(await page.content()).not.toContain('secret-password');
      await form.scrollIntoViewIfNeeded();
      await screenshot(page, 'engines-settings-client');

      const stored = await api<DownloadClientList>('GET', '/admin/download-clients', {
        token: admin.accessToken,
      });
      expect(stored.body.clients).toEqual([
        expect.objectContaining({
          name: 'qbittorrent',
          url: DEAD_URL,
          username: 'admin',
          hasPassword: true,
          category: 'sokoul',
          remotePath: '/srv/qbittorrent/downloads',
          localPath: localPath(),
          enabled: true,
        }),
      ]);
      // Shown as saved after a reload; saving again without a password keeps it.
      await page.reload();
      await expect.poll(() => clientForm(page).locator('#qbittorrent-url').inputValue()).toBe(DEAD_URL);
      await clientForm(page).locator('[data-testid="client-save"]').click();
      await expect.poll(() => clientForm(page).textContent()).toContain('qBittorrent enregistré.');
      const [row] = await sql<
        { password: string }[]
      >`SELECT password FROM download_clients WHERE name = 'qbittorrent'`;
      expect(row?.password).toBe('secret-password');

      // Removed from Settings (after a confirmation).
      page.once('dialog', (dialog) => void dialog.accept());
      await clientForm(page).locator('[data-testid="client-remove"]').click();
      await expect.poll(() => clientForm(page).textContent()).toContain('qBittorrent retiré.');
      expect(await clientForm(page).locator('[data-testid="client-state"]').textContent()).toBe(
        'pas encore configuré',
      );
      expect(
        (await api<DownloadClientList>('GET', '/admin/download-clients', { token: admin.accessToken })).body
          .clients,
      ).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('lets a member choose a default engine, and another for one download, in French', {
    timeout: 90_000,
  }, async () => {
    await qbittorrentRunning();
    const film = await cleanMatrix();
    const user = await memberSession('engines-fr');
    const page = await openPage('fr-FR');
    let remembered: string | null = null;
    try {
      await signIn(page, stack().url, user.user.email, PASSWORD);
      await page.goto(`${stack().url}/settings`);
      const prefs = page.locator('[data-testid="download-preferences"]');
      await prefs.waitFor();
      await expect.poll(() => prefs.textContent()).toContain('Moteur de téléchargement par défaut');
      const select = prefs.locator('[data-testid="default-engine"]');
      await expect
        .poll(() => select.locator('option').allTextContents())
        .toEqual(['BitTorrent (Sokoul)', 'qBittorrent (injoignable)']);
      expect(await select.inputValue()).toBe('webtorrent');
      // No Real-Debrid here: nothing to fall back from.
      expect(await prefs.locator('[data-testid="debrid-fallback"]').count()).toBe(0);
      await select.selectOption('qbittorrent');
      await prefs.locator('[data-testid="download-preferences-save"]').click();
      await expect.poll(() => prefs.textContent()).toContain('Préférences enregistrées.');
      const saved = await api<DownloadEngines>('GET', '/downloads/engines', { token: user.accessToken });
      expect(saved.body.preferences).toEqual({ engine: 'qbittorrent', debridFallback: true });
      await screenshot(page, 'engines-settings-default');

      // A release Real-Debrid is known to have cached is marked "instantané".
      await page.goto(`${stack().url}/movie/603`);
      await page.click('[data-testid="find-releases"]');
      const rows = page.locator('[data-testid="release"]');
      await expect.poll(() => rows.count()).toBe(2);
      const searchId = (
        await sql<
          { id: string }[]
        >`SELECT id FROM searches WHERE user_id = ${user.user.id} ORDER BY created_at DESC LIMIT 1`
      )[0]?.id;
      const results = SearchResults.parse(
        (await api('GET', `/searches/${searchId}`, { token: user.accessToken })).body,
      ).results.filter((r) => !r.rejected);
      const first = rows.first();
      const firstTitle = (await first.locator('.release-title').textContent()) ?? '';
      remembered = results.find((r) => r.title === firstTitle)?.infoHash ?? null;
      expect(remembered).not.toBeNull();
      await rememberCached(db, remembered ?? '', 1);
      await page.click('[data-testid="search-again"]');
      await expect
        .poll(() => first.locator('[data-testid="release-instant"]').textContent())
        .toBe('instantané');
      expect(await rows.nth(1).locator('[data-testid="release-instant"]').count()).toBe(0);

      // Each release offers the engines, the default chosen; this one goes through Sokoul's own.
      const choice = first.locator('[data-testid="release-engine"]');
      expect(await choice.inputValue()).toBe('qbittorrent');
      expect(await choice.getAttribute('aria-label')).toBe(`Moteur de téléchargement pour « ${firstTitle} »`);
      await choice.selectOption('webtorrent');
      await first.scrollIntoViewIfNeeded();
      await screenshot(page, 'engines-releases-choice');
      expect(await download(page, first)).toMatchObject({ engine: 'webtorrent' });
      await expect.poll(() => first.locator('[data-testid="release-download-state"]').count()).toBe(1);
      const second = rows.nth(1);
      expect(await second.locator('[data-testid="release-engine"]').inputValue()).toBe('qbittorrent');
      expect(await download(page, second)).toMatchObject({ engine: 'qbittorrent' });
      await expect.poll(() => second.locator('[data-testid="release-download-state"]').count()).toBe(1);
      await screenshot(page, 'engines-releases');

      const list = await api<DownloadList>('GET', `/downloads?mediaId=${film.id}`, {
        token: user.accessToken,
      });
      const byEngine = Object.fromEntries(list.body.downloads.map((d) => [d.engine, d]));
      expect(Object.keys(byEngine).sort()).toEqual(['qbittorrent', 'webtorrent']);

      // The Downloads page says which engine each uses, and that qBittorrent is down.
      await page.goto(`${stack().url}/downloads`);
      const item = (engine: string) =>
        page.locator(`[data-testid="download"][data-id="${byEngine[engine]?.id ?? ''}"]`);
      await expect
        .poll(() => item('qbittorrent').locator('[data-testid="download-engine"]').textContent())
        .toBe('qBittorrent');
      expect(await item('webtorrent').locator('[data-testid="download-engine"]').textContent()).toBe(
        'BitTorrent (Sokoul)',
      );
      expect(await item('qbittorrent').locator('[data-testid="download-engine-state"]').textContent()).toBe(
        'qBittorrent injoignable : le suivi reprendra à son retour',
      );
      expect(await item('webtorrent').locator('[data-testid="download-engine-state"]').count()).toBe(0);
      expect(await page.locator('[data-testid="engine-banner"]').textContent()).toBe(
        'qBittorrent est injoignable : ses téléchargements attendent son retour.',
      );
      await screenshot(page, 'engines-downloads');
    } finally {
      if (remembered) await forgetCached(db, remembered);
      await page.close();
      await cleanMatrix();
    }
  });

  it('words it all in English', { timeout: 90_000 }, async () => {
    await qbittorrentRunning();
    const film = await cleanMatrix();
    const promoted = await promotedSession('engines-en');
    const page = await openPage('en-GB');
    try {
      await signIn(page, stack().url, promoted.user.email, PASSWORD);
      await toEnglish(page, promoted);
      await page.goto(`${stack().url}/settings`);
      const form = clientForm(page);
      await expect
        .poll(() => form.locator('[data-testid="client-state"] .badge').textContent())
        .toBe('State: unreachable');
      expect(await form.locator('#qbittorrent-password').getAttribute('placeholder')).toBe('unchanged');
      expect(await page.locator('[data-testid="download-clients"]').textContent()).toContain(
        'External download clients',
      );
      expect(await page.locator('label[for="qbittorrent-localPath"]').textContent()).toBe(
        'The same folder, as Sokoul sees it',
      );
      const prefs = page.locator('[data-testid="download-preferences"]');
      await expect.poll(() => prefs.textContent()).toContain('Default download engine');
      await expect
        .poll(() => prefs.locator('[data-testid="default-engine"] option').allTextContents())
        .toEqual(['BitTorrent (Sokoul)', 'qBittorrent (unreachable)']);
      await prefs.scrollIntoViewIfNeeded();
      await screenshot(page, 'engines-settings-en');
      await form.scrollIntoViewIfNeeded();
      await screenshot(page, 'engines-settings-client-en');

      await page.goto(`${stack().url}/movie/603`);
      await page.click('[data-testid="find-releases"]');
      const first = page.locator('[data-testid="release"]').first();
      const choice = first.locator('[data-testid="release-engine"]');
      await choice.waitFor();
      expect(await choice.inputValue()).toBe('webtorrent');
      expect(await choice.getAttribute('aria-label')).toMatch(/^Download engine for “.+”$/);
      await choice.selectOption('qbittorrent');
      expect(await download(page, first)).toMatchObject({ engine: 'qbittorrent' });
      await expect.poll(() => first.locator('[data-testid="release-download-state"]').count()).toBe(1);

      await page.goto(`${stack().url}/downloads`);
      const [started] = (
        await api<DownloadList>('GET', `/downloads?mediaId=${film.id}`, { token: promoted.accessToken })
      ).body.downloads;
      expect(started?.engine).toBe('qbittorrent');
      const item = page.locator(`[data-testid="download"][data-id="${started?.id ?? ''}"]`);
      await expect
        .poll(() => item.locator('[data-testid="download-engine-state"]').textContent())
        .toBe('qBittorrent is unreachable: following resumes when it is back');
      const banner = page.locator('[data-testid="engine-banner"] li[data-engine="qbittorrent"]');
      // An admin also reads torrent-node's own words about it.
      expect(await banner.textContent()).toMatch(
        /^qBittorrent is unreachable: its downloads wait for it to come back\./,
      );
      await screenshot(page, 'engines-downloads-en');
    } finally {
      await page.close();
      await cleanMatrix();
    }
  });
});
