#!/usr/bin/env node
// Entry of dist/cli/index.js, the `aio-image` command (package.json "bin").
import { dropWorkflowCommands, removeToolkitTempDirs } from '../engine/toolkit.js'
import { main } from './main.js'

dropWorkflowCommands(process.stdout)
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd()
})
// No post step here: the toolkit's temp directory goes with the command.
await removeToolkitTempDirs()
