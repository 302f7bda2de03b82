// The summary of `npm test`, as pure functions of what the stages left behind (tested with small fake
// reports in test-summary.test.mjs): vitest's JSON report, the suite errors from vitest-run-reporter.mjs,
// and the skip log that test-support/peers.ts appends to.
import path from 'node:path';

/** The only suite that may skip in CI: the Electron binary cannot be downloaded on the build machines. */
export const CI_ALLOWED_SKIPS = ['e2e/electron.test.ts'];

const SKIPPED = new Set(['skipped', 'pending', 'todo', 'disabled']);

const toRelative = (root, file) => (path.isAbsolute(file) ? path.relative(root, file) : file).split(path.sep).join('/');
const firstLine = (text) => String(text ?? '').trim().split('\n')[0];
const isPrefix = (prefix, titles) => prefix.length <= titles.length && prefix.every((t, i) => titles[i] === t);

/** The skip log (JSON lines `{file, reason}`), tolerant of a torn last line. */
export function parseSkipLog(text) {
  const entries = [];
  for (const line of String(text ?? '').split('\n')) {
    if (!line.trim()) continue;
    try {
      const { file, reason } = JSON.parse(line);
      if (typeof file === 'string' && typeof reason === 'string') entries.push({ file, reason });
    } catch {
      // a line cut by a killed worker
    }
  }
  return entries;
}

/**
 * One vitest stage's counts, failures and skips.
 * - A skipped test under a suite (or file) that has an error was skipped because its hook failed: it
 *   counts as failed, with the hook's error.
 * - A suite error that skipped no test (an afterAll, a file that failed to load) counts once as failed.
 * - Skipped tests are grouped by file with the reasons the skip log has for that file.
 */
export function summarizeVitest({ report, suiteErrors = [], unhandled = [], skipLog = [], root }) {
  const result = { passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
  const reasons = new Map();
  for (const { file, reason } of skipLog) {
    const key = toRelative(root, file);
    if (!reasons.has(key)) reasons.set(key, []);
    if (!reasons.get(key).includes(reason)) reasons.get(key).push(reason);
  }
  const errorsByFile = new Map();
  for (const e of suiteErrors) {
    const key = toRelative(root, e.file);
    if (!errorsByFile.has(key)) errorsByFile.set(key, []);
    errorsByFile.get(key).push({ ...e, used: false });
  }

  for (const file of report?.testResults ?? []) {
    const name = toRelative(root, file.name);
    const errors = errorsByFile.get(name) ?? [];
    errorsByFile.delete(name);
    let skippedHere = 0;
    let failedHere = 0;
    for (const test of file.assertionResults ?? []) {
      const ancestors = test.ancestorTitles ?? [];
      const label = [...ancestors, test.title].join(' > ');
      if (test.status === 'passed') {
        result.passed++;
      } else if (test.status === 'failed') {
        result.failed++;
        failedHere++;
        result.failures.push({ file: name, test: label, message: firstLine(test.failureMessages?.[0]) || 'failed' });
      } else if (SKIPPED.has(test.status)) {
        // The innermost failed suite around the test: its hook kept the test from running.
        const cause = errors.filter((e) => isPrefix(e.titles, ancestors)).sort((a, b) => b.titles.length - a.titles.length)[0];
        if (cause) {
          cause.used = true;
          result.failed++;
          failedHere++;
          result.failures.push({ file: name, test: label, message: `not run, a hook failed: ${cause.message}` });
        } else {
          result.skipped++;
          skippedHere++;
        }
      }
    }
    for (const e of errors.filter((x) => !x.used)) {
      // An afterAll or a module error with every test already counted: one failure of its own.
      result.failed++;
      failedHere++;
      result.failures.push({ file: name, test: e.titles.length ? e.titles.join(' > ') : '(file)', message: e.message });
    }
    if (file.status === 'failed' && failedHere === 0) {
      result.failed++;
      result.failures.push({ file: name, test: '(file)', message: firstLine(file.message) || 'the file failed (no message in the report)' });
    }
    if (skippedHere > 0) result.skips.push({ file: name, count: skippedHere, reasons: reasons.get(name) ?? [] });
  }
  // Errors of files that the JSON report does not list at all.
  for (const [name, errors] of errorsByFile) {
    for (const e of errors) {
      result.failed++;
      result.failures.push({ file: name, test: e.titles.length ? e.titles.join(' > ') : '(file)', message: e.message });
    }
  }
  for (const message of unhandled) {
    result.failed++;
    result.failures.push({ file: '(outside any test)', test: 'unhandled error', message: firstLine(message) });
  }
  return result;
}

/** Skips a CI run must not have: every skipped suite but the allowed ones, and every skipped stage. */
export function ciViolations(stages, allowed = CI_ALLOWED_SKIPS) {
  const lines = [];
  for (const stage of stages) {
    if (stage.status === 'skipped' && !stage.optional) lines.push(`stage ${stage.name}: ${stage.note ?? 'skipped'}`);
    for (const skip of stage.skips ?? []) {
      if (!allowed.includes(skip.file)) lines.push(`${skip.file} (${stage.name}): ${skip.reasons.join('; ') || 'no reason recorded'}`);
    }
  }
  return lines;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The summary's lines and the exit code. `stages`: [{name, status: passed|failed|skipped|not run,
 * seconds?, note?, counts?: {passed, failed, skipped}, failures?, skips?, problems?: [string]}].
 * `problems` are a stage's own failures (a time limit, stray processes, a non-zero exit with no failed
 * test): each counts as one failed. The last line is always `tests: N passed, N failed, N skipped`.
 */
export function formatSummary(stages, { ci = false, allowed = CI_ALLOWED_SKIPS, maxFailures = 40 } = {}) {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const lines = ['', '== summary =='];
  const width = Math.max(...stages.map((s) => s.name.length), 5);
  for (const s of stages) {
    totals.passed += s.counts?.passed ?? 0;
    totals.failed += (s.counts?.failed ?? 0) + (s.problems?.length ?? 0);
    totals.skipped += s.counts?.skipped ?? 0;
    const status = s.status === 'failed' ? 'FAILED' : s.status;
    const time = s.seconds === undefined ? '' : ` ${Math.round(s.seconds)}s`;
    const counts = s.counts ? `  ${s.counts.passed} passed, ${s.counts.failed} failed, ${s.counts.skipped} skipped` : '';
    lines.push(`${s.name.padEnd(width)}  ${status}${time}${counts}${s.note ? `  (${s.note})` : ''}`);
  }
  const failures = stages.flatMap((s) => [
    ...(s.problems ?? []).map((p) => `failed: [${s.name}] ${p}`),
    ...(s.failures ?? []).map((f) => `failed: [${s.name}] ${f.file} > ${f.test}: ${f.message}`),
  ]);
  lines.push(...failures.slice(0, maxFailures));
  if (failures.length > maxFailures) lines.push(`failed: ... and ${failures.length - maxFailures} more (see the output above)`);
  for (const s of stages) {
    for (const skip of s.skips ?? []) {
      lines.push(`skipped: ${skip.file} (${plural(skip.count, 'test')}): ${skip.reasons.join('; ') || 'no reason recorded (a skip without needs() from test-support/peers.ts)'}`);
    }
    if (s.status === 'skipped') lines.push(`skipped: stage ${s.name}: ${s.note ?? 'no reason given'}`);
  }
  const violations = ci ? ciViolations(stages, allowed) : [];
  for (const v of violations) lines.push(`CI: not allowed to skip in CI (only ${allowed.join(', ')} may): ${v}`);
  const failed = stages.some((s) => s.status === 'failed') || totals.failed > 0 || violations.length > 0;
  totals.failed += violations.length; // each a failure of the CI policy, so the line agrees with the exit code
  lines.push(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  return { lines, exitCode: failed ? 1 : 0 };
}
