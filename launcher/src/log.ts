// The launcher writes the same JSON lines, with the same call shape, as torrent-node.
export { createLogger, type Logger } from '@sokoul/torrent-node/log';
