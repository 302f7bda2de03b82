// A vitest reporter for scripts/test.mjs, beside vitest's JSON report, for what that report loses:
//  - the errors of suites and files (a failed beforeAll/beforeEach/afterAll, a file that cannot load):
//    the JSON report shows a suite whose beforeAll failed as skipped tests with no message;
//  - errors outside any test (unhandled rejections);
//  - the test running now, written as each test starts, so a stage killed at its time limit can say
//    where it was stuck.
// Writes `$STREAMS_TEST_REPORT` (JSON: {suiteErrors: [{file, titles, message}], unhandled: [message]})
// at the end of the run, and `$STREAMS_TEST_REPORT.current` while it runs.
import fs from 'node:fs';

const out = process.env.STREAMS_TEST_REPORT;

/** The names of the suites from the file down to `suite`, as the JSON report's ancestorTitles. */
function titlesOf(suite) {
  const titles = [];
  for (let s = suite; s && s.type === 'suite'; s = s.parent) titles.unshift(s.name);
  return titles;
}

const messageOf = (error) => String(error?.message ?? error).split('\n')[0];

export default class TestRunReporter {
  onTestCaseReady(testCase) {
    if (!out) return;
    try {
      fs.writeFileSync(`${out}.current`, JSON.stringify({ file: testCase.module.moduleId, test: testCase.fullName, since: Date.now() }));
    } catch {
      // best effort: only used to say where a killed stage was
    }
  }

  onTestRunEnd(testModules, unhandledErrors) {
    if (!out) return;
    const suiteErrors = [];
    for (const module of testModules) {
      for (const error of module.errors()) suiteErrors.push({ file: module.moduleId, titles: [], message: messageOf(error) });
      for (const suite of module.children.allSuites()) {
        for (const error of suite.errors()) suiteErrors.push({ file: module.moduleId, titles: titlesOf(suite), message: messageOf(error) });
      }
    }
    fs.writeFileSync(out, JSON.stringify({ suiteErrors, unhandled: unhandledErrors.map(messageOf) }));
  }
}
