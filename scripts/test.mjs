#!/usr/bin/env node
// `npm test`: the system packages (setup), lint, type-check, build, then unit, integration (also
// rerun on the npm-shipped ffmpeg) and e2e tests, ending with a summary: every stage, every failed
// test, every skipped suite with its reason, and the line `tests: N passed, N failed, N skipped`.
// Stops at the first failing stage; the stages after it are listed as `not run`.
//
//   npm test                     every stage
//   npm test -- unit lint        only these stages
//   npm test -- integration src-main/entry/host.int.test.ts    a stage on some files only
//
// Environment:
//   STREAMS_TEST_SKIP_SETUP=1            do not check or install system packages (the stage `setup`,
//                                        scripts/setup-system.mjs, runs apt-get as root or with sudo)
//   STREAMS_TEST_TIMEOUT_MIN=<minutes>   every stage's wall-clock limit (defaults below);
//   STREAMS_TEST_TIMEOUT_MIN_<STAGE>     one stage's, e.g. STREAMS_TEST_TIMEOUT_MIN_INTEGRATION=60
//   STREAMS_TEST_WORKERS=<n>             how many test files of the integration and e2e stages run at
//                                        once (default 2; SOLO_FILES always run alone, after the others)
//   CI=true                              any skip but the Electron suite fails the run
//
// A stage past its limit is killed with its whole process group and reported failed; processes a stage
// leaves behind are killed and reported, by name and pid, as a failure of that stage.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, parseSkipLog, summarizeVitest } from './test-summary.mjs';
import { killAll, killStage, runStage, strayProcesses } from './test-processes.mjs';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);

/**
 * The live-path test files that must also pass on the npm-shipped ffmpeg (FFMPEG_PATH): integration files
 * and the whole-host scenarios of e2e/ that drive the live path; the stage runs both projects, one after the other.
 */
export const BUNDLED_FFMPEG_FILES = [
  'src-main/media/live-server.int.test.ts',
  'e2e/ladder-players.test.ts',
  'src-main/servers/hls/ll/ll.int.test.ts',
  'src-main/servers/hls/ll/encryption.int.test.ts',
  'e2e/ll-players.test.ts',
  'src-main/encoder/packager.int.test.ts',
  'src-main/recorder/recorder.int.test.ts',
  'e2e/whep.test.ts',
  'src-main/restream/restream.int.test.ts',
  'src-main/restream/restream-receivers.int.test.ts',
  'e2e/whip.test.ts',
  'src-main/capture/broadcast.int.test.ts',
  'e2e/remote.test.ts',
  // The studio's program over WHIP into HLS, WHEP and a recording.
  'e2e/studio.test.ts',
];

/**
 * The test files that run alone, after the other files of their stage (which run WORKERS at a time), and
 * why: each measures time against a bound that another file's load on two cores can break (all seen to
 * fail so under load, and to pass alone), or holds something there is one of per machine.
 */
export const SOLO_FILES = {
  'src-main/edge/fleet-bed.int.test.ts': 'a fleet bed: one per machine (network namespaces, the origin address)',
  'src-main/runners/runners-netns.int.test.ts': 'a fleet bed: one per machine',
  'src-main/displays/wlroots.int.test.ts': 'a Wayland session of the one unprivileged desktop user, all of whose processes it ends',
  'e2e/remote-sway.test.ts': 'a Wayland session of the one desktop user',
  'e2e/remote-wayland.test.ts': 'a Wayland session of the one desktop user',
  'e2e/studio-wayland.test.ts': 'a Wayland session of the one desktop user',
  'e2e/guests-return.test.ts': 'times a guest\'s return',
  'e2e/guests-iso.test.ts': 'times isolated guest recordings against the program',
  'e2e/cbcs-dash.test.ts': 'measures the latency of a stream whose key rotates every segment',
  'e2e/chat.test.ts': 'times chat replay against the picture',
  'e2e/clock-jump.test.ts': 'times an ETA across a clock jump',
  'e2e/remote-media.test.ts': 'times remote-desktop media',
  'e2e/remote.test.ts': 'times the first click of a remote desktop',
  'e2e/p2p.test.ts': 'times a lying peer\'s eviction',
  'e2e/runners-ui.test.ts': 'times a runner job in the page',
  'e2e/studio-avsync.test.ts': 'measures audio/video sync',
  'e2e/obs-ui.test.ts': 'a real OBS Studio, timed',
  'e2e/live-ui.test.ts': 'measures live latency in the page',
};

/** How many test files of a stage run at once (but SOLO_FILES): STREAMS_TEST_WORKERS, or 2 (1 on one core). */
function workers() {
  const asked = Number(process.env.STREAMS_TEST_WORKERS);
  if (Number.isInteger(asked) && asked > 0) return asked;
  return Math.min(2, os.availableParallelism());
}

/** vitest's CLI, run by node directly: a stage's process is vitest itself, not npx around it. */
function vitestBin() {
  const manifest = require.resolve('vitest/package.json');
  return path.join(path.dirname(manifest), JSON.parse(fs.readFileSync(manifest, 'utf8')).bin.vitest);
}

const STAGES = [
  { name: 'setup', command: [process.execPath, 'scripts/setup-system.mjs'], minutes: 20 },
  { name: 'lint', command: ['npx', 'eslint', '--max-warnings', '0', '.'], minutes: 10 },
  { name: 'type-check', command: ['npm', 'run', '--silent', 'typecheck'], minutes: 10 },
  { name: 'build', command: [process.execPath, 'scripts/build.mjs'], minutes: 10 },
  { name: 'unit', vitest: { project: 'unit' }, minutes: 15 },
  // `phased`: the files WORKERS at a time, then SOLO_FILES alone (see vitestPhases).
  { name: 'integration', vitest: { project: 'integration', phased: true }, minutes: 45 },
  { name: 'integration-bundled-ffmpeg', vitest: { projects: ['integration', 'e2e'], files: BUNDLED_FFMPEG_FILES, bundledFfmpeg: true, phased: true }, minutes: 20 },
  { name: 'e2e', vitest: { project: 'e2e', phased: true }, minutes: 45 },
];

const timeoutVariable = (stage) => `STREAMS_TEST_TIMEOUT_MIN_${stage.name.toUpperCase().replace(/-/g, '_')}`;

function timeoutMinutes(stage) {
  const own = process.env[timeoutVariable(stage)];
  const value = Number(own ?? process.env.STREAMS_TEST_TIMEOUT_MIN ?? stage.minutes);
  return Number.isFinite(value) && value > 0 ? value : stage.minutes;
}

/** The npm-shipped ffmpeg binary, or why there is none for this platform. */
function bundledFfmpeg() {
  try {
    const found = require('@ffmpeg-installer/ffmpeg').path;
    return fs.existsSync(found) ? { path: found } : { reason: `@ffmpeg-installer/ffmpeg names ${found}, which does not exist` };
  } catch (error) {
    return { reason: `@ffmpeg-installer/ffmpeg has no binary for ${process.platform}-${process.arch}: ${String(error?.message ?? error)}` };
  }
}

function sameFile(a, b) {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}

// Arguments: stage names, and test files (or folders) that narrow the vitest stages to them.
const isPath = (a) => a.includes('/') || /\.(ts|tsx|mjs)$/.test(a);
const only = process.argv.slice(2).filter((a) => !isPath(a));
const filters = process.argv.slice(2).filter(isPath);
const unknown = [...only.filter((n) => !STAGES.some((s) => s.name === n)), ...filters.filter((f) => !fs.existsSync(path.resolve(ROOT, f)))];
if (unknown.length > 0) {
  console.error(`unknown stage or file: ${unknown.join(', ')}; stages: ${STAGES.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const selected = STAGES.filter((s) => only.length === 0 || only.includes(s.name));
const runId = `${process.pid}-${Date.now().toString(36)}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-test-'));
const results = [];
let running; // the StageWatcher of the stage under way
let interrupted; // the signal that stopped the run

// Ctrl-C reaches only us (a stage runs in its own process group): stop the stage, then summarize.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = signal;
    console.error(`\n${signal}: stopping the stage under way`);
    if (running) void killStage(running);
  });
}

const describe = (procs) => (procs.length === 0 ? 'nothing left' : procs.map((p) => `${p.name} (pid ${p.pid}: ${p.cmdline})`).join(', '));

const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};

/** The files of SOLO_FILES that belong to a vitest stage's projects, among `within` (its list) when it has one. */
function soloFilesOf(stage, within) {
  const ofProject = (f) => (stage.vitest.project === 'e2e' ? f.startsWith('e2e/') : f.endsWith('.int.test.ts'));
  return Object.keys(SOLO_FILES).filter((f) => (within ? within.includes(f) : ofProject(f)) && fs.existsSync(path.join(ROOT, f)));
}

/**
 * A vitest stage's runs: the files that may share the machine, WORKERS at a time, then SOLO_FILES one by
 * one (none running beside them). Each run names the files it may run; `args` narrows nothing else.
 */
function vitestPhases(stage, targets, { listed, asked }) {
  const solo = soloFilesOf(stage, listed).filter((f) => asked.length === 0 || asked.some((x) => f === x || f.startsWith(`${x.replace(/\/$/, '')}/`)));
  const shared = listed ? targets.filter((f) => !solo.includes(f)) : targets;
  const phases = [];
  // Without a list, the shared run is the stage's whole project but its solo files (none found is no failure then).
  if (!listed || shared.length > 0) {
    phases.push({
      name: 'shared',
      args: [...shared, `--maxWorkers=${workers()}`, '--fileParallelism', ...Object.keys(SOLO_FILES).map((f) => `--exclude=**/${f}`), ...(filters.length > 0 || !listed ? ['--passWithNoTests'] : [])],
    });
  }
  if (solo.length > 0) phases.push({ name: 'solo', args: [...solo, '--maxWorkers=1', '--no-file-parallelism'] });
  return phases;
}

/** Two runs' JSON reports as one (only what summarizeVitest reads: testResults). */
const mergeReports = (reports) => (reports.some(Boolean) ? { testResults: reports.flatMap((r) => r?.testResults ?? []) } : undefined);

async function runOne(stage) {
  const env = { ...process.env };
  const result = { name: stage.name, status: 'passed', problems: [] };

  if (stage.name === 'setup' && process.env.STREAMS_TEST_SKIP_SETUP === '1') {
    return { ...result, status: 'skipped', optional: true, note: 'STREAMS_TEST_SKIP_SETUP=1: system packages not checked' };
  }
  let runs = [{ name: stage.name, command: stage.command }];
  const skipsFile = path.join(work, `${stage.name}.skips`);
  if (stage.vitest) {
    if (stage.vitest.bundledFfmpeg) {
      const ffmpeg = bundledFfmpeg();
      if (!ffmpeg.path) return { ...result, status: 'skipped', note: ffmpeg.reason };
      // The run is on the npm-shipped binary already (FFMPEG_PATH at it): every stage tried it, no need twice.
      if (process.env.FFMPEG_PATH && sameFile(process.env.FFMPEG_PATH, ffmpeg.path)) {
        return { ...result, status: 'skipped', optional: true, note: `FFMPEG_PATH is the npm-shipped ffmpeg already (${ffmpeg.path}): the other stages ran on it` };
      }
      env.FFMPEG_PATH = ffmpeg.path;
      console.log(`FFMPEG_PATH=${ffmpeg.path}`);
    }
    // A stage with its own list of files: those that exist (a missing one is a problem), narrowed to the files asked for.
    const listed = stage.vitest.files?.filter((f) => fs.existsSync(path.join(ROOT, f)));
    for (const f of stage.vitest.files ?? []) {
      if (!listed.includes(f)) result.problems.push(`${f} is listed in BUNDLED_FFMPEG_FILES (scripts/test.mjs) but does not exist`);
    }
    if (listed?.length === 0) return { ...result, status: 'failed' };
    const asked = filters.map((x) => path.relative(ROOT, path.resolve(ROOT, x)));
    const targets = !listed ? filters : filters.length === 0 ? listed : listed.filter((f) => asked.some((x) => f.startsWith(x)));
    if (listed && targets.length === 0) return { ...result, status: 'skipped', optional: true, note: 'none of its files is among the files asked for' };
    const phases = stage.vitest.phased
      ? vitestPhases(stage, targets, { listed, asked })
      : [{ name: stage.name, args: [...targets, ...(filters.length > 0 ? ['--passWithNoTests'] : [])] }];
    env.STREAMS_SKIP_LOG = skipsFile;
    runs = phases.map((phase) => {
      const json = path.join(work, `${stage.name}.${phase.name}.json`);
      const run = path.join(work, `${stage.name}.${phase.name}.run.json`);
      return {
        name: phase.name, json, run,
        command: [
          process.execPath, vitestBin(), 'run', ...(stage.vitest.projects ?? [stage.vitest.project]).flatMap((p) => ['--project', p]), ...phase.args,
          '--reporter=default', '--reporter=json', `--outputFile.json=${json}`, `--reporter=${path.join(ROOT, 'scripts', 'vitest-run-reporter.mjs')}`,
        ],
      };
    });
  }

  const minutes = timeoutMinutes(stage);
  const started = Date.now();
  let code = 0;
  let timedOut = false;
  for (const run of runs) {
    if (runs.length > 1) console.log(`\n-- ${stage.name}: ${run.name === 'solo' ? 'files that run alone (SOLO_FILES in scripts/test.mjs)' : `${workers()} files at a time`} --`);
    const left = minutes * 60_000 - (Date.now() - started);
    const ran = await runStage({
      command: run.command[0], args: run.command.slice(1), env: { ...env, ...(run.run ? { STREAMS_TEST_REPORT: run.run } : {}) }, mark: `${runId}:${stage.name}`, timeoutMs: Math.max(1000, left),
      onStart: (w) => (running = w),
    });
    if (ran.code !== 0 && code === 0) code = ran.code;
    if (ran.timedOut) {
      timedOut = true;
      const current = run.run ? readJson(`${run.run}.current`) : undefined;
      const where = current ? ` while running ${path.relative(ROOT, current.file)} > ${current.test} (for ${Math.round((Date.now() - current.since) / 1000)} s)` : '';
      result.problems.push(`timed out after ${minutes} min${where}; killed ${describe(ran.killed)} (limit: ${timeoutVariable(stage)})`);
    }
    if (ran.code !== 0 && !ran.timedOut && !stage.vitest && !interrupted) result.problems.push(`${[path.basename(run.command[0]), ...run.command.slice(1)].join(' ')} exited with code ${ran.code}`);
    const strays = await strayProcesses(ran.watcher);
    running = undefined;
    if (strays.length > 0) {
      await killAll(strays);
      result.problems.push(`left ${strays.length} process${strays.length === 1 ? '' : 'es'} running (killed): ${describe(strays)}`);
    }
    if (timedOut || interrupted) break;
  }
  result.seconds = (Date.now() - started) / 1000;
  if (interrupted) result.problems.push(`interrupted by ${interrupted}`);

  if (stage.vitest) {
    const reports = runs.map((r) => readJson(r.json));
    const report = mergeReports(reports);
    const reporterRuns = runs.map((r) => readJson(r.run)).filter(Boolean);
    const skipLog = parseSkipLog(fs.existsSync(skipsFile) ? fs.readFileSync(skipsFile, 'utf8') : '');
    if (report) {
      const summary = summarizeVitest({
        report, suiteErrors: reporterRuns.flatMap((r) => r.suiteErrors ?? []), unhandled: reporterRuns.flatMap((r) => r.unhandled ?? []), skipLog, root: ROOT,
      });
      result.counts = { passed: summary.passed, failed: summary.failed, skipped: summary.skipped };
      result.failures = summary.failures;
      result.skips = summary.skips;
    }
    for (const [i, r] of runs.entries()) {
      if (!reports[i] && !timedOut && !interrupted) result.problems.push(`vitest (${r.name}) wrote no report (see its output above)`);
    }
    if (code !== 0 && !timedOut && (result.counts?.failed ?? 0) === 0 && result.problems.length === 0) {
      result.problems.push(`vitest exited with code ${code} (see its output above)`);
    }
  }
  if (result.problems.length > 0 || (result.counts?.failed ?? 0) > 0 || code !== 0) result.status = 'failed';
  return result;
}

let failed = false;
for (const stage of selected) {
  if (failed || interrupted) {
    results.push({ name: stage.name, status: 'not run', note: interrupted ? `interrupted by ${interrupted}` : 'a stage before it failed' });
    continue;
  }
  process.stdout.write(`\n== ${stage.name} ==\n`);
  const result = await runOne(stage);
  results.push(result);
  if (result.status === 'failed') failed = true;
}

fs.rmSync(work, { recursive: true, force: true });
const { lines, exitCode } = formatSummary(results, { ci: process.env.CI === 'true' || process.env.CI === '1' });
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(interrupted ? 130 : exitCode);
