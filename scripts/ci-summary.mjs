#!/usr/bin/env node
// Prints "N passed, N failed, N skipped" from vitest's JSON report, plus CI_EXTRA_PASSED / CI_EXTRA_FAILED (.ci/run's
// script checks); exits 1 on any failure or an empty run.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of report.testResults ?? []) {
  for (const t of file.assertionResults ?? []) {
    if (t.status === 'passed') passed++;
    else if (t.status === 'failed') failed++;
    else skipped++;
  }
  // A file that failed to load has no assertions but is a failure.
  if ((file.assertionResults ?? []).length === 0 && file.status === 'failed') failed++;
}
passed += Number(process.env.CI_EXTRA_PASSED ?? 0);
failed += Number(process.env.CI_EXTRA_FAILED ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
