// Prints the totals of every Jest run recorded in dist/test-results/summary.jsonl.
const { existsSync, readFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const file = join(__dirname, '../../dist/test-results/summary.jsonl');
const runs = existsSync(file)
  ? readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
// The browser suite (Playwright's JSON report), when it ran.
const playwright = join(__dirname, '../../dist/test-results/playwright.json');
if (existsSync(playwright)) {
  const { stats } = JSON.parse(readFileSync(playwright, 'utf8'));
  runs.push({
    project: join(__dirname, '../../apps/admin-e2e'),
    passed: stats.expected,
    failed: stats.unexpected + stats.flaky,
    skipped: stats.skipped,
  });
}
const sum = (k) => runs.reduce((n, r) => n + r[k], 0);
for (const r of runs)
  console.log(
    `  ${relative(process.cwd(), r.project)}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`,
  );
console.log(`${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
process.exit(runs.length === 0 || sum('passed') === 0 ? 1 : 0);
