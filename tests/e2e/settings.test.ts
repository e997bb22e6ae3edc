import { ConfigList, type IndexerList, SearchOutcome, type TokenPair, type User } from '@sokoul/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, memberSession, PASSWORD, promotedSession, runSearch, stack } from '../helpers/api.js';
import { launchBrowser, screenshot, signIn } from '../helpers/browser.js';
import { type FakeIndexer, STACK_RELEASES, startFakeIndexer } from '../helpers/fake-indexer.js';

/**
 * The admin's Settings sections in the browser: an indexer added in the page is tested through
 * torrent-node and used by the next search; a torrent-node setting (Jackett's API key) changed in
 * the page applies at once (the indexers' test fails, then passes once reset); the source of each
 * value shows, secrets stay write-only. In French, then in English.
 */
let browser: Browser;
let admin: TokenPair;
let member: TokenPair;
let fake: FakeIndexer;
const NAME = 'Indexeur du navigateur';

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await promotedSession('settings-ui');
  member = await memberSession('settings-ui-member');
  fake = await startFakeIndexer({ name: NAME, releases: STACK_RELEASES });
});

afterAll(async () => {
  // The shared stack's next files expect neither this indexer nor changed settings.
  const { indexers } = (await api<IndexerList>('GET', '/admin/indexers', { token: admin.accessToken })).body;
  for (const indexer of indexers.filter((i) => i.name === NAME))
    await api('DELETE', `/admin/indexers/${indexer.id}`, { token: admin.accessToken });
  await api('PUT', '/admin/config', {
    token: admin.accessToken,
    body: { values: { JACKETT_API_KEY: null, STALL_MINUTES: null } },
  });
  await browser?.close();
  await fake?.close();
});

async function openPage(locale: 'fr-FR' | 'en-GB'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale });
  page.setDefaultTimeout(15_000);
  return page;
}

const config = async () =>
  ConfigList.parse((await api('GET', '/admin/config', { token: admin.accessToken })).body).entries;
const field = (page: Page, key: string) => page.locator(`[data-testid="config-field"][data-key="${key}"]`);

describe('Settings for admins', () => {
  it('adds and tests an indexer the next search uses, and changes a torrent-node setting at once', {
    timeout: 120_000,
  }, async () => {
    const page = await openPage('fr-FR');
    try {
      await signIn(page, stack().url, admin.user.email, PASSWORD);
      await page.goto(`${stack().url}/settings`);
      const card = page.locator('[data-testid="indexers"]');
      await expect.poll(() => card.locator('h2').textContent()).toBe('Indexeurs');

      // Add the fake indexer from the page.
      const form = card.locator('[data-testid="indexer-add"]');
      await form.locator('#indexerName').fill(NAME);
      await form.locator('#indexerUrl').fill(fake.url);
      await form.locator('[data-testid="indexer-add-save"]').click();
      await expect.poll(() => form.locator('.success').textContent()).toBe('Indexeur ajouté.');
      const row = card.locator(`[data-testid="indexer-row"][data-name="${NAME}"]`);
      await expect.poll(() => row.count()).toBe(1);

      // Its test goes through torrent-node, which asks the fake for its capabilities.
      await row.locator('[data-testid="indexer-test-button"]').click();
      const outcome = row.locator('[data-testid="indexer-test"]');
      await expect.poll(() => outcome.getAttribute('data-ok')).toBe('true');
      expect(await outcome.textContent()).toMatch(/^Répond \(\d+ catégories?\)$/);
      expect(fake.calls.some((c) => c.params.t === 'caps')).toBe(true);
      await row.scrollIntoViewIfNeeded();
      await screenshot(page, 'settings-indexers');

      // The next search asks it.
      const { task } = await runSearch(member.accessToken, { tmdbId: 603, type: 'movie', fresh: true });
      expect(task.status).toBe('done');
      const outcomeOfSearch = SearchOutcome.parse(task.result);
      expect(outcomeOfSearch.reports.find((r) => r.indexer === NAME)).toMatchObject({ status: 'ok' });
      expect(fake.calls.some((c) => c.params.t !== 'caps')).toBe(true);

      // A torrent-node setting from the page: a wrong Jackett key makes Jackett's test fail at once.
      const jackettKey = field(page, 'JACKETT_API_KEY');
      await expect
        .poll(() => jackettKey.locator('[data-testid="config-source"]').getAttribute('data-source'))
        .toBe('environment');
      expect(await jackettKey.locator('.badge').textContent()).toBe('Variable d’environnement');
      expect(await jackettKey.locator('input').getAttribute('placeholder')).toBe(
        'Définie (vide : inchangée)',
      );
      await jackettKey.locator('input').fill('a-wrong-key');
      const indexerConfig = page.locator('[data-testid="config-indexers"]');
      await indexerConfig.locator('[data-testid="config-indexers-save"]').click();
      await expect
        .poll(() => indexerConfig.locator('.success').textContent())
        .toBe('Paramètres enregistrés : ils s’appliquent tout de suite.');
      await expect.poll(() => jackettKey.locator('.badge').textContent()).toBe('Défini ici');
      // Write-only: the field is empty again, the value is nowhere in the page or the API.
      expect(await jackettKey.locator('input').inputValue()).toBe('');
      expect(await page.content()).not.toContain('a-wrong-key');
      expect(JSON.stringify(await config())).not.toContain('a-wrong-key');
      await indexerConfig.scrollIntoViewIfNeeded();
      await screenshot(page, 'settings-config');

      const testAll = async () => {
        await card.locator('[data-testid="indexers-test-all"]').click();
        const jackett = card.locator('[data-testid="indexers-tested"] li', { hasText: 'Jackett' });
        return jackett.locator('[data-testid="indexer-test"]').getAttribute('data-ok');
      };
      await expect.poll(testAll, { timeout: 20_000 }).toBe('false');
      // Back to the environment's key: Jackett answers again.
      await jackettKey.locator('[data-testid="config-reset"]').click();
      await expect.poll(() => jackettKey.locator('.badge').textContent()).toBe('Variable d’environnement');
      await expect.poll(testAll, { timeout: 20_000 }).toBe('true');

      // A number, with a French decimal comma.
      const stall = field(page, 'STALL_MINUTES');
      expect(await stall.locator('.badge').textContent()).toBe('Valeur par défaut');
      await stall.locator('input').fill('2,5');
      await page.locator('[data-testid="config-downloads-save"]').click();
      await expect.poll(() => stall.locator('.badge').textContent()).toBe('Défini ici');
      expect(await stall.locator('.muted').last().textContent()).toBe('sinon : 10');
      expect(await stall.locator('input').inputValue()).toBe('2,5');
      expect((await config()).find((e) => e.key === 'STALL_MINUTES')).toMatchObject({
        source: 'database',
        value: 2.5,
      });
      await stall.scrollIntoViewIfNeeded();
      await screenshot(page, 'settings-downloads');
    } finally {
      await page.close();
    }
  });

  it('edits a quality profile from a preset, which searches can then use', { timeout: 60_000 }, async () => {
    const page = await openPage('fr-FR');
    const before = (await api('GET', '/admin/quality-profiles', { token: admin.accessToken })).body;
    try {
      await signIn(page, stack().url, admin.user.email, PASSWORD);
      await page.goto(`${stack().url}/settings`);
      const card = page.locator('[data-testid="quality-profiles"]');
      await card.locator('[data-testid="profile-preset"]').selectOption('small');
      await card.locator('[data-testid="profile-add"]').click();
      const editor = card.locator('[data-testid="profile-editor"]').last();
      await editor.locator('[data-testid="profile-name"]').fill('Navigateur');
      await editor.locator('[data-testid="profile-name"]').blur();
      await editor.locator('[data-testid="profile-min-seeders"]').fill('5');
      await editor.locator('[data-testid="profile-min-seeders"]').blur();
      await card.locator('[data-testid="profiles-save"]').click();
      await expect.poll(() => card.locator('.success').textContent()).toBe('Profils enregistrés.');
      expect(await card.locator('.notice').count()).toBe(0);
      const { profiles } = (
        await api<{ profiles: { name: string; minSeeders: number; allowedResolutions: string[] }[] }>(
          'GET',
          '/search/profiles',
          { token: member.accessToken },
        )
      ).body;
      expect(profiles.find((p) => p.name === 'Navigateur')).toMatchObject({
        minSeeders: 5,
        allowedResolutions: ['720p', '1080p', '576p', '480p'],
      });
      await editor.scrollIntoViewIfNeeded();
      await screenshot(page, 'settings-profiles');
    } finally {
      await page.close();
      await api('PUT', '/admin/quality-profiles', { token: admin.accessToken, body: before });
    }
  });
  it('words the sections in English', { timeout: 60_000 }, async () => {
    const page = await openPage('en-GB');
    try {
      await signIn(page, stack().url, admin.user.email, PASSWORD);
      await page.click('[data-testid="lang-en"]');
      await expect
        .poll(async () => (await api<User>('GET', '/auth/me', { token: admin.accessToken })).body.locale)
        .toBe('en');
      await page.goto(`${stack().url}/settings`);
      const card = page.locator('[data-testid="indexers"]');
      await expect.poll(() => card.locator('h2').textContent()).toBe('Indexers');
      const row = card.locator(`[data-testid="indexer-row"][data-name="${NAME}"]`);
      await row.locator('[data-testid="indexer-test-button"]').click();
      await expect
        .poll(() => row.locator('[data-testid="indexer-test"]').textContent())
        .toMatch(/^Answers \(\d+ categor(y|ies)\)$/);
      expect(await field(page, 'JACKETT_URL').locator('.badge').textContent()).toBe('Environment variable');
      expect(await field(page, 'STALL_MINUTES').locator('.badge').textContent()).toBe('Set here');
      expect(await field(page, 'STALL_MINUTES').locator('input').inputValue()).toBe('2.5');
      expect(await page.locator('[data-testid="config-alerts"] h2').textContent()).toBe('Alerts');
      expect(await page.locator('[data-testid="quality-profiles"] h2').textContent()).toBe(
        'Quality profiles',
      );
      await row.scrollIntoViewIfNeeded();
      await screenshot(page, 'settings-indexers-en');
      await page.locator('[data-testid="config-downloads"]').scrollIntoViewIfNeeded();
      await screenshot(page, 'settings-downloads-en');
    } finally {
      await page.close();
    }
  });
});
