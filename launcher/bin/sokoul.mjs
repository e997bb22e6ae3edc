#!/usr/bin/env node
// The `sokoul` command. Bundles the launcher's TypeScript with esbuild when it is missing or older
// than its sources (~0.1 s), then runs it. Needs Node 22: use `npm start` or node_modules' node.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [major] = process.versions.node.split('.').map(Number);
if ((major ?? 0) < 22) {
  console.error(
    `[sokoul] Node >= 22 is required (this is ${process.version}); run it through \`npm start\`.`,
  );
  process.exit(1);
}

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const out = join(root, 'launcher/dist/cli.mjs');
const sources = [join(root, 'launcher/src'), join(root, 'contracts/src'), join(root, 'torrent-node/src')];
if (!existsSync(out) || Math.max(...sources.map(newest)) > statSync(out).mtimeMs) {
  const { bundleLauncher } = await import('./bundle.mjs');
  await bundleLauncher(root, out);
}
const { main } = await import(pathToFileURL(out).href);
await main(process.argv.slice(2));
