// Appends each Jest run's totals to dist/test-results/summary.jsonl so that .ci/run can print
// one closing line ("N passed, N failed") for the whole pipeline.
const { appendFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = join(__dirname, '../../dist/test-results');
    mkdirSync(dir, { recursive: true });
    const line = {
      project: this.rootDir,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    appendFileSync(join(dir, 'summary.jsonl'), `${JSON.stringify(line)}\n`);
  }
}

module.exports = SummaryReporter;
