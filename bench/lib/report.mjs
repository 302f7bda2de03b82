// The verdict of one benchmark. Each bench declares its goals once, at its top, with `defineBench`;
// records its figures against them (`record`), and ends with `finish()`, which prints one line per goal
// and sets the exit code: 0 every goal met, 1 a goal missed or not measured, or the run hit an error
// (`fail`), 2 the bench was skipped (a peer is missing: the reason names the command that installs it).
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
 * The verdict on one figure: ratio = ours / reference (NaN without a usable reference); `judged` is the
 * ratio (`on: 'ratio'`) or our figure (`on: 'ours'`); PASS only when it is a number that meets the goal,
 * so a figure that was not measured (NaN) fails.
 */
export function verdict(goal, ours, reference) {
  const ratio = Number.isFinite(ours) && Number.isFinite(reference) && reference !== 0 ? ours / reference : NaN;
  const judged = goal.on === 'ratio' ? ratio : ours;
  const measured = Number.isFinite(judged);
  return { ratio, measured, status: measured && OPS[goal.op](judged, goal.target) ? 'PASS' : 'FAIL' };
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
  const errors = [];
  let finished = false;

  const write = (row) => {
    rows.set(row.goal, row);
    if (process.env.BENCH_RESULTS) fs.appendFileSync(process.env.BENCH_RESULTS, `${JSON.stringify(row)}\n`);
  };
  const base = (id) => {
    const g = goals[id];
    return { bench: name, goal: id, what: g.what, unit: g.unit ?? '', digits: g.digits ?? 2, goalText: goalText(g) };
  };
  /** A row with no figure, `status`, for every goal not recorded yet. */
  const writeUnrecorded = (status, note) => {
    for (const id of Object.keys(goals)) if (!rows.has(id)) write({ ...base(id), ours: NaN, reference: NaN, ratio: NaN, status, note });
  };
  const figure = (x, row) => `${fmtNumber(x, row.digits)}${row.unit && Number.isFinite(x) ? ` ${row.unit}` : ''}`;
  const line = (row) =>
    `${name}: ${row.status.padEnd(7)} ${row.what}: ours ${figure(row.ours, row)}, ` +
    `${Number.isFinite(row.reference) ? `reference ${figure(row.reference, row)}, ratio ${fmtNumber(row.ratio, 2)}` : 'no reference'} (goal: ${row.goalText})` +
    `${row.note ? `; ${row.note}` : ''}`;

  const bench = {
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
      writeUnrecorded('SKIPPED', reason);
      finished = true;
      process.exit(EXIT.skipped);
    },
    /**
     * Our figure and the reference's for goal `id` (ratio = ours / reference; `reference` NaN when the
     * goal has none); `note` is printed beside it. Recorded after `fail()` (figures of a partial run),
     * the note says so and the bench still exits 1.
     */
    record(id, { ours, reference = NaN, note = '' }) {
      const g = goals[id];
      if (!g) throw new Error(`${name}: no goal ${id}`);
      const { ratio, measured, status } = verdict(g, ours, reference);
      const notes = [measured ? '' : 'not measured', note, errors.length > 0 ? `from a partial run (${errors[0]})` : ''].filter(Boolean);
      write({ ...base(id), ours, reference, ratio, status, note: notes.join('; ') });
    },
    /** A goal this machine cannot measure (a part missing here): SKIPPED with why, not a failure of the bench. */
    skipGoal(id, reason) {
      if (!goals[id]) throw new Error(`${name}: no goal ${id}`);
      write({ ...base(id), ours: NaN, reference: NaN, ratio: NaN, status: 'SKIPPED', note: reason });
    },
    /** The run hit `error`: every goal not recorded yet fails with it, and the bench exits 1. */
    fail(error) {
      const why = String(error?.message ?? error).split('\n')[0];
      errors.push(why);
      writeUnrecorded('FAIL', `not measured: ${why}`);
    },
    /** Prints the verdicts and sets the exit code (1 when any goal failed or was not measured, or the run hit an error). */
    finish() {
      writeUnrecorded('FAIL', 'not measured: the bench ended before measuring it');
      finished = true;
      console.log(`${name}: goals${short ? ' (short mode: fewer runs, noisier)' : ''}`);
      for (const row of rows.values()) console.log(line(row));
      for (const why of errors) console.log(`${name}: the run failed: ${why}`);
      const failed = errors.length > 0 || [...rows.values()].some((r) => r.status !== 'PASS' && r.status !== 'SKIPPED');
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
