#!/usr/bin/env node
// `npm run bench`: bundles the benchmark (TypeScript, it drives the launcher's own modules) and runs it.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleNode } from '../launcher/bin/bundle.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench/dist/main.mjs');
await bundleNode(root, 'launcher', '../bench/main.ts', out, [
  'autocannon',
  'hono',
  'playwright-core',
  // BitTorrent helpers (bench/downloads.ts): left to Node, as torrent-node leaves them.
  'webtorrent',
  'bittorrent-tracker',
  'create-torrent',
  'parse-torrent',
  'bencode',
]);
const { main } = await import(pathToFileURL(out).href);
await main(root, process.argv.slice(2));
