import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ErrorBody,
  TELEGRAM_SECRET_HEADER,
  type TelegramLinkList,
  type TelegramStatus,
  type TokenPair,
  type User,
} from '@sokoul/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { telegramWebhookSecret } from '../../launcher/src/secrets.js';
import type { Stack } from '../../launcher/src/stack.js';
import { adminSession, api, memberSession, PASSWORD, stack } from '../helpers/api.js';
import { launchBrowser, screenshot, signIn } from '../helpers/browser.js';
import { commandUpdate, type FakeTelegram, startFakeTelegram } from '../helpers/fake-telegram.js';
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
 * Telegram in Settings, in the browser: on a stack with a bot (the fake Bot API, webhook mode as
 * PUBLIC_URL is set, so the test delivers updates to /telegram/webhook as Telegram would, with
 * the secret the launcher derives) a member
 * asks for a code, the test sends `/start <code>` from "their phone", the chat appears, a
 * notification is muted and stays muted, the chat is unlinked; in English with a group; an admin
 * sees everyone's links and unlinks one. The shared stack has no token: it shows the explanation.
 */
let fake: FakeTelegram;
let own: Stack | undefined;
let info: StackInfo;
let databaseUrl: string | undefined;
let browser: Browser;
let secret: string;

beforeAll(async () => {
  fake = await startFakeTelegram();
  databaseUrl = await createTestDatabase('sokoul_tg_web');
  const launched = await launchStack({
    ...tmdbSettings(inject('tmdb'), FAKE_V3_KEY),
    DATABASE_URL: databaseUrl,
    REDIS_URL: MACHINE_REDIS,
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    PUBLIC_URL: 'https://sokoul.example.test',
  });
  own = launched.stack;
  info = launched.info;
  // What the launcher gives the app and torrent-node (derived from the stack's signing key).
  const secrets = JSON.parse(readFileSync(join(info.dataDir, 'secrets.json'), 'utf8')) as {
    INTERNAL_SIGNING_KEY: string;
  };
  secret = telegramWebhookSecret({}, secrets.INTERNAL_SIGNING_KEY);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await own?.stop();
  await fake?.stop();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
});

async function openPage(locale: 'fr-FR' | 'en-GB'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale });
  page.setDefaultTimeout(15_000);
  return page;
}

/** An update as Telegram posts it to the webhook. */
async function deliver(update: object): Promise<void> {
  const res = await api('POST', '/telegram/webhook', {
    base: info.url,
    body: update,
    headers: { [TELEGRAM_SECRET_HEADER]: secret },
  });
  expect(res.status).toBe(200);
}

const status = async (user: TokenPair, base = info.url) =>
  (await api<TelegramStatus>('GET', '/telegram', { base, token: user.accessToken })).body;

/** torrent-node asked Telegram who the bot is (getMe) when it started: the app knows its name. */
async function botKnown(user: TokenPair): Promise<void> {
  await expect
    .poll(async () => (await status(user)).botUsername, { timeout: 20_000 })
    .toBe(fake.bot.username);
}

/** Opens Settings and scrolls to the Telegram card. */
async function telegramCard(page: Page, base: string) {
  await page.goto(`${base}/settings`);
  const card = page.locator('[data-testid="telegram"]');
  await card.waitFor();
  // The card shows before its status has arrived (it read "TelegramChargement…" once on CI).
  await expect.poll(() => card.textContent(), { timeout: 15_000 }).not.toMatch(/Chargement…|Loading…/);
  await card.scrollIntoViewIfNeeded();
  return card;
}

/** Clicks "Lier Telegram" and reads the code shown. */
async function askCode(page: Page): Promise<string> {
  const card = page.locator('[data-testid="telegram"]');
  await card.locator('[data-testid="telegram-link"]').click();
  const code = (await card.locator('[data-testid="telegram-code-value"]').textContent()) ?? '';
  expect(code).toMatch(/^\S{6,}$/);
  expect(await card.locator('[data-testid="telegram-open"]').getAttribute('href')).toBe(
    `https://t.me/${fake.bot.username}?start=${code}`,
  );
  expect(await card.locator('[data-testid="telegram-command"]').textContent()).toBe(`/start ${code}`);
  return code;
}

const kind = (page: Page, name: string) => page.locator(`[data-testid="telegram-kind"][data-kind="${name}"]`);

describe('Telegram in Settings', () => {
  it('links a chat with a code from the browser, mutes a notification and unlinks it (French)', {
    timeout: 90_000,
  }, async () => {
    await adminSession(info.url);
    const member = await memberSession('tg-fr', info.url);
    await botKnown(member);
    const page = await openPage('fr-FR');
    try {
      await signIn(page, info.url, member.user.email, PASSWORD);
      const card = await telegramCard(page, info.url);
      expect(await card.textContent()).toContain('Liez Telegram à votre compte');
      expect(await card.locator('[data-testid="telegram-bot"]').textContent()).toBe(
        `Bot : @${fake.bot.username}`,
      );
      expect(await card.locator('[data-testid="telegram-no-links"]').textContent()).toBe(
        'Aucune discussion Telegram liée.',
      );
      // Members choose among their own notifications; server alerts are for admins.
      expect(await page.locator('[data-testid="telegram-kind"]').count()).toBe(3);
      expect(await kind(page, 'alert').count()).toBe(0);
      expect(await kind(page, 'download.completed').isChecked()).toBe(true);
      expect(await card.locator('label', { has: kind(page, 'download.completed') }).textContent()).toBe(
        'Téléchargement terminé',
      );
      expect(await card.locator('[data-testid="telegram-all-links"]').count()).toBe(0);

      const code = await askCode(page);
      expect(await card.locator('[data-testid="telegram-link"]').textContent()).toBe('Nouveau code');
      // A 600 s code: "Valable jusqu’à 14:32 (encore 9 min 58 s)".
      expect(await card.locator('[data-testid="telegram-expiry"]').textContent()).toMatch(
        /^Valable jusqu’à \d{2}:\d{2} \(encore (10 min 00|9 min [0-5]\d) s\) · En attente de Telegram…$/,
      );
      expect(await card.locator('[data-testid="telegram-code"]').textContent()).toContain(
        `envoyez /start@${fake.bot.username} ${code} dans le groupe`,
      );
      await screenshot(page, 'telegram-settings-code-fr');

      // The member taps the link on their phone: Telegram posts `/start <code>` to the webhook.
      await deliver(
        commandUpdate({ chatId: 5101, fromId: 5101, text: `/start ${code}`, languageCode: 'fr' }),
      );
      const row = card.locator('[data-testid="telegram-link-row"]');
      await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
      expect(await row.textContent()).toMatch(/user5101.* · discussion privée · liée le /);
      expect(await card.locator('[data-testid="telegram-done"]').textContent()).toMatch(
        /^Discussion liée : .*user5101.*\.$/,
      );
      expect(await card.locator('[data-testid="telegram-code"]').count()).toBe(0);
      // The bot answered in the chat (through the outbox and torrent-node's sender).
      await fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === 5101, 15_000);
      expect((await status(member)).links).toEqual([
        expect.objectContaining({ userId: member.user.id, chatId: 5101, chatType: 'private' }),
      ]);

      // Muting a notification is saved at once and still there after a reload.
      await kind(page, 'download.completed').uncheck();
      await expect
        .poll(() => card.locator('[data-testid="telegram-notifications"]').textContent())
        .toContain('Notifications enregistrées.');
      expect((await status(member)).muted).toEqual(['download.completed']);
      await page.reload();
      await page.locator('[data-testid="telegram-link-row"]').waitFor();
      expect(await kind(page, 'download.completed').isChecked()).toBe(false);
      expect(await kind(page, 'download.failed').isChecked()).toBe(true);
      await page.locator('[data-testid="telegram"]').scrollIntoViewIfNeeded();
      await screenshot(page, 'telegram-settings-linked-fr');

      await page.locator('[data-testid="telegram-unlink"]').click();
      await page.locator('[data-testid="telegram-no-links"]').waitFor();
      expect(await page.locator('[data-testid="telegram-done"]').textContent()).toMatch(
        /^Discussion déliée : .*user5101.*\.$/,
      );
      expect((await status(member)).links).toEqual([]);
      // Muting is the account's, not the chat's: it stays.
      expect((await status(member)).muted).toEqual(['download.completed']);
    } finally {
      await page.close();
    }
  });

  it('links a group in English, keeps it from other members, and lets an admin see and unlink it', {
    timeout: 90_000,
  }, async () => {
    const admin = await adminSession(info.url);
    const member = await memberSession('tg-en', info.url);
    const other = await memberSession('tg-other', info.url);
    await botKnown(member);
    const page = await openPage('en-GB');
    let linkId = '';
    try {
      await signIn(page, info.url, member.user.email, PASSWORD);
      await page.click('[data-testid="lang-en"]');
      await expect
        .poll(
          async () =>
            (await api<User>('GET', '/auth/me', { base: info.url, token: member.accessToken })).body.locale,
        )
        .toBe('en');
      const card = await telegramCard(page, info.url);
      expect(await card.textContent()).toContain('Link Telegram to your account');
      expect(await card.locator('[data-testid="telegram-link"]').textContent()).toBe('Link Telegram');
      const code = await askCode(page);
      expect(await card.locator('[data-testid="telegram-expiry"]').textContent()).toMatch(
        /^Valid until \d{2}:\d{2} \((10 min 00|9 min [0-5]\d) s left\) · Waiting for Telegram…$/,
      );
      await screenshot(page, 'telegram-settings-code-en');

      // In a group, the command names the bot.
      await deliver(
        commandUpdate({
          chatId: -1005102,
          fromId: 5102,
          chatType: 'supergroup',
          text: `/start@${fake.bot.username} ${code}`,
          languageCode: 'en',
        }),
      );
      const row = card.locator('[data-testid="telegram-link-row"]');
      await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
      expect(await row.textContent()).toMatch(/^Groupe 1005102 · supergroup · linked on /);
      expect(await card.locator('[data-testid="telegram-done"]').textContent()).toBe(
        'Chat linked: Groupe 1005102.',
      );
      expect(await card.locator('[data-testid="telegram-unlink"]').getAttribute('aria-label')).toBe(
        'Unlink Groupe 1005102',
      );
      expect(await card.locator('label', { has: kind(page, 'download.stalled') }).textContent()).toBe(
        'Download stalled',
      );
      await screenshot(page, 'telegram-settings-linked-en');
      linkId = (await status(member)).links[0]?.id ?? '';
      expect(linkId).not.toBe('');
    } finally {
      await page.close();
    }

    // Another member neither sees nor removes it, nor lists everyone's.
    expect((await status(other)).links).toEqual([]);
    const refused = await api<ErrorBody>('DELETE', `/telegram/links/${linkId}`, {
      base: info.url,
      token: other.accessToken,
    });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('not_found');
    const list = await api<ErrorBody>('GET', '/admin/telegram/links', {
      base: info.url,
      token: other.accessToken,
    });
    expect(list.status).toBe(403);
    expect(list.body.error.code).toBe('forbidden');
    expect((await status(member)).links.map((l) => l.id)).toEqual([linkId]);

    // The admin sees every link with whose it is, and unlinks it.
    const adminPage = await openPage('fr-FR');
    try {
      await signIn(adminPage, info.url, admin.user.email, PASSWORD);
      const card = await telegramCard(adminPage, info.url);
      expect(await kind(adminPage, 'alert').count()).toBe(1);
      expect(await card.locator('label', { has: kind(adminPage, 'alert') }).textContent()).toBe(
        'Alertes du serveur (administrateurs)',
      );
      expect(await card.textContent()).toContain('Telegram envoie les messages à Sokoul (webhook');
      const all = card.locator('[data-testid="telegram-all-links"]');
      expect(await all.textContent()).toContain('1 discussion liée');
      const row = all.locator('[data-testid="telegram-all-row"]');
      expect(await row.count()).toBe(1);
      expect(await row.locator('td').allTextContents()).toEqual([
        member.user.displayName,
        'Groupe 1005102',
        'supergroupe',
        expect.stringMatching(/\d{4}/),
        'Délier',
      ]);
      await all.scrollIntoViewIfNeeded();
      await screenshot(adminPage, 'telegram-settings-admin-fr');
      await row.locator('[data-testid="telegram-admin-unlink"]').click();
      await expect.poll(() => row.count()).toBe(0);
      expect(await all.textContent()).toContain('0 discussion liée');
    } finally {
      await adminPage.close();
    }
    expect((await status(member)).links).toEqual([]);
    const everyone = await api<TelegramLinkList>('GET', '/admin/telegram/links', {
      base: info.url,
      token: admin.accessToken,
    });
    expect(everyone.body.links).toEqual([]);
  });

  it('explains, on a server without a bot token, that an admin sets TELEGRAM_BOT_TOKEN', {
    timeout: 60_000,
  }, async () => {
    const member = await memberSession('tg-none');
    const refused = await api<ErrorBody>('POST', '/telegram/link-code', { token: member.accessToken });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('telegram_not_configured');
    expect(await status(member, stack().url)).toMatchObject({ configured: false, links: [] });
    const page = await openPage('fr-FR');
    try {
      await signIn(page, stack().url, member.user.email, PASSWORD);
      const card = await telegramCard(page, stack().url);
      const notice = card.locator('[data-testid="telegram-not-configured"]');
      expect(await notice.textContent()).toBe(
        'Aucun bot Telegram n’est configuré sur ce serveur. Un administrateur peut saisir le jeton du bot (celui que donne @BotFather) dans Paramètres → Bot Telegram.',
      );
      expect(await card.locator('[data-testid="telegram-link"]').count()).toBe(0);
      expect(await card.locator('[data-testid="telegram-notifications"]').count()).toBe(0);
      expect(await card.locator('[data-testid="telegram-no-links"]').count()).toBe(0);
      await screenshot(page, 'telegram-settings-none-fr');
      await page.click('[data-testid="lang-en"]');
      await expect
        .poll(() => notice.textContent())
        .toBe(
          'No Telegram bot is configured on this server. An administrator can enter the bot’s token (the one @BotFather gives) in Settings → Telegram bot.',
        );
      await screenshot(page, 'telegram-settings-none-en');
    } finally {
      await page.close();
    }
  });
});
