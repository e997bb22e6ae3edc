import {
  AdminRoutes,
  type ConfigKey,
  type ConfigValue,
  type CreateIndexerRequest,
  type QualityProfile,
  SearchRoutes,
  SettingsRoutes,
  type UpdateIndexerRequest,
} from '@sokoul/contracts';
import { call } from './client.js';

/** The admin's Settings sections: run-time configuration, indexers and quality profiles. */
export const settingsApi = {
  config: async () => (await call(SettingsRoutes.config)).entries,
  putConfig: async (values: Partial<Record<ConfigKey, ConfigValue | null>>) =>
    (await call(SettingsRoutes.putConfig, { body: { values } })).entries,
  indexers: async () => (await call(AdminRoutes.indexers)).indexers,
  createIndexer: (body: CreateIndexerRequest) => call(AdminRoutes.createIndexer, { body }),
  updateIndexer: (id: string, body: UpdateIndexerRequest) =>
    call(AdminRoutes.updateIndexer, { params: { id }, body }),
  deleteIndexer: (id: string) => call(AdminRoutes.deleteIndexer, { params: { id } }),
  testIndexers: (name?: string) => call(SettingsRoutes.testIndexers, { body: name ? { name } : {} }),
  /** One call to the LLM at the effective LLAMA_ENDPOINT, from torrent-node. */
  testOracle: () => call(SettingsRoutes.testOracle),
  /** Presets and the admin's own, as searches see them. */
  allProfiles: async () => (await call(SearchRoutes.profiles)).profiles,
  customProfiles: async () => (await call(AdminRoutes.qualityProfiles)).profiles,
  saveProfiles: async (profiles: QualityProfile[]) =>
    (await call(AdminRoutes.putQualityProfiles, { body: { profiles } })).profiles,
};
