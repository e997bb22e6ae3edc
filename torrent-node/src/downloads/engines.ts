import type { Readable } from 'node:stream';
import type { DownloadEngineName, EngineInfo, SpeedLimits } from '@sokoul/contracts';
import type { DownloadEngine, EngineReads, FileBytes, PriorityWindow, TorrentStats } from './engine.js';

/**
 * The engines this torrent-node runs, by name: Sokoul's own (always), Real-Debrid (with a key) and
 * the external clients an admin configured (replaced when their configuration changes). The
 * manager picks a download's engine by the row's `engine`; the stream server reads through
 * whichever engine holds the download.
 */
export class Engines implements EngineReads {
  readonly #engines = new Map<DownloadEngineName, DownloadEngine>();
  readonly #errorListeners: ((id: string, error: Error) => void)[] = [];
  readonly #doneListeners: ((id: string) => void)[] = [];
  #limits: SpeedLimits | undefined;

  constructor(own: DownloadEngine) {
    this.set(own);
  }

  /** Adds or replaces an engine (the one it replaces is not destroyed here: the caller does). */
  set(engine: DownloadEngine): void {
    this.#engines.set(engine.name, engine);
    engine.onError((id, error) => {
      // A replaced engine's late events are not the new one's.
      if (this.#engines.get(engine.name) !== engine) return;
      for (const listener of this.#errorListeners) listener(id, error);
    });
    engine.onDone((id) => {
      if (this.#engines.get(engine.name) !== engine) return;
      for (const listener of this.#doneListeners) listener(id);
    });
    if (this.#limits) engine.setLimits(this.#limits);
  }

  delete(name: DownloadEngineName): DownloadEngine | undefined {
    const engine = this.#engines.get(name);
    this.#engines.delete(name);
    return engine;
  }

  get(name: DownloadEngineName): DownloadEngine | undefined {
    return this.#engines.get(name);
  }

  all(): DownloadEngine[] {
    return [...this.#engines.values()];
  }

  /**
   * What users and /health see: each engine, whether it works, how it streams. One kept without
   * configuration (Real-Debrid with no key: its downloads wait for one) is not configured here.
   */
  info(): EngineInfo[] {
    return this.all().flatMap((engine) => {
      const status = engine.status();
      if (status.state === 'not_configured') return [];
      return [
        { name: engine.name, state: status.state, message: status.message, streaming: engine.streaming },
      ];
    });
  }

  onError(listener: (id: string, error: Error) => void): void {
    this.#errorListeners.push(listener);
  }

  onDone(listener: (id: string) => void): void {
    this.#doneListeners.push(listener);
  }

  setLimits(limits: SpeedLimits): void {
    this.#limits = limits;
    for (const engine of this.#engines.values()) engine.setLimits(limits);
  }

  async destroy(): Promise<void> {
    await Promise.allSettled(this.all().map((engine) => engine.destroy()));
  }

  #holding(id: string): DownloadEngine | undefined {
    for (const engine of this.#engines.values()) if (engine.has(id)) return engine;
    return undefined;
  }

  has(id: string): boolean {
    return this.#holding(id) !== undefined;
  }

  stats(id: string): TorrentStats | undefined {
    return this.#holding(id)?.stats(id);
  }

  availability(id: string, fileIndex: number): FileBytes | undefined {
    return this.#holding(id)?.availability(id, fileIndex);
  }

  createReadStream(id: string, fileIndex: number, range: { start: number; end: number }): Readable {
    const engine = this.#holding(id);
    if (!engine) throw new Error('no engine runs this download');
    return engine.createReadStream(id, fileIndex, range);
  }

  openReads(id: string): number {
    return this.#holding(id)?.openReads(id) ?? 0;
  }

  prioritize(id: string, fileIndex: number, window: PriorityWindow): () => void {
    return this.#holding(id)?.prioritize(id, fileIndex, window) ?? (() => undefined);
  }

  priorities(id: string): (PriorityWindow & { fileIndex: number })[] {
    return this.#holding(id)?.priorities(id) ?? [];
  }
}
