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
  { name: 'integration', vitest: { project: 'integration' }, minutes: 45 },
  { name: 'integration-bundled-ffmpeg', vitest: { projects: ['integration', 'e2e'], files: BUNDLED_FFMPEG_FILES, bundledFfmpeg: true }, minutes: 20 },
  { name: 'e2e', vitest: { project: 'e2e' }, minutes: 45 },
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

async function runOne(stage) {
  const env = { ...process.env };
  const result = { name: stage.name, status: 'passed', problems: [] };
  let command = stage.command;
  const files = {};

  if (stage.name === 'setup' && process.env.STREAMS_TEST_SKIP_SETUP === '1') {
    return { ...result, status: 'skipped', optional: true, note: 'STREAMS_TEST_SKIP_SETUP=1: system packages not checked' };
  }
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
    Object.assign(files, {
      json: path.join(work, `${stage.name}.json`),
      run: path.join(work, `${stage.name}.run.json`),
      skips: path.join(work, `${stage.name}.skips`),
    });
    env.STREAMS_SKIP_LOG = files.skips;
    env.STREAMS_TEST_REPORT = files.run;
    command = [
      process.execPath, vitestBin(), 'run', ...(stage.vitest.projects ?? [stage.vitest.project]).flatMap((p) => ['--project', p]), ...targets,
      ...(filters.length > 0 ? ['--passWithNoTests'] : []),
      '--reporter=default', '--reporter=json', `--outputFile.json=${files.json}`, `--reporter=${path.join(ROOT, 'scripts', 'vitest-run-reporter.mjs')}`,
    ];
  }

  const minutes = timeoutMinutes(stage);
  const started = Date.now();
  const { code, timedOut, killed, watcher } = await runStage({
    command: command[0], args: command.slice(1), env, mark: `${runId}:${stage.name}`, timeoutMs: minutes * 60_000,
    onStart: (w) => (running = w),
  });
  result.seconds = (Date.now() - started) / 1000;

  if (interrupted) result.problems.push(`interrupted by ${interrupted}`);
  if (timedOut) {
    const current = files.run ? readJson(`${files.run}.current`) : undefined;
    const where = current ? ` while running ${path.relative(ROOT, current.file)} > ${current.test} (for ${Math.round((Date.now() - current.since) / 1000)} s)` : '';
    result.problems.push(`timed out after ${minutes} min${where}; killed ${describe(killed)} (limit: ${timeoutVariable(stage)})`);
  }
  if (stage.vitest) {
    const report = readJson(files.json);
    const run = readJson(files.run);
    const skipLog = parseSkipLog(fs.existsSync(files.skips) ? fs.readFileSync(files.skips, 'utf8') : '');
    if (report) {
      const summary = summarizeVitest({ report, suiteErrors: run?.suiteErrors, unhandled: run?.unhandled, skipLog, root: ROOT });
      result.counts = { passed: summary.passed, failed: summary.failed, skipped: summary.skipped };
      result.failures = summary.failures;
      result.skips = summary.skips;
    } else if (!timedOut && !interrupted) {
      result.problems.push(`vitest exited with code ${code} and wrote no report (see its output above)`);
    }
  }
  if (code !== 0 && !timedOut && (result.counts?.failed ?? 0) === 0 && result.problems.length === 0) {
    result.problems.push(`${[path.basename(command[0]), ...command.slice(1)].join(' ')} exited with code ${code}`);
  }

  const strays = await strayProcesses(watcher);
  running = undefined;
  if (strays.length > 0) {
    await killAll(strays);
    result.problems.push(`left ${strays.length} process${strays.length === 1 ? '' : 'es'} running (killed): ${describe(strays)}`);
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
