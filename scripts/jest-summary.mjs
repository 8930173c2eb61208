#!/usr/bin/env node
// Prints Jest's verdict as the plain line CI reads, "N passed, N failed,
// N skipped", summed over one or more `jest --json --outputFile=FILE` results
// (scripts/test.sh runs Jest once per image store); exits 1 when anything
// failed. Beside each FILE, FILE.open-handles (written by
// scripts/jest-open-handles.mjs) lists what that run left open; a leak counts
// as one more failure.
import fs from 'node:fs'

const totals = { passed: 0, failed: 0, skipped: 0 }
for (const file of process.argv.slice(2)) {
  let results
  try {
    results = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    console.error(`no Jest results in ${file}: ${error.message}`)
    totals.failed += 1
    continue
  }
  // A suite that could not run (syntax error, failed beforeAll import) has no
  // test results of its own: count it as one failure so it cannot pass silently.
  const brokenSuites = results.testResults.filter(
    suite => suite.status === 'failed' && suite.assertionResults.length === 0
  ).length
  const handlesFile = `${file}.open-handles`
  const openHandles = fs.existsSync(handlesFile) ? fs.readFileSync(handlesFile, 'utf8').trim() : ''
  if (openHandles) console.error(`left open after the tests: ${openHandles.split('\n').join(', ')}`)
  totals.passed += results.numPassedTests
  totals.failed += results.numFailedTests + brokenSuites + (openHandles ? 1 : 0)
  // A run that failed with no failed test (e.g. no test file matched) still fails.
  if (!results.success && results.numFailedTests + brokenSuites === 0) totals.failed += 1
  totals.skipped += results.numPendingTests + results.numTodoTests
}
if (process.argv.length <= 2) totals.failed += 1
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
process.exit(totals.failed > 0 ? 1 : 0)
