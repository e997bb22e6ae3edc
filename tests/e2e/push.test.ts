import type { PushPayload, PushStatus, User } from '@sokoul/contracts';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, memberSession, PASSWORD, stack } from '../helpers/api.js';
import { launchBrowser, screenshot, signIn } from '../helpers/browser.js';
import {
  decryptAes128gcm,
  type FakePushService,
  startFakePushService,
  subscriptionKeys,
  subscriptionOf,
} from '../helpers/fake-push.js';

/**
 * Settings → "Notifications sur cet appareil" in Chromium. Headless Chromium has no push service to
 * subscribe with (it would ask Google's, unreachable here), so only PushManager's subscribe and
 * getSubscription are stood in for: they hand back a subscription to our own push service with
 * keys the test holds. Everything else is real: the permission, the service worker, the API,
 * torrent-node sending, and the body the push service receives is decrypted with those keys. The
 * service worker's push handler gets a message through DevTools' ServiceWorker.deliverPushMessage
 * and the notification it shows is read back.
 */
let browser: Browser;
let push: FakePushService;

beforeAll(async () => {
  browser = await launchBrowser();
  push = await startFakePushService();
});

afterAll(async () => {
  await browser?.close();
  await push?.stop();
});

/** PushManager without a push service: the subscription the test made, kept across reloads. */
function stubPushManager(subscription: { endpoint: string; keys: { p256dh: string; auth: string } }) {
  const KEY = 'test.pushSubscribed';
  const make = () => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true },
    getKey: () => null,
    toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
    unsubscribe: async () => {
      localStorage.removeItem(KEY);
      return true;
    },
  });
  const proto = PushManager.prototype as unknown as Record<string, unknown>;
  proto.subscribe = async (options: { applicationServerKey?: ArrayBufferView }) => {
    const bytes = options.applicationServerKey
      ? new Uint8Array(options.applicationServerKey.buffer as ArrayBuffer)
      : new Uint8Array();
    localStorage.setItem('test.applicationServerKey', Array.from(bytes).join(','));
    localStorage.setItem(KEY, '1');
    return make();
  };
  proto.getSubscription = async () => (localStorage.getItem(KEY) ? make() : null);
}

async function openSettings(
  context: BrowserContext,
  member: { user: { email: string }; accessToken: string },
  english = false,
): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await signIn(page, stack().url, member.user.email, PASSWORD);
  // The account's language wins over the browser's once signed in.
  if (english) {
    await page.click('[data-testid="lang-en"]');
    await expect
      .poll(async () => (await api<User>('GET', '/auth/me', { token: member.accessToken })).body.locale)
      .toBe('en');
  }
  await page.goto(`${stack().url}/settings`);
  // The service worker registers on load; the card needs it to subscribe.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  return page;
}

describe('web push in Settings', () => {
  it('turns notifications on for this device, tests, chooses kinds, shows a push, removes it', {
    timeout: 120_000,
  }, async () => {
    const member = await memberSession('push-ui');
    const keys = subscriptionKeys();
    const path = `/push/${crypto.randomUUID()}`;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    try {
      await context.grantPermissions(['notifications'], { origin: stack().url });
      await context.addInitScript(stubPushManager, subscriptionOf(`${push.origin}${path}`, keys));
      const page = await openSettings(context, member);
      const card = page.locator('[data-testid="push"]');
      await expect.poll(() => card.locator('h2').textContent()).toBe('Notifications sur cet appareil');
      await expect
        .poll(() => card.locator('[data-testid="push-no-devices"]').textContent())
        .toBe('Aucun appareil ne reçoit de notifications.');

      await card.locator('[data-testid="push-enable"]').click();
      await expect
        .poll(() => card.locator('[data-testid="push-done"]').textContent())
        .toBe('Notifications activées sur cet appareil.');
      const row = card.locator('[data-testid="push-device"]');
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.textContent()).toContain('cet appareil');
      // The page subscribed with the server's VAPID key.
      const status = (await api<PushStatus>('GET', '/push', { token: member.accessToken })).body;
      const used = await page.evaluate(() => localStorage.getItem('test.applicationServerKey'));
      expect(Buffer.from((used ?? '').split(',').map(Number)).toString('base64url')).toBe(status.publicKey);
      expect(status.devices).toHaveLength(1);
      expect(status.devices[0]?.label).toContain('Chrome');
      // A member is offered download notifications only (alerts are for admins).
      expect(await row.locator('[data-testid="push-kind"]').count()).toBe(1);
      expect(status.devices[0]?.kinds).toEqual(['download.ready']);

      await row.locator('[data-testid="push-test"]').click();
      const received = await push.next(path);
      const payload = JSON.parse(decryptAes128gcm(received.body, keys).toString()) as PushPayload;
      expect(payload).toMatchObject({
        tag: 'push-test',
        body: 'Les notifications fonctionnent sur cet appareil.',
      });
      await expect
        .poll(() => card.locator('[data-testid="push-done"]').textContent())
        .toBe('Notification de test envoyée.');

      const box = row.locator('[data-testid="push-kind"][data-kind="download.ready"]');
      await box.uncheck();
      await expect
        .poll(() => card.locator('[data-testid="push-done"]').textContent())
        .toBe('Préférences enregistrées.');
      const after = (await api<PushStatus>('GET', '/push', { token: member.accessToken })).body;
      expect(after.devices[0]?.kinds).toEqual([]);
      await screenshot(page, 'settings-push');

      // The service worker shows what a push carries, under its tag.
      const cdp = await context.newCDPSession(page);
      const registration = new Promise<string>((resolve) =>
        cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => {
          const found = event.registrations.find((r) => r.scopeURL.startsWith(stack().url) && !r.isDeleted);
          if (found) resolve(found.registrationId);
        }),
      );
      await cdp.send('ServiceWorker.enable');
      const shown: PushPayload = {
        kind: 'download.ready',
        title: 'Prêt à regarder',
        body: 'Le Push (2024)',
        url: '/watch/movie/603',
        tag: 'download-e2e',
      };
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin: new URL(stack().url).origin,
        registrationId: await registration,
        data: JSON.stringify(shown),
      });
      await expect
        .poll(() =>
          page.evaluate(async () =>
            (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
              title: n.title,
              body: n.body,
              tag: n.tag,
              url: (n.data as { url: string }).url,
            })),
          ),
        )
        .toEqual([
          { title: 'Prêt à regarder', body: 'Le Push (2024)', tag: 'download-e2e', url: '/watch/movie/603' },
        ]);

      await row.locator('[data-testid="push-remove"]').click();
      await expect.poll(() => card.locator('[data-testid="push-no-devices"]').count()).toBe(1);
      expect((await api<PushStatus>('GET', '/push', { token: member.accessToken })).body.devices).toEqual([]);
      // Unsubscribed here too: the button is back.
      await expect.poll(() => card.locator('[data-testid="push-enable"]').count()).toBe(1);
    } finally {
      await context.close();
    }
  });

  it('speaks English', async () => {
    const member = await memberSession('push-ui-en');
    const context = await browser.newContext({ locale: 'en-GB' });
    try {
      const page = await openSettings(context, member, true);
      const card = page.locator('[data-testid="push"]');
      await expect.poll(() => card.locator('h2').textContent()).toBe('Notifications on this device');
      expect(await card.locator('[data-testid="push-enable"]').textContent()).toBe('Turn on for this device');
      expect(await card.locator('[data-testid="push-no-devices"]').textContent()).toBe(
        'No device gets notifications.',
      );
    } finally {
      await context.close();
    }
  });
});
