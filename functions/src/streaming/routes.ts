import { StreamingRoutes } from '@sokoul/contracts';
import { createRouter, handle } from '../http/openapi.js';
import * as streaming from './service.js';

const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));

export const streamingRoutes = createRouter();
handle(streamingRoutes, StreamingRoutes.sources, async (c) =>
  c.json(await streaming.sources(c.var.deps, c.var.principal, c.req.valid('param').id), 200),
);
handle(streamingRoutes, StreamingRoutes.direct, async (c) => {
  const { type, tmdbId } = c.req.valid('param');
  const query = c.req.valid('query');
  return c.json(
    await streaming.direct(c.var.deps, c.var.principal, {
      type,
      tmdbId,
      season: number(query.season),
      episode: number(query.episode),
    }),
    200,
  );
});
// The byte routes answer GET and HEAD (Hono serves HEAD through GET routes; the forward keeps HEAD).
handle(streamingRoutes, StreamingRoutes.stream, (c) =>
  streaming.signedBytes(c.var.deps, {
    fileId: c.req.valid('param').fileId,
    signature: c.req.valid('query'),
    request: c.req.raw,
    path: 'stream',
  }),
);
handle(streamingRoutes, StreamingRoutes.remux, (c) =>
  streaming.signedBytes(c.var.deps, {
    fileId: c.req.valid('param').fileId,
    signature: c.req.valid('query'),
    request: c.req.raw,
    path: 'remux',
  }),
);
handle(streamingRoutes, StreamingRoutes.playback, async (c) =>
  c.json(
    await streaming.playback(c.var.deps, c.var.principal, {
      fileId: c.req.valid('param').fileId,
      ...c.req.valid('json'),
    }),
    200,
  ),
);
handle(streamingRoutes, StreamingRoutes.availability, async (c) =>
  c.json(await streaming.availability(c.var.deps, c.var.principal, c.req.valid('param').fileId), 200),
);
handle(streamingRoutes, StreamingRoutes.subtitles, async (c) =>
  c.json(await streaming.subtitles(c.var.deps, c.var.principal, c.req.valid('param').fileId), 200),
);
// Before /files/{fileId}/subtitles/{trackId}, which would otherwise take "search" for a track.
handle(streamingRoutes, StreamingRoutes.subtitleSearch, async (c) =>
  c.json(
    await streaming.subtitleSearch(c.var.deps, c.var.principal, {
      fileId: c.req.valid('param').fileId,
      languages: c.req.valid('query').languages,
    }),
    200,
  ),
);
handle(streamingRoutes, StreamingRoutes.subtitleDownload, async (c) =>
  c.json(
    await streaming.subtitleDownload(c.var.deps, c.var.principal, {
      fileId: c.req.valid('param').fileId,
      providerFileId: c.req.valid('json').providerFileId,
    }),
    201,
  ),
);
handle(streamingRoutes, StreamingRoutes.subtitleVtt, (c) => {
  const { fileId, trackId } = c.req.valid('param');
  return streaming.signedBytes(c.var.deps, {
    fileId,
    signature: c.req.valid('query'),
    request: c.req.raw,
    path: `subtitles/${encodeURIComponent(trackId)}`,
  });
});
