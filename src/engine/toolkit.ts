// What @docker/actions-toolkit leaves in the process that loads it.
//
// Its Context module makes a temp directory under RUNNER_TEMP (the system's
// without it) as soon as it loads, and keeps each build's image id and
// metadata files there; nothing of the toolkit removes it. Each process
// makes its own, so the action's post step removes the main step's (whose
// path the main step saves in its state, as docker/build-push-action does)
// and then its own.
//
// It logs through @actions/core, whose debug messages are workflow commands
// on stdout (`::debug::...`) for a runner to hide, and so are the masks it
// asks for (`::add-mask::<secret>`, for each `secrets` value of a build).
import fs from 'node:fs'
import path from 'node:path'
import { Context } from '@docker/actions-toolkit/lib/context.js'

const TOOLKIT_TEMP_PREFIX = 'docker-actions-toolkit-'

/** This process's toolkit temp directory. */
export function toolkitTempDir(): string {
  return Context.tmpDir()
}

/**
 * Removes the main step's toolkit temp directory, when given, and this
 * process's own; resolves with the directories removed. The toolkit cannot
 * make build files in this process afterwards. A path that is not a toolkit
 * temp directory is refused: state is plain text handed back by the runner.
 */
export async function removeToolkitTempDirs(mainStepDir?: string): Promise<string[]> {
  if (mainStepDir && !path.basename(mainStepDir).startsWith(TOOLKIT_TEMP_PREFIX)) {
    throw new Error(
      `${mainStepDir} is not a toolkit temp directory (${TOOLKIT_TEMP_PREFIX}*); not removed`
    )
  }
  const dirs = [...new Set([mainStepDir || toolkitTempDir(), toolkitTempDir()])]
  for (const dir of dirs) await fs.promises.rm(dir, { recursive: true, force: true })
  return dirs
}

// The workflow commands the toolkit issues; a mask carries the secret itself.
const TOOLKIT_COMMANDS = ['::debug::', '::add-mask::']

/**
 * Drops the toolkit's debug messages and masks from `stream` (the CLI's
 * stdout): a terminal, or a reader of --json output, has no runner to hide
 * them. @actions/core writes each one whole, in one call.
 */
export function dropWorkflowCommands(stream: NodeJS.WritableStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
  stream.write = ((...args: unknown[]) => {
    const [chunk] = args
    const isCommand =
      typeof chunk === 'string' && TOOLKIT_COMMANDS.some(command => chunk.startsWith(command))
    return isCommand || write(...args)
  }) as typeof stream.write
}
