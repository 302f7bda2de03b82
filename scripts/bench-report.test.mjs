// The verdict logic of bench/lib/report.mjs: the pure verdict per goal, and what a bench process built
// on defineBench prints, writes for bench/run.mjs and exits with (each case a real child process).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, goalText, verdict } from '../bench/lib/report.mjs';

const REPORT = pathToFileURL(path.join(import.meta.dirname, '..', 'bench', 'lib', 'report.mjs')).href;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const cpu = { what: 'cpu', on: 'ratio', op: '<=', target: 1.1 };
const p50 = { what: 'p50', on: 'ours', op: '<', target: 60, unit: 'ms' };

describe('verdict', () => {
  it('judges the ratio ours / reference for a ratio goal, the bound included for <=', () => {
    expect(verdict(cpu, 1.1, 1)).toMatchObject({ status: 'PASS', measured: true });
    expect(verdict(cpu, 1.2, 1)).toMatchObject({ status: 'FAIL', measured: true });
    expect(verdict(cpu, 2, 4).ratio).toBe(0.5);
  });

  it('judges our figure alone for an `ours` goal, with or without a reference', () => {
    expect(verdict(p50, 59.9, NaN)).toMatchObject({ status: 'PASS', ratio: NaN });
    expect(verdict(p50, 60, 30)).toMatchObject({ status: 'FAIL', ratio: 2 });
    expect(verdict({ ...p50, op: '>=', target: 0.9 }, 0.9, NaN).status).toBe('PASS');
    expect(verdict({ ...p50, op: '>', target: 0.9 }, 0.9, NaN).status).toBe('FAIL');
  });

  it('fails a goal that was not measured: no figure, no reference for a ratio, a zero reference', () => {
    expect(verdict(cpu, NaN, 1)).toMatchObject({ status: 'FAIL', measured: false });
    expect(verdict(cpu, 1, NaN)).toMatchObject({ status: 'FAIL', measured: false });
    expect(verdict(cpu, 1, 0)).toMatchObject({ status: 'FAIL', measured: false });
    expect(verdict(p50, undefined, 1)).toMatchObject({ status: 'FAIL', measured: false });
  });

  it('writes the goal as it is judged', () => {
    expect(goalText(cpu)).toBe('ratio <= 1.1');
    expect(goalText(p50)).toBe('ours < 60 ms');
  });
});

/** Runs `body` (after `const bench = defineBench('bench/t', GOALS)`) as a bench; its exit code, output and result rows. */
function runBench(body, env = {}) {
  const file = path.join(dir, `b-${Math.random().toString(36).slice(2)}.mjs`);
  const results = `${file}.jsonl`;
  fs.writeFileSync(
    file,
    `import { defineBench } from ${JSON.stringify(REPORT)};\n` +
      `const bench = defineBench('bench/t', ${JSON.stringify({ cpu, p50 })});\n${body}\n`,
  );
  const run = spawnSync(process.execPath, [file], { encoding: 'utf8', env: { ...process.env, BENCH_RESULTS: results, BENCH_SHORT: '', ...env }, timeout: 20_000 });
  const rows = fs.existsSync(results) ? fs.readFileSync(results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  return { code: run.status, out: run.stdout + run.stderr, rows, last: (goal) => rows.filter((r) => r.goal === goal).at(-1) };
}

describe('defineBench', () => {
  it('exits 0 when every goal is met, one line per goal and one result row each', () => {
    const r = runBench(`bench.record('cpu', { ours: 1, reference: 1 }); bench.record('p50', { ours: 40, reference: 30 }); bench.finish();`);
    expect(r.code).toBe(EXIT.pass);
    expect(r.rows.map((x) => [x.goal, x.status])).toEqual([['cpu', 'PASS'], ['p50', 'PASS']]);
    expect(r.out).toMatch(/bench\/t: PASS +p50: ours 40.00 ms, reference 30.00 ms, ratio 1.33 \(goal: ours < 60 ms\)/);
  });

  it('exits 1 when a goal is missed', () => {
    const r = runBench(`bench.record('cpu', { ours: 2, reference: 1 }); bench.record('p50', { ours: 40 }); bench.finish();`);
    expect(r.code).toBe(EXIT.fail);
    expect(r.last('cpu')).toMatchObject({ status: 'FAIL', ratio: 2 });
    expect(r.last('p50').status).toBe('PASS');
  });

  it('exits 1 when finish() comes before a goal was measured, naming it not measured', () => {
    const r = runBench(`bench.record('cpu', { ours: 1, reference: 1 }); bench.finish();`);
    expect(r.code).toBe(EXIT.fail);
    expect(r.last('p50')).toMatchObject({ status: 'FAIL', note: 'not measured: the bench ended before measuring it' });
  });

  it('exits 1 after fail(error) even when the goals recorded later from the partial run pass, and says so', () => {
    const r = runBench(`bench.fail(new Error('the host died')); bench.record('cpu', { ours: 1, reference: 1 }); bench.finish();`);
    expect(r.code).toBe(EXIT.fail);
    expect(r.last('cpu')).toMatchObject({ status: 'PASS', note: 'from a partial run (the host died)' });
    expect(r.last('p50')).toMatchObject({ status: 'FAIL', note: 'not measured: the host died' });
    expect(r.out).toContain('bench/t: the run failed: the host died');
  });

  it('fails every goal when the bench throws before finish()', () => {
    const r = runBench(`bench.record('cpu', { ours: 1, reference: 1 }); throw new Error('boom');`);
    expect(r.code).toBe(EXIT.fail);
    expect(r.last('cpu').status).toBe('PASS');
    expect(r.last('p50')).toMatchObject({ status: 'FAIL' });
    expect(r.last('p50').note).toMatch(/^not measured: the bench exited \(code 1\)/);
  });

  it('exits 2 and marks every goal SKIPPED when a peer is missing, naming the command that installs it', () => {
    const r = runBench(`bench.requires('chromium'); bench.record('cpu', { ours: 1, reference: 1 }); bench.finish();`, { BENCH_CHROMIUM: path.join(dir, 'no-chromium') });
    expect(r.code).toBe(EXIT.skipped);
    expect(r.rows.map((x) => x.status)).toEqual(['SKIPPED', 'SKIPPED']);
    expect(r.rows[0].note).toBe('needs chromium (node scripts/setup-system.mjs --bench)');
  });

  it('takes the short value of a knob under BENCH_SHORT=1, and an explicit variable over both', () => {
    const body = `console.log('knob=' + bench.knob('BENCH_RUNS', 3, 1)); bench.record('cpu', { ours: 1, reference: 1 }); bench.record('p50', { ours: 1 }); bench.finish();`;
    expect(runBench(body).out).toContain('knob=3');
    expect(runBench(body, { BENCH_SHORT: '1' }).out).toContain('knob=1');
    expect(runBench(body, { BENCH_SHORT: '1', BENCH_RUNS: '5' }).out).toContain('knob=5');
  });
});
