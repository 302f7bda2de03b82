#!/usr/bin/env node
// Runs every benchmark in bench/ (each prints its own table with ratios against a reference).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs').sort()) {
  const name = file.replace(/\.mjs$/, '');
  if (only.length > 0 && !only.includes(name)) continue;
  const { status } = spawnSync(process.execPath, [path.join(dir, file)], { stdio: 'inherit' });
  if (status !== 0) process.exitCode = 1;
}
