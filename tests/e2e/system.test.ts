import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type SokoulEvent, Subjects } from '@sokoul/contracts';
import { clearAlert, openAlert, pruneChecks, saveCheck } from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import { connect, JSONCodec } from 'nats';
import type { Browser, Page } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, api, memberSession, PASSWORD, stack } from '../helpers/api.js';
import { ARTIFACTS, launchBrowser, signIn } from '../helpers/browser.js';

/**
 * The admin System page in the browser, on the shared stack: Sentinel's checks and an alert worded
 * in French and English, the jobs with "run now" answered by torrent-node, a backup taken from the
 * page, the restore dialog (cancelled: the shared database stays), the usage chart. Members have
 * neither the page nor its link.
 */
let browser: Browser;
let sql: postgres.Sql;
let db: ReturnType<typeof postgresDb>;
beforeAll(async () => {
  browser = await launchBrowser();
  sql = postgres(stack().databaseUrl, { max: 2, onnotice: () => {}, types: WIRE_TYPES });
  db = postgresDb(sql);
});
afterAll(async () => {
  await browser?.close();
  await sql?.end({ timeout: 2 });
});

/** The whole page, not only what fits the window: every section is looked at. */
const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const job = (page: Page, name: string) => page.locator(`[data-testid="job"][data-name="${name}"]`);

describe('the System page', () => {
  it('shows checks, alerts, jobs, backups and usage to an admin, in French and English', {
    timeout: 120_000,
  }, async () => {
    const admin = await adminSession();
    // Samples for the chart, and an alert with every parameter its wording names.
    const collected = await api('POST', '/admin/jobs/metrics.collect/run', { token: admin.accessToken });
    expect(collected.status).toBe(200);
    const cause = `test:${randomUUID()}`;
    await openAlert(db, {
      cause,
      level: 'warning',
      code: 'disk.low',
      params: { folder: 'downloads', path: '/srv/media', freeMb: 512, minFreeMb: 2048, totalMb: 100_000 },
      message: 'The downloads folder (/srv/media) has 512 MB free, below 2048 MB',
    });

    // A failing check of a node of its own (the stack's Sentinel prunes only its own node's checks).
    const checkId = `disk:e2e-${randomUUID()}`;
    const now = new Date().toISOString();
    await saveCheck(db, {
      id: checkId,
      kind: 'disk',
      subject: 'downloads',
      status: 'error',
      code: 'disk.low',
      params: { folder: 'downloads', path: '/srv/e2e', freeMb: 100, minFreeMb: 1024, totalMb: 50_000 },
      message: 'The downloads folder (/srv/e2e) has 100 MB free, below 1024 MB',
      impact: 'Downloads pause when the disk fills up; imports into the library fail.',
      fix: 'Free space.',
      nodeId: 'e2e-node',
      checkedAt: now,
      nextCheckAt: new Date(Date.now() + 120_000).toISOString(),
      failingSince: now,
      failures: 3,
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    await signIn(page, stack().url, admin.user.email, PASSWORD);
    await page.click('[data-testid="lang-fr"]');
    await page.getByRole('link', { name: 'Système' }).click();
    await page.waitForURL(`${stack().url}/system`);
    await expect.poll(() => page.title()).toBe('Système — Sokoul');

    // Sentinel's checks of the stack, worded in French.
    await expect.poll(() => page.locator('[data-testid="check"]').count()).toBeGreaterThan(3);
    const database = page.locator('[data-testid="check"][data-id="database"]');
    expect(await database.getAttribute('data-status')).toBe('ok');
    expect(await database.locator('h3').textContent()).toBe('Base de données');
    expect(await database.locator('[data-testid="check-message"]').textContent()).toBe('PostgreSQL répond.');

    // The failing one first, with why it matters and how to fix it, in French.
    const failing = page.locator('[data-testid="check"]').first();
    expect(await failing.getAttribute('data-id')).toBe(checkId);
    expect(await failing.locator('[data-testid="check-message"]').textContent()).toBe(
      'Le dossier downloads (/srv/e2e) n’a plus que 100\u00a0Mo libres, sous le seuil de 1\u00a0Go.',
    );
    expect(await failing.locator('.check-why').textContent()).toBe(
      'Pourquoi c’est important : Les téléchargements se mettent en pause quand le disque est plein ; les imports dans la bibliothèque échouent.',
    );
    expect(await failing.locator('.check-fix').textContent()).toMatch(
      /^Comment corriger : Libérez de la place/,
    );
    expect(await failing.locator('.check-times').textContent()).toContain('en échec depuis le');
    expect(await page.locator('[data-testid="checks-summary"]').textContent()).toMatch(
      /^\d+ vérifications? signalen?t? un problème\.$/,
    );

    // The open alert, with its sizes in French units.
    const alert = page.locator('[data-testid="alerts-open"] [data-testid="alert"]', {
      hasText: '/srv/media',
    });
    expect(await alert.locator('[data-testid="alert-message"]').textContent()).toBe(
      'Le dossier downloads (/srv/media) n’a plus que 512\u00a0Mo libres, sous le seuil de 2\u00a0Go.',
    );
    expect(await alert.locator('.badge').textContent()).toBe('Attention');

    // Every job, and one run from the page: its outcome in words once torrent-node answered.
    await expect.poll(() => page.locator('[data-testid="job"]').count()).toBe(6);
    expect(await job(page, 'metrics.collect').getAttribute('data-outcome')).toBe('ok');
    expect(await job(page, 'metrics.collect').locator('[data-testid="job-result"]').textContent()).toMatch(
      /^\d+ mesures enregistrées/,
    );
    const cleanup = job(page, 'searches.cleanup');
    const before = await cleanup.locator('td').nth(2).textContent();
    await cleanup.getByRole('button', { name: 'Lancer maintenant' }).click();
    await expect.poll(() => cleanup.getByRole('button').textContent()).toBe('Lancer maintenant');
    expect(await cleanup.getAttribute('data-outcome')).toBe('ok');
    expect(await cleanup.locator('td').nth(2).textContent()).not.toBe(before);
    expect(await cleanup.locator('td').nth(2).textContent()).toContain('lancée à la main');
    expect(await cleanup.locator('[data-testid="job-result"]').textContent()).toMatch(
      /^(Rien à supprimer\.|Éléments supprimés : .+\.)$/,
    );

    // A backup from the page, listed first; the restore dialog, cancelled.
    const backups = page.locator('[data-testid="backup"]');
    const count = await backups.count();
    await page.click('[data-testid="backup-create"]');
    await expect
      .poll(() => page.locator('.system-backups .success').textContent())
      .toMatch(/^Sauvegarde créée \([\d,]+\s(o|Ko|Mo)\)\.$/);
    await expect.poll(() => backups.count()).toBe(count + 1);
    expect(await backups.first().textContent()).toContain('manuelle');
    await backups.first().getByRole('button', { name: 'Restaurer' }).click();
    const dialog = page.locator('[data-testid="restore-dialog"]');
    expect(await dialog.locator('h2').textContent()).toBe('Restaurer cette sauvegarde ?');
    await page.click('[data-testid="restore-cancel"]');
    await expect.poll(() => dialog.count()).toBe(0);

    // Usage over time: the collector's samples of the downloads disk, as a line.
    await expect.poll(() => page.locator('[data-testid="chart"] polyline').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="chart"] circle.latest').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="usage-latest"]').textContent()).toMatch(/libres sur/);
    expect(await page.locator('[data-testid="versions"]').textContent()).toContain('PostgreSQL');
    await screenshot(page, 'system-fr');

    await page.click('[data-testid="lang-en"]');
    await expect.poll(() => page.locator('#checks-title').textContent()).toBe('Health');
    expect(await database.locator('[data-testid="check-message"]').textContent()).toBe('PostgreSQL answers.');
    // A count is worded in the form its number takes: "1 indexer", "2 indexers".
    const indexers = page.locator(
      '[data-testid="check"][data-id="indexer:discovery"] [data-testid="check-message"]',
    );
    expect(await indexers.textContent()).toMatch(
      /^(1 indexer configured|(0|[2-9]|\d{2,}) indexers configured)\.$/,
    );
    expect(await alert.locator('[data-testid="alert-message"]').textContent()).toBe(
      'The downloads folder (/srv/media) has 512\u00a0MB free, below 2\u00a0GB.',
    );
    expect(await cleanup.locator('[data-testid="job-result"]').textContent()).toMatch(
      /^(Nothing to remove\.|Removed: .+\.)$/,
    );
    expect(await cleanup.getByRole('button').textContent()).toBe('Run now');
    expect(await failing.locator('.check-fix').textContent()).toMatch(/^How to fix it: Free space \(remove/);
    expect(await page.locator('[data-testid="usage-latest"]').textContent()).toMatch(/free of/);
    await screenshot(page, 'system-en');
    await page.click('[data-testid="lang-fr"]');

    // Cleared elsewhere (another node's Sentinel): the alert event on the admin's socket makes the
    // page read it again, well before its 30 s refresh.
    await clearAlert(db, cause, 'Space is back');
    await pruneChecks(db, 'e2e-node', 'disk', []);
    const nc = await connect({ servers: stack().natsUrl, token: stack().natsToken });
    try {
      const event: SokoulEvent = {
        id: randomUUID(),
        ts: new Date().toISOString(),
        type: 'alert',
        data: { level: 'warning', message: 'Space is back', code: 'disk.low', cause, phase: 'cleared' },
      };
      nc.publish(Subjects.userEvents(admin.user.id), JSONCodec<SokoulEvent>().encode(event));
      await nc.flush();
    } finally {
      await nc.close();
    }
    const recent = page.locator('[data-testid="alerts-recent"] [data-testid="alert"]', {
      hasText: '/srv/media',
    });
    await expect.poll(() => recent.count()).toBe(1);
    expect(await recent.textContent()).toContain('Space is back');
    expect(await page.locator(`[data-testid="check"][data-id="${checkId}"]`).count()).toBe(0);
    await page.close();
  });

  it('is not there for members: no link, and /system leads home', async () => {
    const member = await memberSession('system-page');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    await signIn(page, stack().url, member.user.email, PASSWORD);
    expect(await page.locator('#main-nav a[href="/system"]').count()).toBe(0);
    await page.goto(`${stack().url}/system`);
    await page.waitForURL(`${stack().url}/`);
    expect(await page.locator('[data-testid="system-page"]').count()).toBe(0);
    await page.close();
  });
});
