# torrent-node: tasks, BitTorrent, indexers, streaming (ffmpeg and ffprobe come from npm packages). Started by the launcher.
FROM node:22-bookworm-slim AS build
WORKDIR /sokoul
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY db/package.json db/
COPY durable-objects/package.json durable-objects/
COPY functions/package.json functions/
COPY torrent-node/package.json torrent-node/
COPY web/package.json web/
COPY launcher/package.json launcher/
RUN npm ci --no-audit --no-fund
COPY . .
RUN node launcher/bin/sokoul.mjs build --force

FROM node:22-bookworm-slim
WORKDIR /sokoul
ENV NODE_ENV=production DOWNLOAD_DIR=/downloads CACHE_DIR=/cache
COPY --from=build /sokoul /sokoul
VOLUME /downloads /cache
# 6881 BitTorrent, 9464 metrics, 9465 the stream server (reached by the app only).
EXPOSE 6881 9464 9465
CMD ["node", "launcher/bin/sokoul.mjs", "start", "--only", "torrent-node"]
