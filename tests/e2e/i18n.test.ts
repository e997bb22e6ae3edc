import { DownloadEngineName, DownloadErrorCode, EngineState, type Task } from '@sokoul/contracts';
import { beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * The web app's wording helpers (plurals, units, labels, task outcomes), run in Node: the rules
 * come from Intl, as in the browser. The modules read the saved language on load, hence the stubs
 * before importing them.
 */
let i18n: typeof import('../../web/src/i18n.js');
let describeTask: typeof import('../../web/src/describe.js');
beforeAll(async () => {
  const saved = new Map<string, string>();
  vi.stubGlobal('localStorage', {
    getItem: (key: string) => saved.get(key) ?? null,
    setItem: (key: string, value: string) => saved.set(key, value),
  });
  vi.stubGlobal('document', { documentElement: { lang: '' } });
  i18n = await import('../../web/src/i18n.js');
  describeTask = await import('../../web/src/describe.js');
});

/** Runs `check` in each language. */
function inBoth(check: (lang: 'fr' | 'en') => void): void {
  for (const lang of ['fr', 'en'] as const) {
    i18n.setLocale(lang);
    check(lang);
  }
}

const NBSP = '\u00a0';
const GB = 1024 ** 3;

describe('plurals', () => {
  it('follows each language’s rules, 0 and 1 being singular in French only', () => {
    i18n.setLocale('fr');
    const kept = (n: number, total: number) => i18n.tn('releases.kept', n, { total: String(total) });
    expect(kept(0, 4)).toBe('0 release retenue sur 4');
    expect(kept(1, 1)).toBe('1 release retenue sur 1');
    expect(kept(2, 5)).toBe('2 releases retenues sur 5');
    // Thousands grouped the French way; "many" (millions) takes the plural form.
    expect(i18n.tn('catalog.episodes', 1500)).toBe('1\u202f500 épisodes');
    expect(i18n.tn('catalog.episodes', 1_000_000)).toBe('1\u202f000\u202f000 épisodes');
    expect(i18n.tn('releases.showRejected', 1)).toBe('Voir la release écartée');
    i18n.setLocale('en');
    expect(kept(0, 4)).toBe('0 releases kept of 4');
    expect(kept(1, 4)).toBe('1 release kept of 4');
    expect(i18n.tn('catalog.episodes', 1500)).toBe('1,500 episodes');
  });
});

describe('units and labels', () => {
  it('writes sizes with the language’s units, never mixed', () => {
    inBoth((lang) => {
      const fr = lang === 'fr';
      expect(i18n.formatBytes(9 * GB)).toBe(`9${NBSP}${fr ? 'Go' : 'GB'}`);
      expect(i18n.formatBytes(1.4 * GB)).toBe(`${fr ? '1,4' : '1.4'}${NBSP}${fr ? 'Go' : 'GB'}`);
      expect(i18n.formatBytes(300 * 1024 ** 2)).toBe(`300${NBSP}${fr ? 'Mo' : 'MB'}`);
      expect(i18n.formatBytes(1536)).toBe(`${fr ? '1,5' : '1.5'}${NBSP}${fr ? 'Ko' : 'KB'}`);
      expect(i18n.formatBytes(512)).toBe(`512${NBSP}${fr ? 'o' : 'B'}`);
      expect(i18n.formatBytes(2.5 * 1024 ** 4)).toBe(`${fr ? '2,5' : '2.5'}${NBSP}${fr ? 'To' : 'TB'}`);
    });
  });

  it('names presets, roles and TMDB departments in the language, and keeps unknown names', () => {
    inBoth((lang) => {
      const fr = lang === 'fr';
      expect(i18n.profileLabel('small')).toBe(fr ? 'Léger' : 'Small');
      expect(i18n.profileLabel('4K HDR')).toBe('4K HDR');
      expect(i18n.profileLabel('Tiny')).toBe('Tiny');
      expect(i18n.roleLabel('admin')).toBe(fr ? 'Administrateur' : 'Administrator');
      expect(i18n.roleLabel('member')).toBe(fr ? 'Membre' : 'Member');
      expect(i18n.departmentLabel('Acting')).toBe(fr ? 'Interprétation' : 'Acting');
      expect(i18n.departmentLabel('Directing')).toBe(fr ? 'Réalisation' : 'Directing');
      expect(i18n.departmentLabel('Puppetry')).toBe('Puppetry');
      expect(i18n.jobLabel('Director')).toBe(fr ? 'Réalisation' : 'Director');
    });
  });

  it('words ranking reasons with units and plurals', () => {
    const reason = (code: string, params: Record<string, string | number | null>) =>
      i18n.reasonLabel({ code, params, text: 'server text' });
    i18n.setLocale('fr');
    expect(reason('size.tooLarge', { size: '25.0', max: 20, resolution: '1080p' })).toBe(
      `25${NBSP}Go dépasse la limite de 20${NBSP}Go en 1080p`,
    );
    expect(reason('seeders.count', { count: 1 })).toBe('1 seeder');
    expect(reason('seeders.few', { count: 3 })).toBe('seulement 3 seeders');
    expect(reason('quality.sourceNotAllowed', { source: 'CAM', profile: 'small' })).toBe(
      'CAM n’est pas permis par le profil Léger',
    );
    i18n.setLocale('en');
    expect(reason('size.tooSmall', { size: '0.35' })).toBe(`358${NBSP}MB is too small to be complete`);
    expect(reason('seeders.count', { count: 1 })).toBe('1 seeder');
    expect(reason('some.newCode', {})).toBe('server text');
  });
});

const task = (type: string, result: unknown, extra: Partial<Task> = {}): Task => ({
  id: '00000000-0000-4000-8000-000000000001',
  userId: '00000000-0000-4000-8000-000000000002',
  type,
  status: 'done',
  progress: 1,
  message: 'Done',
  payload: {},
  result,
  error: null,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:01.000Z',
  startedAt: '2024-01-01T00:00:00.000Z',
  finishedAt: '2024-01-01T00:00:01.000Z',
  ...extra,
});

describe('task outcomes', () => {
  it('describes a system report', () => {
    const report = task('system.report', {
      hostname: 'box',
      platform: 'linux',
      uptimeSeconds: 100,
      loadAverage: [0.1, 0.2, 0.3],
      cpus: 1,
      memory: { totalBytes: 16 * GB, freeBytes: 3.2 * GB, processRssBytes: 100 * 1024 ** 2 },
      disk: { path: '/data', totalBytes: 500 * GB, freeBytes: 120.4 * GB },
    });
    i18n.setLocale('fr');
    expect(describeTask.taskTitle(report)).toBe('Rapport système');
    expect(describeTask.taskOutcome(report)).toBe(
      `box (linux) · 1 processeur · mémoire : 16${NBSP}Go, dont 3,2${NBSP}Go de libre · disque /data : 500${NBSP}Go, dont 120${NBSP}Go de libre`,
    );
    i18n.setLocale('en');
    expect(
      describeTask.taskOutcome({ ...report, result: { ...(report.result as object), cpus: 4, disk: null } }),
    ).toBe(`box (linux) · 4 CPUs · memory: 3.2${NBSP}GB free of 16${NBSP}GB · disk: space unknown`);
  });

  it('says what a cleanup removed, with plurals, or that there was nothing', () => {
    const cleanup = task('maintenance.cleanup', {
      refreshTokens: 1,
      invites: 0,
      apiKeys: 2,
      searchResults: 0,
      tasks: 3,
    });
    i18n.setLocale('fr');
    expect(describeTask.taskTitle(cleanup)).toBe('Nettoyage');
    expect(describeTask.taskOutcome(cleanup)).toBe(
      'Éléments supprimés : 1 jeton de session périmé, 2 clés API révoquées et 3 anciennes tâches.',
    );
    expect(describeTask.taskOutcome({ ...cleanup, result: { invites: 0, tasks: 0 } })).toBe(
      'Rien à supprimer.',
    );
    i18n.setLocale('en');
    expect(describeTask.taskOutcome({ ...cleanup, result: { invites: 1 } })).toBe(
      'Removed: 1 expired invite.',
    );
  });

  it('sums a search up with each indexer’s outcome, and names its title', () => {
    const search = task(
      'search',
      {
        searchId: '00000000-0000-4000-8000-000000000003',
        cached: false,
        results: 4,
        accepted: 1,
        reports: [
          { indexer: 'Jackett', status: 'ok', results: 1, latencyMs: 120, error: null },
          { indexer: 'Slow', status: 'timeout', results: 0, latencyMs: 2000, error: 'timed out' },
          { indexer: 'Broken', status: 'failed', results: 0, latencyMs: 30, error: 'HTML page' },
          { indexer: 'Dead', status: 'skipped', results: 0, latencyMs: 0, error: 'left alone' },
        ],
        health: [],
        oracle: 'off',
      },
      { payload: { target: { type: 'movie', titles: ['Matrix', 'The Matrix'], year: 1999 } } },
    );
    i18n.setLocale('fr');
    expect(describeTask.taskTitle(search)).toBe('Recherche de releases : Matrix');
    expect(describeTask.taskOutcome(search)).toBe(
      '1 release retenue sur 4 · Jackett : 1 résultat · Slow : pas de réponse en 2 s · Broken : échec (HTML page) · Dead : laissé de côté après des échecs répétés',
    );
    i18n.setLocale('en');
    expect(describeTask.taskOutcome(search)).toBe(
      '1 release kept of 4 · Jackett: 1 result · Slow: no answer within 2 s · Broken: failed (HTML page) · Dead: left alone after repeated failures',
    );
  });

  it('shows why a task failed, nothing while it runs, and never raw JSON', () => {
    i18n.setLocale('fr');
    expect(
      describeTask.taskOutcome(task('system.report', null, { status: 'failed', error: 'disk gone' })),
    ).toBe('disk gone');
    expect(describeTask.taskOutcome(task('system.report', null, { status: 'running' }))).toBe('');
    expect(describeTask.taskOutcome(task('future.type', { some: 'json' }))).toBe('');
    expect(describeTask.taskTitle(task('future.type', null))).toBe('future.type');
  });
});

describe('download engines', () => {
  it('words every download error, engine and engine state in both languages', () => {
    type Key = Parameters<typeof i18n.t>[0];
    const words = (key: string, params: Record<string, string> = {}) => i18n.t(key as Key, params);
    inBoth((lang) => {
      const fr = lang === 'fr';
      // A code without words would throw here (and `errorLabel` would not compile).
      for (const code of DownloadErrorCode.options) expect(words(`dlerror.${code}`), code).toMatch(/\S/);
      for (const name of DownloadEngineName.options) expect(words(`engine.${name}`), name).toMatch(/\S/);
      for (const state of EngineState.options) {
        expect(words(`engineState.${state}`), state).toMatch(/\S/);
        if (state === 'ok') continue;
        expect(words(`engineLine.${state}`, { engine: 'qBittorrent' })).toMatch(/^qBittorrent /);
        expect(words(`engineBanner.${state}`, { engine: 'qBittorrent' })).toMatch(/^qBittorrent .*\.$/);
      }
      expect(words('engine.webtorrent')).toBe('BitTorrent (Sokoul)');
      expect(words('engineLine.unreachable', { engine: 'qBittorrent' })).toBe(
        fr
          ? 'qBittorrent injoignable : le suivi reprendra à son retour'
          : 'qBittorrent is unreachable: following resumes when it is back',
      );
      expect(words('releases.instant')).toBe(fr ? 'instantané' : 'instant');
      expect(words('error.engine_unavailable')).toMatch(fr ? /n’est pas configuré/ : /is not configured/);
    });
  });
});
