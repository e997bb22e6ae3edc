import {
  type Download,
  type DownloadEngineName,
  type DownloadEngines,
  type DownloadPreferences,
  type EngineInfo,
  type EngineState,
  FINISHED_DOWNLOAD_STATES,
} from '@sokoul/contracts';
import { createSignal } from 'solid-js';
import { downloadsApi } from '../api/downloads.js';
import { type MessageKey, t } from '../i18n.js';

/**
 * The download engines this server runs (and whether each works) with the user's default, read
 * once and shared by the releases panel, the Downloads page and Settings. Engine states have no
 * live event: the pages that show them read again while they are open.
 */
const [current, setCurrent] = createSignal<DownloadEngines | null>(null);
let reading: Promise<DownloadEngines> | null = null;

function load(): Promise<DownloadEngines> {
  reading ??= downloadsApi
    .engines()
    .then((answer) => {
      setCurrent(answer);
      return answer;
    })
    .finally(() => {
      reading = null;
    });
  return reading;
}

export const engines = {
  current,
  /** Reads the list again (a page opening, or its periodic refresh); a failure keeps what was read. */
  load,
  /** Read once for this session: what the releases panel needs. */
  ensure(): Promise<DownloadEngines> {
    const known = current();
    return known ? Promise.resolve(known) : load();
  },
  async setPreferences(preferences: DownloadPreferences): Promise<DownloadPreferences> {
    const saved = await downloadsApi.setPreferences(preferences);
    const known = current();
    if (known) setCurrent({ ...known, preferences: saved });
    return saved;
  },
  info(name: DownloadEngineName): EngineInfo | undefined {
    return current()?.engines.find((e) => e.name === name);
  },
  /** Forgets the list and the choice (sign-out: the next account has its own). */
  reset(): void {
    setCurrent(null);
  },
};

const ENGINE_NAMES: Record<DownloadEngineName, MessageKey> = {
  webtorrent: 'engine.webtorrent',
  realdebrid: 'engine.realdebrid',
  qbittorrent: 'engine.qbittorrent',
  transmission: 'engine.transmission',
};

const ENGINE_STATES: Record<EngineState, MessageKey> = {
  ok: 'engineState.ok',
  unreachable: 'engineState.unreachable',
  unauthorized: 'engineState.unauthorized',
  not_configured: 'engineState.not_configured',
  error: 'engineState.error',
};

/** What a download's line says when its engine does not work now. */
const DOWNLOAD_LINES: Record<Exclude<EngineState, 'ok'>, MessageKey> = {
  unreachable: 'engineLine.unreachable',
  unauthorized: 'engineLine.unauthorized',
  not_configured: 'engineLine.not_configured',
  error: 'engineLine.error',
};

/** The Downloads page's banner for an engine that does not work now. */
const BANNERS: Record<Exclude<EngineState, 'ok'>, MessageKey> = {
  unreachable: 'engineBanner.unreachable',
  unauthorized: 'engineBanner.unauthorized',
  not_configured: 'engineBanner.not_configured',
  error: 'engineBanner.error',
};

/** "BitTorrent (Sokoul)", "Real-Debrid", "qBittorrent", "Transmission". */
export const engineLabel = (name: DownloadEngineName) => t(ENGINE_NAMES[name]);

/** "injoignable", "identifiants refusés"… */
export const engineStateLabel = (state: EngineState) => t(ENGINE_STATES[state]);

/** An engine as a choice in a list: its name, and its state when it does not work now. */
export const engineChoiceLabel = (info: EngineInfo) =>
  info.state === 'ok'
    ? engineLabel(info.name)
    : t('engine.withState', { engine: engineLabel(info.name), state: engineStateLabel(info.state) });

/** "qBittorrent injoignable : le suivi reprendra à son retour". */
export const engineLine = (name: DownloadEngineName, state: Exclude<EngineState, 'ok'>) =>
  t(DOWNLOAD_LINES[state], { engine: engineLabel(name) });

export const engineBanner = (name: DownloadEngineName, state: Exclude<EngineState, 'ok'>) =>
  t(BANNERS[state], { engine: engineLabel(name) });

const FINISHED = new Set<Download['state']>(FINISHED_DOWNLOAD_STATES);

/**
 * Why an unfinished download is not followed now, or null: its engine's state as last read (the
 * list is read again while the Downloads page is open), else what the server said with the row.
 */
export function downloadEngineState(d: Download): Exclude<EngineState, 'ok'> | null {
  if (FINISHED.has(d.state)) return null;
  const state = engines.info(d.engine)?.state ?? d.engineState;
  return state && state !== 'ok' ? state : null;
}

/**
 * The engines to choose among: the configured ones, and the user's default even when it is gone
 * (shown as not configured, so nothing silently goes through another engine than the one expected).
 */
export function engineOptions(view: DownloadEngines): EngineInfo[] {
  const preferred = view.preferences.engine;
  if (view.engines.some((e) => e.name === preferred)) return view.engines;
  return [...view.engines, { name: preferred, state: 'not_configured', message: null, streaming: 'none' }];
}
