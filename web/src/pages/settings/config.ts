import type { ConfigEntry, ConfigKey, ConfigValue } from '@sokoul/contracts';
import { createSignal } from 'solid-js';
import { settingsApi } from '../../api/settings.js';

/**
 * The run-time settings every admin section reads: loaded once for all of them, replaced by what
 * the API answers after each change (the effective values and their sources).
 */
const [entries, setEntries] = createSignal<ConfigEntry[] | null>(null);
const [loadError, setLoadError] = createSignal<unknown>(null);
let loading: Promise<void> | null = null;

export const configStore = {
  entries,
  loadError,
  load(): Promise<void> {
    const pending =
      loading ??
      settingsApi
        .config()
        .then((list) => {
          setEntries(list);
          setLoadError(null);
        })
        .catch((error: unknown) => {
          setLoadError(error);
        })
        .finally(() => {
          loading = null;
        });
    loading = pending;
    return pending;
  },
  async save(values: Partial<Record<ConfigKey, ConfigValue | null>>): Promise<void> {
    setEntries(await settingsApi.putConfig(values));
  },
};
