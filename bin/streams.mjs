#!/usr/bin/env node
// The `streams` command: runs the built CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('streams: not built yet; run `npm run build` (or `npm start`) first\n');
  process.exit(2);
}
await import(pathToFileURL(cli).href);
