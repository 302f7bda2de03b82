#!/usr/bin/env node
// Runs the benchmarks in bench/ one at a time (each prints its own tables, against a reference
// measured in the same run), then one table of every goal: bench, our figure, the reference's, the
// ratio, the goal, PASS / FAIL / SKIPPED. Exits 1 when any goal is missed, not measured, or skipped
// (a skipped bench says why, with the command that installs what it needs).
//
//   npm run bench                     every bench
//   npm run bench -- edge ladder-cpu  only these
//   npm run bench -- --short          fewer runs and shorter windows (BENCH_SHORT=1), noisier figures
//
// A bench that runs past BENCH_TIMEOUT_S (default 1800, 900 short) is stopped (SIGTERM: it stops its
// children) and its goals fail.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const short = args.includes('--short') || process.env.BENCH_SHORT === '1';
const only = args.filter((a) => !a.startsWith('--'));
const all = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .map((f) => f.replace(/\.mjs$/, ''))
  .sort();
const unknown = only.filter((n) => !all.includes(n));
if (unknown.length > 0) {
  console.error(`bench: no bench named ${unknown.join(', ')} (there are: ${all.join(', ')})`);
  process.exit(2);
}
const timeoutS = Number(process.env.BENCH_TIMEOUT_S ?? (short ? 900 : 1800));
const results = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-bench-results-'));

const rows = [];
const started = performance.now();
for (const name of all.filter((n) => only.length === 0 || only.includes(n))) {
  const file = path.join(results, `${name}.jsonl`);
  console.log(`\n=== bench/${name}${short ? ' (short)' : ''}`);
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [path.join(dir, `${name}.mjs`)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_RESULTS: file, ...(short ? { BENCH_SHORT: '1' } : {}) },
    timeout: timeoutS * 1000,
    killSignal: 'SIGTERM',
  });
  const seconds = (performance.now() - t0) / 1000;
  // One row per goal: the last one written (a goal failed by an error, then recorded from a partial run).
  const byGoal = new Map();
  if (fs.existsSync(file)) {
    for (const l of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const row = JSON.parse(l);
      byGoal.set(row.goal, row);
    }
  }
  const own = [...byGoal.values()];
  const timedOut = run.error?.code === 'ETIMEDOUT';
  const how = timedOut ? `stopped after ${timeoutS} s (BENCH_TIMEOUT_S)` : run.signal ? `killed by ${run.signal}` : `exited with code ${run.status}`;
  if (own.length === 0) {
    rows.push({ bench: `bench/${name}`, what: '(no result)', ours: NaN, reference: NaN, ratio: NaN, goalText: '-', status: 'FAIL', note: `${how} without reporting a figure` });
  } else {
    rows.push(...own);
    // Figures reported, then a crash or a timeout: the run failed even when every figure passed.
    const skipped = own.every((r) => r.status === 'SKIPPED');
    if ((run.status !== 0 && !skipped) || timedOut) {
      if (own.every((r) => r.status === 'PASS')) rows.push({ bench: `bench/${name}`, what: '(the run)', ours: NaN, reference: NaN, ratio: NaN, goalText: '-', status: 'FAIL', note: how });
    }
  }
  console.log(`=== bench/${name}: ${how} after ${seconds.toFixed(0)} s`);
}
fs.rmSync(results, { recursive: true, force: true });

const num = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const withUnit = (x, r) => (Number.isFinite(x) ? `${num(x, r.digits ?? 2)}${r.unit ? ` ${r.unit}` : ''}` : '-');
console.log(`\nbench: ${rows.length} goals, ${((performance.now() - started) / 1000).toFixed(0)} s${short ? ', short mode (fewer runs: noisier figures)' : ''}`);
console.log('| bench | figure | ours | reference | ratio | goal | result |');
console.log('|---|---|---:|---:|---:|---|---|');
for (const r of rows) {
  console.log(`| ${r.bench.replace(/^bench\//, '')} | ${r.what} | ${withUnit(r.ours, r)} | ${withUnit(r.reference, r)} | ${num(r.ratio, 2)} | ${r.goalText} | ${r.status} |`);
}
const notes = rows.filter((r) => r.status !== 'PASS' && r.note);
const seen = new Set();
for (const r of notes) {
  const line = `${r.status} ${r.bench}${r.status === 'SKIPPED' ? '' : ` (${r.what})`}: ${r.note}`;
  if (seen.has(line)) continue;
  seen.add(line);
  console.log(line);
}
const counts = ['PASS', 'FAIL', 'SKIPPED'].map((s) => `${rows.filter((r) => r.status === s).length} ${s.toLowerCase()}`);
console.log(`bench: ${counts.join(', ')}`);
if (rows.some((r) => r.status !== 'PASS')) process.exitCode = 1;
