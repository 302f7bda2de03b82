// The verdict of one benchmark. Each bench declares its goals once, at its top, with `defineBench`;
// records its figures against them (`record`), and ends with `finish()`, which prints one line per goal
// and sets the exit code: 0 every goal met, 1 a goal missed or not measured (the bench failed), 2 the
// bench was skipped (a peer is missing: the reason names the command that installs it).
// Under bench/run.mjs each verdict is also appended as one JSON line to the file named by BENCH_RESULTS,
// for the final table. A bench that dies before measuring a goal still reports it (FAIL, not measured).
// BENCH_SHORT=1 (`npm run bench -- --short`): fewer runs and shorter windows, through `knob`.
import fs from 'node:fs';
import { missing } from './peers.mjs';

const OPS = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

export const EXIT = { pass: 0, fail: 1, skipped: 2 };

const fmtNumber = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** "ratio <= 1.05", "ours < 60 ms". */
export function goalText(goal) {
  return `${goal.on === 'ratio' ? 'ratio' : 'ours'} ${goal.op} ${goal.target}${goal.on === 'ours' && goal.unit ? ` ${goal.unit}` : ''}`;
}

/**
 * `goals`: id -> { what, on: 'ratio' | 'ours', op: '<' | '<=' | '>' | '>=', target, unit?, digits? }.
 * `on: 'ratio'` judges ours / reference, `on: 'ours'` our figure alone (in `unit`).
 */
export function defineBench(name, goals) {
  for (const [id, g] of Object.entries(goals)) {
    if (!OPS[g.op] || !Number.isFinite(g.target) || !['ratio', 'ours'].includes(g.on)) throw new Error(`${name}: bad goal ${id}`);
  }
  const short = process.env.BENCH_SHORT === '1';
  const rows = new Map();
  let finished = false;

  const write = (row) => {
    rows.set(row.goal, row);
    if (process.env.BENCH_RESULTS) fs.appendFileSync(process.env.BENCH_RESULTS, `${JSON.stringify(row)}\n`);
  };
  const base = (id) => {
    const g = goals[id];
    return { bench: name, goal: id, what: g.what, unit: g.unit ?? '', digits: g.digits ?? 2, goalText: goalText(g) };
  };
  const line = (row) =>
    `${name}: ${row.status.padEnd(7)} ${row.what}: ours ${fmtNumber(row.ours, row.digits)}${row.unit ? ` ${row.unit}` : ''}, ` +
    `reference ${fmtNumber(row.reference, row.digits)}${row.unit ? ` ${row.unit}` : ''}, ratio ${fmtNumber(row.ratio, 2)} (goal: ${row.goalText})` +
    `${row.note ? `; ${row.note}` : ''}`;

  const bench = {
    name,
    goals,
    short,
    /** A number from the environment (`env`), else `full`, or `shortValue` in short mode. */
    knob(env, full, shortValue = full) {
      const v = process.env[env];
      return v !== undefined && v !== '' ? Number(v) : short ? shortValue : full;
    },
    /** Skips the bench (exit 2) when a peer is missing, naming the command that installs it. */
    requires(...peers) {
      const why = missing(...peers);
      if (why) bench.skip(why);
    },
    skip(reason) {
      console.log(`${name}: SKIPPED: ${reason}`);
      for (const id of Object.keys(goals)) if (!rows.has(id)) write({ ...base(id), ours: NaN, reference: NaN, ratio: NaN, status: 'SKIPPED', note: reason });
      finished = true;
      process.exit(EXIT.skipped);
    },
    /** Our figure and the reference's for goal `id` (ratio = ours / reference); `note` is printed beside it. */
    record(id, { ours, reference, note = '' }) {
      const g = goals[id];
      if (!g) throw new Error(`${name}: no goal ${id}`);
      const ratio = Number.isFinite(ours) && Number.isFinite(reference) && reference !== 0 ? ours / reference : NaN;
      const judged = g.on === 'ratio' ? ratio : ours;
      const status = Number.isFinite(judged) && OPS[g.op](judged, g.target) ? 'PASS' : 'FAIL';
      write({ ...base(id), ours, reference, ratio, status, note: Number.isFinite(judged) ? note : `not measured${note ? `; ${note}` : ''}` });
    },
    /** Every goal not recorded yet fails with `error`. */
    fail(error) {
      const why = String(error?.message ?? error).split('\n')[0];
      for (const id of Object.keys(goals)) if (!rows.has(id)) write({ ...base(id), ours: NaN, reference: NaN, ratio: NaN, status: 'FAIL', note: `not measured: ${why}` });
    },
    /** Prints the verdicts and sets the exit code (1 when any goal failed or was not measured). */
    finish() {
      bench.fail('the bench ended before measuring it');
      finished = true;
      console.log(`${name}: goals${short ? ' (short mode: fewer runs, noisier)' : ''}`);
      for (const row of rows.values()) console.log(line(row));
      const failed = [...rows.values()].some((r) => r.status !== 'PASS');
      if (failed) process.exitCode = EXIT.fail;
      return !failed;
    },
  };
  // A bench that throws or exits before finish(): its goals are not measured, so they fail.
  process.once('exit', (code) => {
    if (finished) return;
    bench.fail(`the bench exited (code ${code}) before measuring it`);
    for (const row of rows.values()) if (row.status !== 'PASS') console.log(line(row));
    process.exitCode = EXIT.fail;
  });
  return bench;
}
