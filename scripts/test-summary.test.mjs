import { describe, expect, it } from 'vitest';
import { plan, wantedPackages } from './setup-system.mjs';
import { ciViolations, formatSummary, parseSkipLog, summarizeVitest } from './test-summary.mjs';

const ROOT = '/repo';
const test = (ancestorTitles, title, status, failureMessages = []) => ({ ancestorTitles, title, fullName: [...ancestorTitles, title].join(' '), status, failureMessages });
const file = (name, assertionResults, status = 'passed', message = '') => ({ name: `${ROOT}/${name}`, assertionResults, status, message });

describe('summarizeVitest', () => {
  it('counts passed, failed and skipped tests, with the first line of each failure', () => {
    const report = {
      testResults: [
        file('src-main/a.test.ts', [test(['a'], 'one', 'passed'), test(['a'], 'two', 'failed', ['AssertionError: expected 1 to be 2\n    at x']), test(['a'], 'three', 'skipped')], 'failed'),
      ],
    };
    const s = summarizeVitest({ report, root: ROOT });
    expect(s).toMatchObject({ passed: 1, failed: 1, skipped: 1 });
    expect(s.failures).toEqual([{ file: 'src-main/a.test.ts', test: 'a > two', message: 'AssertionError: expected 1 to be 2' }]);
  });

  it('counts the tests of a suite whose beforeAll failed as failed, with the hook error, not as skipped', () => {
    const report = {
      testResults: [
        file('e2e/obs.test.ts', [
          test(['obs', 'control'], 't1', 'skipped'),
          test(['obs', 'control'], 't2', 'skipped'),
          test(['other'], 't3', 'passed'),
          test(['gated'], 't4', 'skipped'),
        ], 'failed'),
      ],
    };
    const suiteErrors = [{ file: `${ROOT}/e2e/obs.test.ts`, titles: ['obs'], message: 'OBS did not start in 45 s' }];
    const skipLog = [{ file: 'e2e/obs.test.ts', reason: 'needs pulseaudio' }];
    const s = summarizeVitest({ report, suiteErrors, skipLog, root: ROOT });
    expect(s).toMatchObject({ passed: 1, failed: 2, skipped: 1 });
    expect(s.failures.map((f) => f.test)).toEqual(['obs > control > t1', 'obs > control > t2']);
    expect(s.failures[0].message).toBe('not run, a hook failed: OBS did not start in 45 s');
    expect(s.skips).toEqual([{ file: 'e2e/obs.test.ts', count: 1, reasons: ['needs pulseaudio'] }]);
  });

  it('takes a file-level hook error (a top-level beforeAll) for every skipped test of the file', () => {
    const report = { testResults: [file('src-main/b.int.test.ts', [test([], 't5', 'skipped'), test(['s'], 't6', 'skipped')], 'failed', 'top-level hook broke')] };
    const s = summarizeVitest({ report, suiteErrors: [{ file: `${ROOT}/src-main/b.int.test.ts`, titles: [], message: 'top-level hook broke' }], root: ROOT });
    expect(s).toMatchObject({ passed: 0, failed: 2, skipped: 0 });
  });

  it('counts an afterAll error or a file that failed to load once, and an unhandled error once', () => {
    const report = {
      testResults: [
        file('src-main/c.test.ts', [test(['c'], 'ok', 'passed')], 'failed'),
        file('src-main/d.test.ts', [], 'failed', 'Cannot find module ./gone.js'),
      ],
    };
    const suiteErrors = [{ file: `${ROOT}/src-main/c.test.ts`, titles: ['c'], message: 'afterAll: host did not stop' }];
    const s = summarizeVitest({ report, suiteErrors, unhandled: ['Error: EPIPE\n at y'], root: ROOT });
    expect(s).toMatchObject({ passed: 1, failed: 3, skipped: 0 });
    expect(s.failures.map((f) => `${f.file} ${f.test}: ${f.message}`)).toEqual([
      'src-main/c.test.ts c: afterAll: host did not stop',
      'src-main/d.test.ts (file): Cannot find module ./gone.js',
      '(outside any test) unhandled error: Error: EPIPE',
    ]);
  });

  it('joins skips with the reasons logged for their file, once each; a skip with no reason says so', () => {
    const report = {
      testResults: [
        file('e2e/electron.test.ts', [test(['e'], '1', 'skipped'), test(['e'], '2', 'skipped'), test(['e'], '3', 'skipped')]),
        file('src-main/x.int.test.ts', [test(['x'], '1', 'skipped'), test(['x'], '2', 'todo')]),
      ],
    };
    const skipLog = parseSkipLog(
      '{"file":"e2e/electron.test.ts","reason":"Electron binary not found"}\n' +
        '{"file":"e2e/electron.test.ts","reason":"Electron binary not found"}\n' +
        '{"file":"src-main/other.test.ts","reason":"needs sshd"}\n{"file":"cut',
    );
    const s = summarizeVitest({ report, skipLog, root: ROOT });
    expect(s.skipped).toBe(5);
    expect(s.skips).toEqual([
      { file: 'e2e/electron.test.ts', count: 3, reasons: ['Electron binary not found'] },
      { file: 'src-main/x.int.test.ts', count: 2, reasons: [] },
    ]);
    const { lines } = formatSummary([{ name: 'e2e', status: 'passed', counts: s, skips: s.skips }]);
    expect(lines).toContain('skipped: e2e/electron.test.ts (3 tests): Electron binary not found');
    expect(lines.find((l) => l.startsWith('skipped: src-main/x.int.test.ts (2 tests): no reason recorded'))).toBeDefined();
  });
});

describe('formatSummary', () => {
  const unit = { name: 'unit', status: 'passed', seconds: 30, counts: { passed: 10, failed: 0, skipped: 0 }, failures: [], skips: [] };

  it('ends with the totals line, lists stages after a failure as not run, and counts stage problems as failed', () => {
    const stages = [
      { name: 'lint', status: 'failed', seconds: 12, problems: ['npx eslint --max-warnings exited with code 1'] },
      { name: 'unit', status: 'not run', note: 'a stage before it failed' },
    ];
    const { lines, exitCode } = formatSummary(stages);
    expect(exitCode).toBe(1);
    expect(lines.at(-1)).toBe('tests: 0 passed, 1 failed, 0 skipped');
    expect(lines.some((l) => /^unit\s+not run/.test(l))).toBe(true);
    expect(lines).toContain('failed: [lint] npx eslint --max-warnings exited with code 1');
  });

  it('passes a clean run with exit code 0', () => {
    const { lines, exitCode } = formatSummary([unit]);
    expect(exitCode).toBe(0);
    expect(lines.at(-1)).toBe('tests: 10 passed, 0 failed, 0 skipped');
  });

  it('names stray processes and a time limit as failures of their stage', () => {
    const stage = { ...unit, name: 'integration', status: 'failed', problems: ['timed out after 45 min while running a.int.test.ts > x', 'left 1 process running (killed): Xvfb (pid 42: Xvfb :99)'] };
    const { lines, exitCode } = formatSummary([stage]);
    expect(exitCode).toBe(1);
    expect(lines).toContain('failed: [integration] left 1 process running (killed): Xvfb (pid 42: Xvfb :99)');
    expect(lines.at(-1)).toBe('tests: 10 passed, 2 failed, 0 skipped');
  });
});

describe('CI policy', () => {
  const stages = [
    { name: 'e2e', status: 'passed', counts: { passed: 5, failed: 0, skipped: 4 }, skips: [{ file: 'e2e/electron.test.ts', count: 3, reasons: ['Electron binary not found'] }, { file: 'e2e/obs-ui.test.ts', count: 1, reasons: ['needs obs'] }] },
    { name: 'integration-bundled-ffmpeg', status: 'skipped', note: 'no binary for this platform' },
  ];

  it('lets only the Electron suite skip in CI, and fails the run naming each other skip', () => {
    expect(ciViolations(stages)).toEqual(['e2e/obs-ui.test.ts (e2e): needs obs', 'stage integration-bundled-ffmpeg: no binary for this platform']);
    const ci = formatSummary(stages, { ci: true });
    expect(ci.exitCode).toBe(1);
    expect(ci.lines.filter((l) => l.startsWith('CI: '))).toHaveLength(2);
    expect(ci.lines.at(-1)).toBe('tests: 5 passed, 2 failed, 4 skipped');
  });

  it('passes the same run outside CI, and a CI run whose only skip is Electron', () => {
    expect(formatSummary(stages).exitCode).toBe(0);
    expect(formatSummary([{ ...stages[0], skips: [stages[0].skips[0]] }], { ci: true }).exitCode).toBe(0);
  });

  it('does not count a setup stage skipped on purpose against CI', () => {
    expect(ciViolations([{ name: 'setup', status: 'skipped', optional: true, note: 'STREAMS_TEST_SKIP_SETUP=1' }])).toEqual([]);
  });
});

describe('setup-system plan', () => {
  it('installs as root or with sudo, prints the command otherwise, and does nothing when all is there', () => {
    expect(plan({ missing: [], hasApt: true, isRoot: false, hasSudo: false })).toEqual({ action: 'none' });
    expect(plan({ missing: ['ffmpeg'], hasApt: true, isRoot: true, hasSudo: false })).toEqual({ action: 'install', sudo: false });
    expect(plan({ missing: ['ffmpeg'], hasApt: true, isRoot: false, hasSudo: true })).toEqual({ action: 'install', sudo: true });
    expect(plan({ missing: ['ffmpeg', 'xvfb'], hasApt: true, isRoot: false, hasSudo: false })).toMatchObject({
      action: 'print',
      command: 'sudo apt-get update && sudo apt-get install -y --no-install-recommends ffmpeg xvfb',
    });
    expect(plan({ missing: ['ffmpeg'], hasApt: false, isRoot: true, hasSudo: false })).toMatchObject({ action: 'print', why: expect.stringContaining('no apt-get') });
  });

  it('adds what the benchmarks need behind --bench', () => {
    expect(wantedPackages()).not.toContain('wrk');
    expect(wantedPackages({ bench: true })).toEqual(expect.arrayContaining(['wrk', 'libnginx-mod-rtmp', 'ffmpeg']));
  });
});
