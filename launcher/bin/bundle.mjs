// esbuild bundling shared by the launcher (its own CLI) and `sokoul build` (torrent-node): workspace
// packages (@sokoul/*) are TypeScript and get bundled; every npm dependency stays external.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

function externals(root, workspace) {
  const pkg = JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8'));
  const contracts = JSON.parse(readFileSync(join(root, 'contracts/package.json'), 'utf8'));
  return [...Object.keys({ ...pkg.dependencies, ...contracts.dependencies })].filter(
    (d) => !d.startsWith('@sokoul/'),
  );
}

export async function bundleNode(root, workspace, entry, outfile, extraExternal = []) {
  await build({
    entryPoints: [join(root, workspace, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: 'linked',
    external: [...externals(root, workspace), ...extraExternal],
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
}

export async function bundleLauncher(root, outfile) {
  await bundleNode(root, 'launcher', 'src/cli.ts', outfile);
}
