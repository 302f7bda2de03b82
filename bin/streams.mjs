#!/usr/bin/env node
// The `streams` command: runs the built CLI (npm run build writes dist/) with its code cache.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadBundle } from './load-bundle.mjs';

const cli = fileURLToPath(new URL('../dist/main/cli.cjs', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('streams: not built yet; run `npm run build` (or `npm start`) first\n');
  process.exit(2);
}
loadBundle(cli);
