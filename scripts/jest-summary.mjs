#!/usr/bin/env node
// Prints Jest's verdict as the plain line CI reads, "N passed, N failed,
// N skipped", from `jest --json --outputFile=FILE`; exits 1 when anything failed.
// A second file, written by scripts/jest-open-handles.mjs, lists what the tests
// left open; a leak counts as one more failure.
import fs from 'node:fs'

const file = process.argv[2]
let results
try {
  results = JSON.parse(fs.readFileSync(file, 'utf8'))
} catch (error) {
  console.log(`0 passed, 1 failed`)
  console.error(`no Jest results in ${file}: ${error.message}`)
  process.exit(1)
}
// A suite that could not run (syntax error, failed beforeAll import) has no
// test results of its own: count it as one failure so it cannot pass silently.
const brokenSuites = results.testResults.filter(
  suite => suite.status === 'failed' && suite.assertionResults.length === 0
).length
const openHandles =
  process.argv[3] && fs.existsSync(process.argv[3])
    ? fs.readFileSync(process.argv[3], 'utf8').trim()
    : ''
if (openHandles) console.error(`left open after the tests: ${openHandles.split('\n').join(', ')}`)
const failed = results.numFailedTests + brokenSuites + (openHandles ? 1 : 0)
const skipped = results.numPendingTests + results.numTodoTests
console.log(`${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || !results.success ? 1 : 0)
