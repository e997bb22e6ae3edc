import {
  type DownloadPreferences,
  DownloadRoutes,
  MediaRoutes,
  type RouteQuery,
  type StartDownloadRequest,
} from '@sokoul/contracts';
import { call } from './client.js';

export const downloadsApi = {
  start: (body: StartDownloadRequest) => call(DownloadRoutes.start, { body }),
  list: (query: RouteQuery<typeof DownloadRoutes.list> = {}) => call(DownloadRoutes.list, { query }),
  get: (downloadId: string) => call(DownloadRoutes.get, { params: { downloadId } }),
  pause: (downloadId: string) => call(DownloadRoutes.pause, { params: { downloadId } }),
  resume: (downloadId: string) => call(DownloadRoutes.resume, { params: { downloadId } }),
  front: (downloadId: string) => call(DownloadRoutes.front, { params: { downloadId } }),
  remove: (downloadId: string, deleteData: boolean) =>
    call(DownloadRoutes.remove, {
      params: { downloadId },
      query: { deleteData: deleteData ? 'true' : 'false' },
    }),
  blocklist: () => call(DownloadRoutes.blocklist),
  unblock: (entryId: string) => call(DownloadRoutes.unblock, { params: { entryId } }),
  engines: () => call(DownloadRoutes.engines),
  setPreferences: (body: DownloadPreferences) => call(DownloadRoutes.setPreferences, { body }),
};

export const mediaApi = {
  get: (id: string) => call(MediaRoutes.get, { params: { id } }),
  files: (id: string) => call(MediaRoutes.files, { params: { id } }),
};
