/**
 * A vitest reporter that ends the run with one plain line CI can read:
 * `N passed, N failed` (plus `, N skipped` when any test was skipped).
 *
 * It runs beside the default reporter (see vitest.config.ts) and is listed after it, so its line comes
 * after vitest's own summary. Failures that belong to no single test — a file that could not be
 * loaded, a failing `beforeAll`/`afterAll`, an unhandled error — count as failures too, so the line
 * never says `0 failed` on a run that vitest itself reports as failed.
 */
import type { Reporter, SerializedError, TestModule, TestRunEndReason, Vitest } from 'vitest/node';

/** Totals of one run, as printed on the closing line. */
export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Adds up test results; module-level and unhandled errors each count as one failure. */
export function countResults(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const testModule of testModules) {
    let failedHere = 0;
    for (const test of testModule.children.allTests()) {
      const { state } = test.result();
      if (state === 'passed') counts.passed += 1;
      else if (state === 'skipped') counts.skipped += 1;
      // 'pending' after the run only happens when it was cut short (bail, timeout, Ctrl-C):
      // such a test did not pass, so it is not reported as one.
      else if (state === 'failed' || reason !== 'passed') failedHere += 1;
    }
    // A module that failed without any failing test: it did not load, or a hook outside the tests failed.
    const suiteErrors = [...testModule.children.allSuites()].reduce((n, s) => n + s.errors().length, 0);
    if (failedHere === 0 && (testModule.errors().length > 0 || suiteErrors > 0 || testModule.state() === 'failed')) {
      failedHere = 1;
    }
    counts.failed += failedHere;
  }
  counts.failed += unhandledErrors.length;
  return counts;
}

/** Formats the closing line, e.g. `12 passed, 0 failed, 3 skipped`. */
export function formatCounts({ passed, failed, skipped }: RunCounts): string {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

export default class CountReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const line = formatCounts(countResults(testModules, unhandledErrors, reason));
    // Through vitest's logger so the line is ordered with the default reporter's output.
    if (this.vitest) this.vitest.logger.log(line);
    else process.stdout.write(`${line}\n`);
  }
}
