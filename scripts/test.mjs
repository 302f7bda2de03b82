#!/usr/bin/env node
// `npm test`: lint, type-check, build, then unit, integration and e2e tests, ending with one
// summary line ("tests: N passed, N failed, N skipped"). Stops at the first failing stage.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const stages = [
  ['lint', 'npx', ['eslint', '--max-warnings', '0', '.']],
  ['type-check', 'npm', ['run', '--silent', 'typecheck']],
  ['build', 'node', ['scripts/build.mjs']],
  ['unit', 'vitest', 'unit'],
  ['integration', 'vitest', 'integration'],
  ['e2e', 'vitest', 'e2e'],
];
const only = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
const timings = [];
let failedStage;

for (const [name, command, args] of stages) {
  if (only.length > 0 && !only.includes(name)) continue;
  const started = Date.now();
  process.stdout.write(`\n== ${name} ==\n`);
  let status;
  if (command === 'vitest') {
    const report = path.join(os.tmpdir(), `streams-vitest-${name}-${process.pid}.json`);
    status = spawnSync('npx', ['vitest', 'run', '--project', name, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
      stdio: 'inherit',
    }).status;
    try {
      const json = JSON.parse(fs.readFileSync(report, 'utf8'));
      totals.passed += json.numPassedTests;
      totals.failed += json.numFailedTests;
      totals.skipped += json.numPendingTests + json.numTodoTests;
      fs.rmSync(report, { force: true });
    } catch {
      // No report: the runner crashed before writing it; the status says so.
    }
  } else {
    status = spawnSync(command, args, { stdio: 'inherit' }).status;
  }
  timings.push(`${name} ${((Date.now() - started) / 1000).toFixed(0)}s`);
  if (status !== 0) {
    failedStage = name;
    if (totals.failed === 0) totals.failed = 1;
    break;
  }
}

process.stdout.write(`\n${timings.join(', ')}${failedStage ? `; FAILED at ${failedStage}` : ''}\n`);
process.stdout.write(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(failedStage ? 1 : 0);
