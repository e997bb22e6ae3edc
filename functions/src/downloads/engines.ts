import {
  type Download,
  type DownloadEngineName,
  type EngineInfo,
  type EngineState,
  FINISHED_DOWNLOAD_STATES,
} from '@sokoul/contracts';
import type { Deps } from '../context.js';
import { torrentNode } from '../health/service.js';

/**
 * The download engines as torrent-node reports them in its health answer (the probe /health
 * makes, shared with it): the API has no engine of its own and only relays what the node runs.
 */
export interface EngineView {
  /** torrent-node answered: an engine missing from `engines` is not configured there. */
  reachable: boolean;
  engines: EngineInfo[];
}

const OWN: Omit<EngineInfo, 'state' | 'message'> = { name: 'webtorrent', streaming: 'pieces' };

export async function engineView(deps: Deps): Promise<EngineView> {
  const answer = await torrentNode(deps.infra, true);
  if (!answer.ok) {
    return {
      reachable: false,
      engines: [{ ...OWN, state: 'unreachable', message: `torrent-node does not answer (${answer.error})` }],
    };
  }
  const engines = [...answer.reply.engines];
  // Sokoul's own engine always runs; a node that does not list engines yet runs only that one.
  if (!engines.some((e) => e.name === 'webtorrent')) engines.unshift({ ...OWN, state: 'ok', message: null });
  return { reachable: true, engines };
}

/** Configured here (its state may be temporarily not ok), or null when torrent-node cannot say. */
export function isConfigured(view: EngineView, name: DownloadEngineName): boolean | null {
  if (view.engines.some((e) => e.name === name)) return true;
  return view.reachable ? false : null;
}

/** An engine's state as users see it: `not_configured` when torrent-node does not run it. */
export function stateOf(
  view: EngineView,
  name: DownloadEngineName,
): { state: EngineState; message: string | null } {
  const info = view.engines.find((e) => e.name === name);
  if (info) return { state: info.state, message: info.message };
  return view.reachable
    ? { state: 'not_configured', message: null }
    : { state: 'unreachable', message: view.engines[0]?.message ?? null };
}

const FINISHED = new Set<string>(FINISHED_DOWNLOAD_STATES);

/** `engineState` filled in: set for an unfinished download whose engine does not work now. */
export function withEngineState<D extends Download>(view: EngineView, download: D): D {
  if (FINISHED.has(download.state)) return { ...download, engineState: null };
  const { state } = stateOf(view, download.engine);
  return { ...download, engineState: state === 'ok' ? null : state };
}

/** Asks torrent-node only when one of `downloads` can have an engine state at all. */
export async function withEngineStates<D extends Download>(deps: Deps, downloads: D[]): Promise<D[]> {
  if (downloads.every((d) => FINISHED.has(d.state))) return downloads;
  const view = await engineView(deps);
  return downloads.map((d) => withEngineState(view, d));
}
