// What can go wrong when the engine runs a command: its own module, so that
// the stages that name these errors do not need the Docker wrapper itself
// (and tests that fake the wrapper keep the real errors).

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
}

export class DockerError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: ExecResult,
    /** The program run: `docker`, or a standalone `buildx`. */
    readonly command = 'docker'
  ) {
    const detail = failureDetail(result.stderr.trim() || result.stdout.trim())
    super(
      `${commandName(command, args)} failed with exit code ${result.exitCode}${detail ? `:\n${detail}` : ''}`
    )
  }
}

// A failed build's own summary keeps only the step's last lines, where a
// package manager prints its usage after the error (npm ci's "package.json
// and package-lock.json are not in sync"): the failed step's whole log is
// what says why.
const FAILED_STEP = /^(#\d+) ERROR: /m
const STEP_LINES = 60

/** What to show of a failed command's output: a failed build step's log, or the last lines. */
export function failureDetail(output: string): string {
  const lines = output.split('\n')
  const step = FAILED_STEP.exec(output)?.[1]
  if (step === undefined) return lines.slice(-15).join('\n')
  const stepLines = lines.filter(line => line.startsWith(`${step} `))
  const summary = lines.filter(line => line.startsWith('ERROR: ')).slice(-1)
  return [...stepLines.slice(-STEP_LINES), ...summary].join('\n')
}

/** The command and up to two words after it, up to the first flag: "docker buildx build", "buildx build", "docker push TAG". */
function commandName(command: string, args: readonly string[]): string {
  const firstFlag = args.findIndex(arg => arg.startsWith('-'))
  return [command, ...args.slice(0, firstFlag === -1 ? 2 : Math.min(2, firstFlag))].join(' ')
}

/** No docker command, no daemon answering, or no buildx (plugin or standalone). */
export class EngineUnavailableError extends Error {}
