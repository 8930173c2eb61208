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
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-15).join('\n')
    super(
      `${commandName(command, args)} failed with exit code ${result.exitCode}${detail ? `:\n${detail}` : ''}`
    )
  }
}

/** The command and up to two words after it, up to the first flag: "docker buildx build", "buildx build", "docker push TAG". */
function commandName(command: string, args: readonly string[]): string {
  const firstFlag = args.findIndex(arg => arg.startsWith('-'))
  return [command, ...args.slice(0, firstFlag === -1 ? 2 : Math.min(2, firstFlag))].join(' ')
}

/** No docker command, no daemon answering, or no buildx (plugin or standalone). */
export class EngineUnavailableError extends Error {}
