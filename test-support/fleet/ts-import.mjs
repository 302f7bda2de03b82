// Imports a TypeScript module of the app from plain ESM (the viewer simulator and bench/fleet run on
// Node without a TypeScript loader): esbuild bundles it in memory and it is imported from a data: URL.
// So the simulator follows the player's own failover rule and the bench reads the edges' logs with the
// agent's own parser, not copies of them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The module at `file` (relative to the repository root). */
export async function importTs(file) {
  const out = await build({ entryPoints: [path.join(ROOT, file)], absWorkingDir: ROOT, bundle: true, write: false, format: 'esm', platform: 'node', target: 'node20', logLevel: 'silent' });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
}
