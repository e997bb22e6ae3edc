import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminSession, PASSWORD } from '../helpers/api.js';
import { launchBrowser, screenshot, signIn } from '../helpers/browser.js';
import { type FakeRealDebrid, startFakeRealDebrid } from '../helpers/fake-realdebrid.js';
import { type FakeTelegram, startFakeTelegram } from '../helpers/fake-telegram.js';
import { FAKE_V3_KEY } from '../helpers/fake-tmdb.js';
import {
  createTestDatabase,
  dropTestDatabase,
  launchStack,
  MACHINE_REDIS,
  type StackInfo,
  tmdbSettings,
} from '../helpers/stack.js';

/**
 * Settings' Real-Debrid and Telegram sections in the browser, on a stack started without a key or
 * a token: the admin types each secret, Real-Debrid's "test connection" shows the account and the
 * Telegram section the bot's name once torrent-node started it. French, then English.
 */
const KEY = 'real-debrid-browser-key';
let rd: FakeRealDebrid;
let tg: FakeTelegram;
let own: { stop(): Promise<void> } | undefined;
let info: StackInfo;
let databaseUrl: string;
let browser: Browser;
let email: string;

beforeAll(async () => {
  rd = await startFakeRealDebrid({ apiKey: KEY });
  tg = await startFakeTelegram();
  databaseUrl = await createTestDatabase('sokoul_settings_services');
  const launched = await launchStack({
    DATABASE_URL: databaseUrl,
    REDIS_URL: MACHINE_REDIS,
    // Signing in lands on Home, whose trending rows need a TMDB.
    ...tmdbSettings(inject('tmdb'), FAKE_V3_KEY),
    REAL_DEBRID_API_KEY: '',
    REAL_DEBRID_API_URL: rd.url,
    TELEGRAM_BOT_TOKEN: '',
    TELEGRAM_API_ROOT: tg.url,
  });
  own = launched.stack;
  info = launched.info;
  email = (await adminSession(info.url)).user.email;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await own?.stop();
  await rd?.close();
  await tg?.stop();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
});

async function openSettings(locale: 'fr-FR' | 'en-GB'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale });
  page.setDefaultTimeout(15_000);
  await signIn(page, info.url, email, PASSWORD);
  await page.goto(`${info.url}/settings`);
  return page;
}

describe('Real-Debrid and Telegram in Settings', () => {
  it('sets the key and the token from the page, tests Real-Debrid and shows the bot', {
    timeout: 120_000,
  }, async () => {
    const page = await openSettings('fr-FR');
    try {
      const card = page.locator('[data-testid="config-realDebrid"]');
      await expect.poll(() => card.locator('h2').textContent()).toBe('Compte Real-Debrid');
      await page.locator('[data-testid="realdebrid-test"]').click();
      const account = page.locator('[data-testid="realdebrid-account"]');
      await expect.poll(() => account.getAttribute('data-state')).toBe('not_configured');
      expect(await account.textContent()).toContain('Aucune clé');

      await card.locator('input[name="REAL_DEBRID_API_KEY"]').fill(KEY);
      await card.locator('[data-testid="config-realDebrid-save"]').click();
      const source = card.locator('[data-testid="config-source"]');
      await expect.poll(() => source.getAttribute('data-source')).toBe('database');
      // Write-only: the field is empty again, and the page never holds the key.
      expect(await card.locator('input[name="REAL_DEBRID_API_KEY"]').inputValue()).toBe('');
      await page.locator('[data-testid="realdebrid-test"]').click();
      await expect.poll(() => account.getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
      expect(await account.textContent()).toMatch(/Compte : .+ · Premium jusqu’au/);

      const bot = page.locator('[data-testid="config-telegram"]');
      await expect.poll(() => bot.locator('h2').textContent()).toBe('Bot Telegram');
      const state = page.locator('[data-testid="telegram-bot-state"]');
      await expect.poll(() => state.textContent()).toContain('le bot est arrêté');
      await bot.locator('input[name="TELEGRAM_BOT_TOKEN"]').fill(tg.token);
      await bot.locator('[data-testid="config-telegram-save"]').click();
      await expect
        .poll(
          async () => {
            await page.locator('[data-testid="telegram-bot-refresh"]').click();
            return state.textContent();
          },
          { timeout: 30_000 },
        )
        .toBe(`Le bot tourne : @${tg.bot.username}`);
      expect(await page.content()).not.toContain(KEY);
      expect(await page.content()).not.toContain(tg.token);
      await screenshot(page, 'settings-services-fr');
    } finally {
      await page.close();
    }
  });

  it('words the sections in English', { timeout: 60_000 }, async () => {
    const page = await openSettings('en-GB');
    try {
      // The account's saved language wins over the browser's: switch it, as a user would.
      await page.click('[data-testid="lang-en"]');
      await expect
        .poll(() => page.locator('[data-testid="config-realDebrid"] h2').textContent())
        .toBe('Real-Debrid account');
      await page.locator('[data-testid="realdebrid-test"]').click();
      await expect
        .poll(() => page.locator('[data-testid="realdebrid-account"]').textContent(), { timeout: 20_000 })
        .toMatch(/Account: .+ · Premium until/);
      expect(await page.locator('[data-testid="config-telegram"] h2').textContent()).toBe('Telegram bot');
      await expect
        .poll(() => page.locator('[data-testid="telegram-bot-state"]').textContent())
        .toBe(`The bot runs: @${tg.bot.username}`);
    } finally {
      await page.close();
    }
  });
});
