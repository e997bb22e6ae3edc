# The workerd app: API, Durable Objects and web assets, started by the launcher in app-only mode.
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
ENV NODE_ENV=production DATA_DIR=/data
COPY --from=build /sokoul /sokoul
VOLUME /data
EXPOSE 3000
CMD ["node", "launcher/bin/sokoul.mjs", "start", "--only", "app"]
