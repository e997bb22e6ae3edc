import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type {
  Download,
  DownloadDetail,
  DownloadList,
  Indexer,
  Media,
  SpeedLimits,
  StartedDownload,
  TokenPair,
  User,
} from '@sokoul/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, api, memberSession, PASSWORD, stack } from '../helpers/api.js';
import { makeTorrent, startAria2, startTracker } from '../helpers/bittorrent.js';
import { launchBrowser, screenshot, signIn } from '../helpers/browser.js';
import { JACKETT_CAPS } from '../helpers/fake-indexer.js';

/**
 * Downloads in the browser: "Download" in the releases panel starts it in place, the Downloads page
 * follows it (state in words, actions, the removal's confirmation), in French and English, on a
 * phone. Downloads made here without a seeder never receive bytes: they wait for metadata; the
 * last one is a real torrent seeded on loopback (aria2c), downloaded, checked and imported.
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const QUEUED_OR_METADATA_FR = /En file d’attente|Récupération des métadonnées|Téléchargement/;

/** The shared stack's Matrix (TMDB 603) as a Sokoul title. */
async function matrix(token: string): Promise<Media> {
  const res = await api<Media>('POST', '/media', { token, body: { tmdbId: 603, type: 'movie' } });
  expect([200, 201]).toContain(res.status);
  return res.body;
}

/** A download of a torrent nobody seeds: it stays queued or waiting for its metadata. */
async function unseeded(user: TokenPair, name: string): Promise<Download> {
  const media = await matrix(user.accessToken);
  const hash = randomBytes(20).toString('hex');
  const res = await api<StartedDownload>('POST', '/downloads', {
    token: user.accessToken,
    body: { magnetUrl: `magnet:?xt=urn:btih:${hash}&dn=${name}`, mediaId: media.id, name },
  });
  expect(res.status).toBe(202);
  return res.body.download;
}

async function listOf(user: TokenPair): Promise<Download[]> {
  const res = await api<DownloadList>('GET', '/downloads', { token: user.accessToken });
  expect(res.status).toBe(200);
  return res.body.downloads;
}

/** A film no other test searches (fake TMDB), so this file's indexer and download stay its own. */
const OPPENHEIMER = 872585;
const RELEASE = 'Oppenheimer.2023.720p.WEB-DL.x264-SOKOUL';
const SEEDED = `${RELEASE}.mkv`;

/**
 * Ten seconds of 720p H.264 and AAC, noisy so that it weighs a few MB (ffmpeg's plain test pattern
 * compresses to a few hundred KB): the download takes a moment, not long.
 */
async function writeNoisyVideo(path: string): Promise<void> {
  await promisify(execFile)('ffmpeg', [
    ...['-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'testsrc2=duration=10:size=1280x720:rate=25,noise=alls=20:allf=t'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=10'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '3M', '-maxrate', '3M', '-bufsize', '6M'],
    ...['-c:a', 'aac', '-shortest', path],
  ]);
}

/** A Torznab indexer with one release for Oppenheimer: the seeded torrent's magnet (no size given). */
async function startSeedIndexer(
  magnet: string,
  infoHash: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const escaped = magnet.replace(/&/g, '&amp;');
  const feed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:torznab="http://torznab.com/schemas/2015/feed">
  <channel>
    <title>Seeded</title>
    <item>
      <title>${RELEASE}</title>
      <guid>seeded-${infoHash}</guid>
      <pubDate>Mon, 01 Jan 2024 12:00:00 +0000</pubDate>
      <link>${escaped}</link>
      <category>2000</category>
      <torznab:attr name="category" value="2000" />
      <torznab:attr name="seeders" value="12" />
      <torznab:attr name="peers" value="12" />
      <torznab:attr name="infohash" value="${infoHash}" />
      <torznab:attr name="magneturl" value="${escaped}" />
      <torznab:attr name="imdbid" value="tt0${OPPENHEIMER}" />
      <torznab:attr name="tmdbid" value="${OPPENHEIMER}" />
    </item>
  </channel>
</rss>`;
  const server = createServer((req, res) => {
    const t = new URL(req.url ?? '/', 'http://x').searchParams.get('t');
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
    res.end(t === 'caps' ? JACKETT_CAPS : feed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const row = (page: Page, id: string) => page.locator(`[data-testid="download"][data-id="${id}"]`);

describe('downloads in the browser', () => {
  it('starts a download from the releases panel in place, then follows it on the Downloads page and the film page', {
    timeout: 90_000,
  }, async () => {
    // Another file may have started these releases for someone else (409 already_downloading).
    const admin = await adminSession();
    const media = await matrix(admin.accessToken);
    const others = await api<DownloadList>('GET', `/downloads?all=true&mediaId=${media.id}`, {
      token: admin.accessToken,
    });
    for (const d of others.body.downloads)
      await api('DELETE', `/downloads/${d.id}?deleteData=true`, { token: admin.accessToken });

    const user = await memberSession('downloads-ui');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    await signIn(page, stack().url, user.user.email, PASSWORD);
    await page.goto(`${stack().url}/movie/603`);
    await page.click('[data-testid="find-releases"]');
    const rows = page.locator('[data-testid="release"]');
    await expect.poll(() => rows.count()).toBe(2);
    const first = rows.first();
    const before = page.url();
    await first.locator('[data-testid="release-download"]').click();
    const state = first.locator('[data-testid="release-download-state"]');
    await expect.poll(() => state.textContent()).toMatch(QUEUED_OR_METADATA_FR);
    // Never left Sokoul (no magnet: navigation), and the button is gone once it is started.
    expect(page.url()).toBe(before);
    expect(await first.locator('[data-testid="release-download"]').count()).toBe(0);
    await screenshot(page, 'downloads-release-started');

    const [started] = await listOf(user);
    expect(started?.mediaTitle).toBe('Matrix');
    expect(started?.name).toContain('The.Matrix.1999');

    // The film's page lists it.
    await expect
      .poll(() => page.locator('[data-testid="title-download-state"]').first().textContent())
      .toMatch(QUEUED_OR_METADATA_FR);

    // The state links to the Downloads page, where it is one of the rows.
    await state.click();
    await page.waitForURL(`${stack().url}/downloads`);
    const item = row(page, started?.id ?? '');
    await expect
      .poll(() => item.locator('[data-testid="download-state"]').textContent())
      .toMatch(QUEUED_OR_METADATA_FR);
    expect(await item.locator('[data-testid="download-title"]').textContent()).toBe('Matrix');
    // Its title links back to the film's page (through /title/:mediaId).
    await item.locator('[data-testid="download-title"]').click();
    await page.waitForURL(`${stack().url}/movie/603`);
    await page.close();
    await api('DELETE', `/downloads/${started?.id}?deleteData=true`, { token: user.accessToken });
  });

  it('pauses, resumes, moves to the front and removes with a confirmation, by mouse and keyboard', {
    timeout: 60_000,
  }, async () => {
    const user = await memberSession('downloads-actions');
    const one = await unseeded(user, 'Sokoul.Test.One.1080p');
    const two = await unseeded(user, 'Sokoul.Test.Two.1080p');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    await signIn(page, stack().url, user.user.email, PASSWORD);
    await page.getByRole('link', { name: 'Téléchargements' }).click();
    await page.waitForURL(`${stack().url}/downloads`);
    expect(await page.locator('h1').textContent()).toBe('Téléchargements');
    await expect.poll(() => page.locator('[data-testid="download"]').count()).toBe(2);

    const first = row(page, one.id);
    await first.locator('[data-testid="download-pause"]').click();
    await expect.poll(() => first.getAttribute('data-state')).toBe('paused');
    expect(await first.locator('[data-testid="download-state"]').textContent()).toBe('En pause (par vous)');
    expect((await listOf(user)).find((d) => d.id === one.id)?.state).toBe('paused');
    await screenshot(page, 'downloads-paused');

    await first.locator('[data-testid="download-resume"]').click();
    await expect.poll(() => first.getAttribute('data-state')).not.toBe('paused');
    expect(await first.locator('[data-testid="download-state"]').textContent()).toMatch(
      QUEUED_OR_METADATA_FR,
    );

    // Moving to the front is offered to queued ones only.
    const second = row(page, two.id);
    if ((await second.getAttribute('data-state')) === 'queued') {
      await second.locator('[data-testid="download-front"]').click();
      await expect
        .poll(() => second.locator('[data-testid="download-state"]').textContent())
        .toMatch(/En file d’attente \(position 1\)|Récupération des métadonnées/);
    }

    // Remove, cancelled with Escape: nothing changes.
    await first.locator('[data-testid="download-remove"]').focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('[data-testid="remove-dialog"]');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain('Retirer ce téléchargement ?');
    expect(await dialog.textContent()).toContain('Supprimer aussi les fichiers téléchargés');
    await screenshot(page, 'downloads-remove-dialog');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await first.count()).toBe(1);

    // Remove, confirmed, with its files.
    await first.locator('[data-testid="download-remove"]').click();
    await page.check('[data-testid="remove-delete-data"]');
    await page.click('[data-testid="remove-confirm"]');
    await expect.poll(() => first.count()).toBe(0);
    expect((await listOf(user)).map((d) => d.id)).toEqual([two.id]);

    await second.locator('[data-testid="download-remove"]').click();
    await page.click('[data-testid="remove-confirm"]');
    await expect
      .poll(() => page.locator('[data-testid="downloads-empty"]').textContent())
      .toMatch(/^Aucun téléchargement\./);
    expect(await listOf(user)).toEqual([]);
    await page.close();
  });

  it('words everything in English and fits a phone', { timeout: 60_000 }, async () => {
    const user = await memberSession('downloads-phone');
    const page = await browser.newPage({ viewport: { width: 375, height: 812 }, locale: 'en-GB' });
    page.setDefaultTimeout(15_000);
    await signIn(page, stack().url, user.user.email, PASSWORD);
    await page.click('[data-testid="lang-en"]');
    // The choice is saved to the profile, which a fresh page load reads: wait for it to be stored.
    await expect
      .poll(async () => (await api<User>('GET', '/auth/me', { token: user.accessToken })).body.locale)
      .toBe('en');
    await page.goto(`${stack().url}/downloads`);
    await expect
      .poll(() => page.locator('[data-testid="downloads-empty"]').textContent())
      .toMatch(/^No downloads\./);
    expect(await page.locator('[data-testid="blocklist"]').textContent()).toContain('No refused releases.');

    const one = await unseeded(user, 'Sokoul.Phone.Test.2160p');
    await page.reload();
    const item = row(page, one.id);
    await expect
      .poll(() => item.locator('[data-testid="download-state"]').textContent())
      .toMatch(/^(Queued|Fetching metadata|Downloading)/);
    expect(await item.locator('[data-testid="download-remove"]').textContent()).toBe('Remove');
    await item.locator('[data-testid="download-pause"]').click();
    await expect
      .poll(() => item.locator('[data-testid="download-state"]').textContent())
      .toBe('Paused (by you)');
    // Nothing wider than the screen: no sideways scrolling on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const box = await item.boundingBox();
    expect(box?.width ?? 0).toBeLessThanOrEqual(375);
    await screenshot(page, 'downloads-phone');

    await item.locator('[data-testid="download-remove"]').click();
    const dialog = page.locator('[data-testid="remove-dialog"]');
    expect(await dialog.textContent()).toContain('Remove this download?');
    expect(await dialog.textContent()).toContain('Also delete the downloaded files');
    await screenshot(page, 'downloads-phone-dialog');
    await page.click('[data-testid="remove-confirm"]');
    await expect.poll(() => item.count()).toBe(0);
    await page.click('[data-testid="lang-fr"]');
    await page.close();
  });

  it('downloads a seeded film from the releases panel, shows its progress and the film available', {
    timeout: 180_000,
  }, async () => {
    const admin = await adminSession();
    const work = mkdtempSync(join(tmpdir(), 'sokoul-e2e-seed-'));
    // Undone in reverse order whatever happens; a failing clean-up fails a test that passed.
    const cleanups: (() => Promise<unknown>)[] = [async () => rmSync(work, { recursive: true, force: true })];
    const failures: unknown[] = [];
    try {
      // A real 720p video, a torrent of it announced to a local tracker, aria2c seeding it.
      await writeNoisyVideo(join(work, SEEDED));
      const tracker = await startTracker();
      cleanups.unshift(() => tracker.close());
      const made = await makeTorrent(work, SEEDED, { announce: [tracker.announce] });
      const seeder = await startAria2(made);
      cleanups.unshift(() => seeder.kill());
      const original = readFileSync(join(work, SEEDED));
      expect(original.length).toBeGreaterThan(1024 * 1024);

      // A Torznab indexer whose one release for Oppenheimer carries the magnet.
      const feed = await startSeedIndexer(made.magnet, made.infoHash);
      cleanups.unshift(() => feed.close());
      const indexer = await api<Indexer>('POST', '/admin/indexers', {
        token: admin.accessToken,
        body: { name: 'Seeded', url: feed.url },
      });
      expect(indexer.status).toBe(201);
      cleanups.unshift(async () => {
        const removed = await api('DELETE', `/admin/indexers/${indexer.body.id}`, {
          token: admin.accessToken,
        });
        expect(removed.status).toBe(204);
      });

      const user = await memberSession('downloads-seeded');
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
      cleanups.unshift(() => page.close());
      page.setDefaultTimeout(15_000);
      await signIn(page, stack().url, user.user.email, PASSWORD);
      await page.goto(`${stack().url}/movie/${OPPENHEIMER}`);
      await page.click('[data-testid="find-releases"]');
      const release = page.locator('[data-testid="release"]', { hasText: RELEASE });
      await expect.poll(() => release.count()).toBe(1);
      const before = page.url();
      await release.locator('[data-testid="release-download"]').click();
      const state = release.locator('[data-testid="release-download-state"]');
      await expect
        .poll(() => state.textContent())
        .toMatch(/En file d’attente|Récupération des métadonnées|Téléchargement|Terminé/);
      expect(page.url()).toBe(before);
      expect(await release.locator('[data-testid="release-download"]').count()).toBe(0);

      const [started] = await listOf(user);
      expect(started?.name).toBe(RELEASE);
      expect(started?.mediaTitle).toBe('Oppenheimer');
      const id = started?.id ?? '';
      cleanups.unshift(async () => {
        const detail = await api<DownloadDetail>('GET', `/downloads/${id}`, { token: admin.accessToken });
        // The imported file's row too: the library copy would outlive the download otherwise.
        for (const file of detail.body.files ?? []) {
          if (!file.mediaFile) continue;
          const forgotten = await api(
            'DELETE',
            `/media/${file.mediaFile.mediaId}/files/${file.mediaFile.id}`,
            {
              token: admin.accessToken,
            },
          );
          expect(forgotten.status).toBe(204);
        }
        const removed = await api('DELETE', `/downloads/${id}?deleteData=true`, { token: admin.accessToken });
        expect(removed.status).toBe(204);
      });

      // The Downloads page follows it until it is done: its bar full, all its bytes received.
      await state.click();
      await page.waitForURL(`${stack().url}/downloads`);
      const item = row(page, id);
      const bar = item.locator('[role="progressbar"]');
      // Polled from the page (no timing asserted); a failure ends the wait with its reason.
      const seen: string[] = [];
      for (const deadline = Date.now() + 120_000; ; ) {
        const current = (await item.getAttribute('data-state')) ?? '';
        const percent = (await bar.getAttribute('aria-valuenow')) ?? '';
        if (seen.at(-1) !== `${current} ${percent}`) seen.push(`${current} ${percent}`);
        if (current === 'seeding' || current === 'completed') break;
        if (current === 'failed' || Date.now() > deadline) {
          const detail = await api<DownloadDetail>('GET', `/downloads/${id}`, { token: admin.accessToken });
          throw new Error(
            `the download did not finish (seen: ${seen.join(', ')}): ${JSON.stringify(detail.body)}`,
          );
        }
        await page.waitForTimeout(250);
      }
      expect(await bar.getAttribute('aria-valuenow')).toBe('100');
      expect(await item.locator('[data-testid="download-state"]').textContent()).toMatch(
        /^Terminé(, en partage)?$/,
      );
      const sizes = (await item.locator('[data-testid="download-sizes"]').textContent()) ?? '';
      const [doneText, totalText] = sizes.split(' sur ');
      expect(doneText).toBe(totalText);
      await screenshot(page, 'downloads-seeded-done');

      // The bytes on disk are the seeded ones.
      const detail = await api<DownloadDetail>('GET', `/downloads/${id}`, { token: admin.accessToken });
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({ bytesDone: original.length, bytesTotal: original.length });
      const [file] = detail.body.files;
      expect(file?.path).toBe(SEEDED);
      expect(detail.body.savePath).not.toBeNull();
      const saved = readFileSync(join(detail.body.savePath ?? '', file?.path ?? ''));
      expect(saved.equals(original)).toBe(true);
      // And it was imported as the film's video.
      expect(file?.role).toBe('video');
      expect(file?.mediaFile).toMatchObject({
        mediaId: started?.mediaId,
        downloadId: id,
        resolution: '720p',
      });

      // The film's page: available, with its imported file (resolution, codecs).
      await item.locator('[data-testid="download-title"]').click();
      await page.waitForURL(`${stack().url}/movie/${OPPENHEIMER}`);
      await expect
        .poll(() => page.locator('[data-testid="title-available"]').textContent())
        .toMatch(/Disponible/);
      const imported = page.locator('[data-testid="title-file"]');
      expect(await imported.count()).toBe(1);
      expect(await imported.textContent()).toContain(SEEDED);
      const facts = (await imported.locator('[data-testid="title-file-facts"]').textContent()) ?? '';
      // "720p WEB-DL · 3,7 Mo · H.264 · AAC · mkv": probed from the file, not read from its name.
      expect(facts).toMatch(/720p/);
      expect(facts).toMatch(/H\.264/);
      expect(facts).toMatch(/AAC/);
      expect(facts).toMatch(/mkv$/);
      await imported.scrollIntoViewIfNeeded();
      await screenshot(page, 'downloads-seeded-available');
    } finally {
      for (const cleanup of cleanups) await cleanup().catch((error: unknown) => failures.push(error));
    }
    expect(failures).toEqual([]);
  });
  it('lets an administrator change the speed limits from the settings, applied without a restart', {
    timeout: 60_000,
  }, async () => {
    const admin = await adminSession();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    page.setDefaultTimeout(10_000);
    try {
      await signIn(page, stack().url, 'admin@example.test', PASSWORD);
      await page.goto(`${stack().url}/settings`);
      const form = page.locator('[data-testid="speed-limits"]');
      await form.waitFor();
      expect(await form.textContent()).toContain('Limites de vitesse des téléchargements');
      await form.locator('[data-testid="download-limit"]').fill('2,5');
      await form.locator('[data-testid="upload-limit"]').fill('0');
      await form.locator('[data-testid="speed-limits-save"]').click();
      await expect.poll(() => form.textContent()).toContain('Limites appliquées.');
      const stored = await api<SpeedLimits>('GET', '/admin/downloads/limits', { token: admin.accessToken });
      expect(stored.body).toEqual({ downloadLimit: 2_500_000, uploadLimit: 0 });
      // Shown again as typed, in megabytes per second.
      await page.reload();
      await expect.poll(() => form.locator('[data-testid="download-limit"]').inputValue()).toBe('2.5');
    } finally {
      await api('PUT', '/admin/downloads/limits', {
        token: admin.accessToken,
        body: { downloadLimit: 0, uploadLimit: 0 },
      });
      await page.close();
    }
  });
});
