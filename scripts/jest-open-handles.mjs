// Jest globalTeardown. Tests run in band (one engine, one process), so a
// server, socket, child process or timer a test leaves behind keeps Jest from
// exiting and a CI run would hang until its deadline. After a short grace,
// this names whatever still keeps the event loop alive and, when
// AIO_JEST_OPEN_HANDLES names a file, writes the list there so that
// scripts/jest-summary.mjs counts the leak as a failure; scripts/test.sh then
// lets Jest exit with --forceExit instead of hanging.
import fs from 'node:fs'

const GRACE_MS = 2000
const POLL_MS = 100

// Jest's own stdout and stderr are pipes under CI, and open by design.
const STDIO = new Set([process.stdin, process.stdout, process.stderr])

function openResources() {
  const handles = process
    ._getActiveHandles()
    .filter(handle => !STDIO.has(handle))
    .map(handle => handle.constructor?.name ?? typeof handle)
  const timers = process.getActiveResourcesInfo().filter(name => name === 'Timeout')
  return [...handles, ...timers]
}

export default async function reportOpenHandles() {
  let resources = openResources()
  for (let waited = 0; resources.length > 0 && waited < GRACE_MS; waited += POLL_MS) {
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
    resources = openResources()
  }
  if (resources.length === 0) return
  console.error(`\nStill open after the tests (a test did not clean up): ${resources.join(', ')}`)
  if (process.env.AIO_JEST_OPEN_HANDLES) {
    fs.writeFileSync(process.env.AIO_JEST_OPEN_HANDLES, resources.join('\n') + '\n')
  }
}
