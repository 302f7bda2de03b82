#!/usr/bin/env node
// `npm run typecheck`: every TypeScript project of the repository checked by tsc, as many at a time as
// the machine has cores (they share nothing: each tsc reads its own files). One after another they took
// 68 s on two cores, two at a time 54 s (each tsc runs slower beside another). Each project's output is
// printed whole when it ends, under its name; every project is checked even when one fails; the exit
// code is 1 when any failed.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');

/** The projects, the longest first (a lane that takes a long one early ends with the short ones). */
const PROJECTS = ['tsconfig.tests.json', 'src-main', 'src-main/tsconfig.electron.json', 'src-renderer', 'src-preload', 'src-shared'];

function check(project) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [TSC, '-p', project], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.once('error', (error) => resolve({ project, code: 127, output: `cannot start tsc: ${error.message}\n`, seconds: 0 }));
    child.once('close', (code, signal) =>
      resolve({ project, code: code ?? (signal ? 128 : 1), output: Buffer.concat(output).toString(), seconds: (performance.now() - started) / 1000 }),
    );
  });
}

const lanes = Math.max(1, Math.min(PROJECTS.length, Number(process.env.TYPECHECK_LANES) || os.availableParallelism()));
const queue = [...PROJECTS];
const results = [];
await Promise.all(
  Array.from({ length: lanes }, async () => {
    for (let project = queue.shift(); project !== undefined; project = queue.shift()) {
      const result = await check(project);
      results.push(result);
      const status = result.code === 0 ? 'ok' : `failed (exit ${result.code})`;
      process.stdout.write(`tsc -p ${project}: ${status} in ${result.seconds.toFixed(1)} s\n${result.output}`);
    }
  }),
);
const failed = results.filter((r) => r.code !== 0);
if (failed.length > 0) process.stdout.write(`type-check failed: ${failed.map((r) => r.project).join(', ')}\n`);
process.exit(failed.length > 0 ? 1 : 0);
